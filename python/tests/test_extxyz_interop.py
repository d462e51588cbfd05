"""extxyz interoperability between ASE and the `mlff` command line.

Files written by ASE must be read by `mlff` exactly as ASE reads them, and files written by
`mlff` must be read by ASE exactly as `mlff` meant them. The check goes through `mlff convert`
(ASE file -> mlff -> file read again by ASE) and `mlff info --json` (counts compared with ASE's
own, neighbour pairs with ASE's neighbour list).

Needs only ase and numpy; `MLFF_BIN` names the built executable (default .build/release/mlff).
"""
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

ase = pytest.importorskip("ase")
from ase import Atoms  # noqa: E402
from ase.calculators.singlepoint import SinglePointCalculator  # noqa: E402
from ase.io import read, write  # noqa: E402
from ase.neighborlist import neighbor_list  # noqa: E402

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


def random_frames(seed=0, count=12):
    """Random structures of every kind extxyz carries: bulk, slabs, wires, molecules, labels."""
    rng = np.random.default_rng(seed)
    symbols = ["H", "C", "N", "O", "Si", "Cu", "Fe", "Au", "Og"]
    pbcs = [[True, True, True], [True, True, False], [False, False, True], [False, False, False]]
    frames = []
    for k in range(count):
        n = int(rng.integers(1, 9))
        pbc = pbcs[k % len(pbcs)]
        cell = None
        if any(pbc) or k % 5 == 0:
            cell = np.diag(rng.uniform(6, 9, 3)) + rng.uniform(-0.5, 0.5, (3, 3))
        atoms = Atoms(symbols=list(rng.choice(symbols, n)), positions=rng.uniform(-2, 8, (n, 3)),
                      cell=cell, pbc=pbc)
        atoms.info["step"] = int(rng.integers(-10**12, 10**12))
        atoms.info["temperature"] = float(rng.uniform(0, 1000))
        atoms.info["flag"] = bool(k % 2)
        atoms.info["config_type"] = ["bulk", "slab", "two words", 'say "hi"'][k % 4]
        atoms.info["vector"] = rng.normal(size=3)
        atoms.info["ids"] = rng.integers(0, 100, size=4)
        atoms.info["mask"] = np.array([True, False, k % 2 == 0])
        atoms.new_array("charge", rng.normal(size=n))
        atoms.new_array("spin", rng.integers(-1, 2, size=n))
        atoms.new_array("moved", rng.integers(0, 2, size=(n, 3)).astype(bool))
        atoms.new_array("velocity", rng.normal(size=(n, 3)))
        results = {}
        if k % 3 != 2:
            results["energy"] = float(rng.normal() * 100)
            results["forces"] = rng.normal(size=(n, 3))
        if all(pbc) and k % 2 == 0:
            results["stress"] = rng.normal(size=6) * 0.01
        if results:
            atoms.calc = SinglePointCalculator(atoms, **results)
        frames.append(atoms)
    return frames


def assert_same(a, b):
    """Two ASE Atoms carry exactly the same data (bit-equal numbers)."""
    assert list(a.numbers) == list(b.numbers)
    np.testing.assert_array_equal(a.positions, b.positions)
    np.testing.assert_array_equal(a.cell.array, b.cell.array)
    assert list(a.pbc) == list(b.pbc)
    assert list(a.info) == list(b.info)
    for key in a.info:
        x, y = a.info[key], b.info[key]
        assert type(x) is type(y), (key, x, y)
        if isinstance(x, np.ndarray):
            assert x.dtype.kind == y.dtype.kind, (key, x, y)
            np.testing.assert_array_equal(x, y)
        else:
            assert x == y, (key, x, y)
    assert sorted(a.arrays) == sorted(b.arrays)
    for key in a.arrays:
        assert a.arrays[key].dtype.kind == b.arrays[key].dtype.kind, key
        np.testing.assert_array_equal(a.arrays[key], b.arrays[key])
    ra = a.calc.results if a.calc is not None else {}
    rb = b.calc.results if b.calc is not None else {}
    assert sorted(ra) == sorted(rb)
    for key in ra:
        np.testing.assert_array_equal(ra[key], rb[key])


def test_ase_file_survives_mlff_convert(mlff, tmp_path):
    frames = random_frames(seed=1)
    source, converted = tmp_path / "ase.xyz", tmp_path / "mlff.extxyz"
    write(source, frames, format="extxyz")
    run(mlff, "convert", source, converted)
    before = read(source, index=":", format="extxyz")
    after = read(converted, index=":", format="extxyz")
    assert len(before) == len(after) == len(frames)
    for a, b in zip(before, after):
        assert_same(a, b)


def test_full_precision_numbers_reach_ase_bit_for_bit(mlff, tmp_path):
    """Positions and forces with 17 significant digits, written by hand; mlff must keep every bit."""
    rng = np.random.default_rng(2)
    n = 6
    positions = rng.normal(size=(n, 3)) * 10 ** rng.uniform(-6, 6, size=(n, 3))
    forces = rng.normal(size=(n, 3)) / 3
    energy = float(rng.normal()) / 7
    lattice = rng.normal(size=(3, 3)) / 3 + np.eye(3) * 9
    stress = rng.normal(size=(3, 3)) / 1e3
    stress = (stress + stress.T) / 2
    lines = [str(n), 'Lattice="' + " ".join(repr(float(x)) for x in lattice.ravel()) + '" '
             + "Properties=species:S:1:pos:R:3:forces:R:3 energy=" + repr(energy)
             + ' stress="' + " ".join(repr(float(x)) for x in stress.ravel()) + '" pbc="T T T"']
    for k in range(n):
        lines.append("Fe " + " ".join(repr(float(x)) for x in [*positions[k], *forces[k]]))
    source, converted = tmp_path / "precise.extxyz", tmp_path / "out.extxyz"
    source.write_text("\n".join(lines) + "\n")
    run(mlff, "convert", source, converted)
    a = read(converted, format="extxyz")
    np.testing.assert_array_equal(a.positions, positions)
    np.testing.assert_array_equal(a.cell.array, lattice)
    np.testing.assert_array_equal(a.get_forces(), forces)
    assert a.get_potential_energy() == energy
    voigt = [stress[0, 0], stress[1, 1], stress[2, 2], stress[1, 2], stress[0, 2], stress[0, 1]]
    np.testing.assert_array_equal(a.get_stress(), voigt)


def test_reference_label_keys(mlff, tmp_path):
    """REF_-prefixed labels are found with --*-key options and written back under the same names."""
    frames = random_frames(seed=3, count=4)
    for atoms in frames:
        atoms.info["REF_energy"] = float(np.sum(atoms.positions))
        atoms.arrays["REF_forces"] = -atoms.positions.copy()
        atoms.calc = None
    source, converted = tmp_path / "ref.xyz", tmp_path / "ref-out.xyz"
    write(source, frames, format="extxyz")
    keys = ["--energy-key", "REF_energy", "--forces-key", "REF_forces"]
    run(mlff, "convert", source, converted, *keys)
    after = read(converted, index=":", format="extxyz")
    for a, b in zip(read(source, index=":"), after):
        assert a.info["REF_energy"] == b.info["REF_energy"]
        np.testing.assert_array_equal(a.arrays["REF_forces"], b.arrays["REF_forces"])
    summary = json.loads(run(mlff, "info", source, "--json", *keys).stdout)
    assert summary["energy_labels"] == len(frames)
    assert summary["forces_labels"] == len(frames)


def test_info_agrees_with_ase(mlff, tmp_path):
    frames = random_frames(seed=4, count=10)
    source = tmp_path / "frames.extxyz"
    write(source, frames, format="extxyz")
    cutoff = 3.1
    summary = json.loads(run(mlff, "info", source, "--json", "--cutoff", cutoff).stdout)
    back = read(source, index=":")
    assert summary["frames"] == len(back)
    assert summary["atoms_total"] == sum(len(a) for a in back)
    counts = {}
    for a in back:
        for s in a.get_chemical_symbols():
            counts[s] = counts.get(s, 0) + 1
    assert summary["elements"] == counts
    assert summary["periodic_frames"] == sum(bool(a.pbc.any()) for a in back)
    assert summary["energy_labels"] == sum(a.calc is not None and "energy" in a.calc.results for a in back)
    assert summary["stress_labels"] == sum(a.calc is not None and "stress" in a.calc.results for a in back)
    pairs = []
    for a in back:
        i = neighbor_list("i", a, cutoff)
        pairs.append(len(i) // 2)
    assert [f["pairs"] for f in summary["per_frame_neighbors"]] == pairs
    assert summary["neighbor_pairs_total"] == sum(pairs)


def test_bad_file_is_reported_with_place(mlff, tmp_path):
    path = tmp_path / "broken.xyz"
    path.write_text("1\nenergy=1\nH 0 0 0\n2\nLattice=\"1 0 0 0 1 0\"\nH 0 0 0\nH 0 0 1\n")
    result = run(mlff, "info", path, ok=False)
    assert result.returncode != 0
    assert str(path) in result.stderr
    assert "frame 1 (counting from 0)" in result.stderr and "line 5" in result.stderr
    assert "Lattice" in result.stderr
