"""HDF5 dataset interoperability between h5py and the `mlff` command line.

`mlff convert a.xyz b.h5` must write the layout of docs/dataset-format.md so that h5py reads
exactly the numbers ASE reads from the extxyz file; a file written by h5py in that layout must
be read by `mlff` (checked by converting it back to extxyz and reading that with ASE); a damaged
file must give a clear error, not a crash.

Needs ase, numpy and h5py; `MLFF_BIN` names the built executable (default .build/release/mlff).
"""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")
pytest.importorskip("ase")
from ase import Atoms  # noqa: E402
from ase.calculators.singlepoint import SinglePointCalculator  # noqa: E402
from ase.io import read, write  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mlff():
    path = Path(os.environ.get("MLFF_BIN", ROOT / ".build" / "release" / "mlff"))
    if not path.is_file():
        pytest.skip(f"mlff executable not found at {path}; build it or set MLFF_BIN")
    return str(path)


def run(mlff, *args, ok=True):
    result = subprocess.run([mlff, *map(str, args)], capture_output=True, text=True, timeout=120)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def mixed_structures(rng):
    """Crystals with all labels, a slab, a molecule, unlabelled and energy-only frames."""
    frames = []
    for k in range(13):
        n = int(rng.integers(1, 9))
        numbers = rng.choice([1, 6, 8, 14, 29], size=n)
        positions = rng.uniform(-3, 3, size=(n, 3))
        kind = k % 4
        if kind in (0, 1):
            cell = np.diag(rng.uniform(4, 6, 3)) + rng.uniform(-0.3, 0.3, (3, 3))
            atoms = Atoms(numbers=numbers, positions=positions, cell=cell, pbc=True)
        elif kind == 2:
            atoms = Atoms(numbers=numbers, positions=positions, cell=[5, 6, 20], pbc=[True, True, False])
        else:
            atoms = Atoms(numbers=numbers, positions=positions)
        labels = k % 3  # 0: all, 1: energy only, 2: none
        if labels == 0:
            results = {"energy": float(rng.uniform(-50, 0)), "forces": rng.uniform(-2, 2, (n, 3))}
            if atoms.pbc.all():
                results["stress"] = rng.uniform(-0.01, 0.01, 6)
            atoms.calc = SinglePointCalculator(atoms, **results)
        elif labels == 1:
            atoms.calc = SinglePointCalculator(atoms, energy=float(rng.uniform(-50, 0)))
        frames.append(atoms)
    return frames


def label(atoms, name):
    if atoms.calc is None:
        return None
    return atoms.calc.results.get(name)


def test_mlff_writes_what_h5py_reads(mlff, tmp_path):
    source = tmp_path / "mixed.xyz"
    write(source, mixed_structures(np.random.default_rng(1)), format="extxyz")
    frames = read(source, index=":")  # what ASE itself reads back: the reference numbers
    out = tmp_path / "mixed.h5"
    run(mlff, "convert", source, out, "--split", "0.6,0.2,0.2", "--seed", "3")

    with h5py.File(out, "r") as f:
        assert f.attrs["format"] == "mlff-dataset"
        assert isinstance(f.attrs["format"], str)
        assert int(f.attrs["format_version"]) == 1
        assert f.attrs["energy_unit"] == "eV" and f.attrs["length_unit"] == "Å"
        assert f.attrs["force_unit"] == "eV/Å" and f.attrs["stress_unit"] == "eV/Å^3"
        assert "convert" in f.attrs["created_by"]
        offsets = f["offsets"][:]
        assert f["offsets"].dtype == np.int64 and f["atomic_numbers"].dtype == np.int32
        assert f["positions"].dtype == np.float64 and f["pbc"].dtype == np.bool_
        assert len(offsets) == len(frames) + 1
        for s, atoms in enumerate(frames):
            atoms_slice = slice(offsets[s], offsets[s + 1])
            np.testing.assert_array_equal(f["atomic_numbers"][atoms_slice], atoms.numbers)
            np.testing.assert_array_equal(f["positions"][atoms_slice], atoms.positions)
            np.testing.assert_array_equal(f["cell"][s], atoms.cell.array)
            np.testing.assert_array_equal(f["pbc"][s], atoms.pbc)
            energy, forces, stress = label(atoms, "energy"), label(atoms, "forces"), label(atoms, "stress")
            assert bool(f["has_energy"][s]) == (energy is not None)
            assert bool(f["has_forces"][s]) == (forces is not None)
            assert bool(f["has_stress"][s]) == (stress is not None)
            if energy is not None:
                assert f["energy"][s] == energy
            else:
                assert np.isnan(f["energy"][s])
            if forces is not None:
                np.testing.assert_array_equal(f["forces"][atoms_slice], forces)
            else:
                assert np.isnan(f["forces"][atoms_slice]).all()
            if stress is not None:
                np.testing.assert_array_equal(f["stress"][s], stress)
        train, validation, test = (f[f"splits/{k}"][:] for k in ("train", "validation", "test"))
        everything = np.sort(np.concatenate([train, validation, test]))
        np.testing.assert_array_equal(everything, np.arange(len(frames)))
        assert int(f["splits"].attrs["seed"]) == 3
        np.testing.assert_array_equal(f["splits"].attrs["fractions"], [0.6, 0.2, 0.2])
        assert len(validation) == round(0.2 * len(frames)) and len(test) == round(0.2 * len(frames))

    # The same seed gives the same splits; and .h5 back to extxyz gives ASE's numbers again.
    again = tmp_path / "again.h5"
    run(mlff, "convert", source, again, "--split", "0.6,0.2,0.2", "--seed", "3")
    with h5py.File(out, "r") as a, h5py.File(again, "r") as b:
        for k in ("train", "validation", "test"):
            np.testing.assert_array_equal(a[f"splits/{k}"][:], b[f"splits/{k}"][:])
    back = tmp_path / "back.xyz"
    run(mlff, "convert", out, back)
    for original, returned in zip(frames, read(back, index=":"), strict=True):
        np.testing.assert_array_equal(returned.positions, original.positions)
        np.testing.assert_array_equal(returned.cell.array, original.cell.array)
        np.testing.assert_array_equal(returned.pbc, original.pbc)
        for name in ("energy", "forces", "stress"):
            expected, found = label(original, name), label(returned, name)
            assert (expected is None) == (found is None), name
            if expected is not None:
                np.testing.assert_array_equal(found, expected)


def test_h5py_writes_what_mlff_reads(mlff, tmp_path):
    """A file made with h5py alone, in the documented layout (strings, bools, splits, float32
    energies, no masks: missing labels as NaN), is read by mlff."""
    rng = np.random.default_rng(7)
    sizes = [3, 1, 4, 2]
    n_atoms = sum(sizes)
    numbers = rng.choice([1, 8, 29], size=n_atoms)
    positions = rng.uniform(-2, 2, size=(n_atoms, 3))
    forces = rng.uniform(-1, 1, size=(n_atoms, 3))
    forces[3:4] = np.nan  # structure 1 has no forces
    energy = np.array([-1.5, -2.25, np.nan, 0.5])
    cell = np.zeros((4, 3, 3))
    cell[0] = np.diag([4.0, 5.0, 6.0])
    cell[2] = [[4.0, 0.0, 0.0], [1.0, 4.0, 0.0], [0.0, 0.5, 7.0]]
    pbc = np.array([[True] * 3, [False] * 3, [True, True, False], [False] * 3])
    stress = np.full((4, 6), np.nan)
    stress[0] = rng.uniform(-0.01, 0.01, 6)
    path = tmp_path / "from_h5py.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "mlff-dataset"
        f.attrs["format_version"] = 1
        f.attrs["teacher"] = "handmade"
        f.attrs["energy_unit"] = "eV"
        f.attrs["length_unit"] = "Ang"
        f["atomic_numbers"] = numbers.astype(np.int64)  # any integer width is accepted
        f["positions"] = positions
        f["forces"] = forces
        f["offsets"] = np.concatenate([[0], np.cumsum(sizes)])
        f["energy"] = energy
        f["stress"] = stress
        f["cell"] = cell
        f["pbc"] = pbc
        g = f.create_group("splits")
        g["train"] = np.array([0, 2])
        g["test"] = np.array([3])
        g.attrs["seed"] = 5
    back = tmp_path / "back.xyz"
    result = run(mlff, "convert", path, back)
    assert "4 frames" in result.stdout
    frames = read(back, index=":")
    assert [len(a) for a in frames] == sizes
    for s, atoms in enumerate(frames):
        atoms_slice = slice(sum(sizes[:s]), sum(sizes[: s + 1]))
        np.testing.assert_array_equal(atoms.numbers, numbers[atoms_slice])
        np.testing.assert_array_equal(atoms.positions, positions[atoms_slice])
        np.testing.assert_array_equal(atoms.pbc, pbc[s])
        if pbc[s].any():
            np.testing.assert_array_equal(atoms.cell.array, cell[s])
        e = label(atoms, "energy")
        if np.isnan(energy[s]):
            assert e is None
        else:
            assert e == energy[s]
        f = label(atoms, "forces")
        if np.isnan(forces[atoms_slice]).any():
            assert f is None
        else:
            np.testing.assert_array_equal(f, forces[atoms_slice])
    np.testing.assert_array_equal(label(frames[0], "stress"), stress[0])
    assert label(frames[2], "stress") is None


@pytest.mark.parametrize("damage", ["text", "truncated", "foreign", "shape"])
def test_bad_files_give_clear_errors(mlff, tmp_path, damage):
    good = tmp_path / "good.xyz"
    write(good, mixed_structures(np.random.default_rng(2)), format="extxyz")
    path = tmp_path / "bad.h5"
    if damage == "text":
        path.write_text("this is not HDF5\n")
        expected = "not an HDF5 file"
    elif damage == "truncated":
        run(mlff, "convert", good, path)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        expected = str(path)
    elif damage == "foreign":
        with h5py.File(path, "w") as f:
            f.attrs["format"] = "something-else"
            f["x"] = np.arange(3)
        expected = "something-else"
    else:
        with h5py.File(path, "w") as f:
            f["atomic_numbers"] = np.array([1, 1], dtype=np.int32)
            f["positions"] = np.zeros((2, 2))
            f["offsets"] = np.array([0, 2])
        expected = "positions"
    result = run(mlff, "convert", path, tmp_path / "out.xyz", ok=False)
    assert result.returncode not in (0,) and result.returncode > 0, result  # an error exit, not a signal
    assert expected in result.stderr, result.stderr
    assert str(path) in result.stderr, result.stderr
    assert "HDF5-DIAG" not in result.stderr
    assert not (tmp_path / "out.xyz").exists()
