"""MLFFCalculator: the student inside ASE through libmlff.

The numbers must be those `mlff predict` writes for the same frames at the same precision;
forces and stress must be the derivatives of the energy (finite differences); ASE's optimisers,
cell filter and MD must run on it; a committee gives the mean and the spread; bad input gives
an exception naming what is wrong.
"""
import os
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk, molecule
from ase.io import read, write

from deploy_support import make_model, require_library, run_mlff

pytestmark = pytest.mark.usefixtures("library")


@pytest.fixture(scope="module")
def library():
    return require_library()


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return make_model(tmp_path_factory.mktemp("model") / "student.safetensors")


def frames():
    ethanol = molecule("CH3CH2OH")
    ethanol.rattle(0.05, seed=1)
    silicon = bulk("Si", "diamond", a=5.43) * (2, 1, 1)
    silicon.rattle(0.05, seed=2)
    silicon.set_cell(silicon.cell.array @ (np.eye(3) + [[0.01, 0.02, 0], [0.02, -0.01, 0], [0, 0, 0.015]]),
                     scale_atoms=True)
    copper = bulk("Cu", "fcc", a=3.61, cubic=True)
    copper.rattle(0.08, seed=3)
    slab = copper.copy()
    slab.pbc = [True, True, False]
    slab.cell[2] = [0, 0, 15]
    water_in_box = molecule("H2O", cell=[6, 6, 6], pbc=True)
    return [ethanol, silicon, copper, slab, water_in_box]


def calculator(model, precision="float", **kwargs):
    from mlff_distiller import MLFFCalculator

    return MLFFCalculator(model=str(model), precision=precision, **kwargs)


@pytest.mark.parametrize("precision", ["float", "double"])
def test_equals_mlff_predict(model, tmp_path, precision):
    write(tmp_path / "in.xyz", frames())
    structures = read(tmp_path / "in.xyz", ":")  # the positions mlff reads (extxyz rounds them)
    # One frame per pass, as the calculator evaluates them (in Float a batch rounds differently).
    run_mlff("predict", tmp_path / "in.xyz", "--model", model, "--precision", precision, "--batch-size", 1,
             "-o", tmp_path / "out.xyz")
    predicted = read(tmp_path / "out.xyz", ":")
    calc = calculator(model, precision)
    for k, (atoms, reference) in enumerate(zip(structures, predicted)):
        atoms.calc = calc
        e_ref = reference.get_potential_energy()
        assert atoms.get_potential_energy() == pytest.approx(e_ref, rel=1e-6, abs=1e-9), f"frame {k}"
        np.testing.assert_allclose(atoms.get_forces(), reference.get_forces(), rtol=1e-6, atol=1e-9, err_msg=f"frame {k}")
        if atoms.pbc.all():
            np.testing.assert_allclose(atoms.get_stress(), reference.get_stress(), rtol=1e-6, atol=1e-11, err_msg=f"frame {k}")
        else:
            assert "stress" not in calc.results
        assert calc.results["free_energy"] == calc.results["energy"]
        energies = atoms.get_potential_energies()
        assert energies.shape == (len(atoms),)
        assert energies.sum() == pytest.approx(calc.results["energy"], rel=1e-12)
        assert np.ptp(energies) > 0


def test_library_runs_the_blas_kernels_mlff_runs(library):
    """OpenBLAS in this process runs the kernels `mlff` re-executes itself with, so the two agree
    to the bit (test_equals_mlff_predict); on a CPU OpenBLAS does not know it would otherwise run
    its oldest (SSE3) kernels here."""
    import ctypes
    from mlff_distiller._library import preferred_blas_core

    if "OPENBLAS_CORETYPE" in os.environ or "MLFF_NO_BLAS_REEXEC" in os.environ or not sys.platform.startswith("linux"):
        pytest.skip("the environment chose the BLAS kernels")
    with open("/proc/cpuinfo") as cpuinfo:
        flags = set(next(line for line in cpuinfo if line.startswith("flags")).split(":", 1)[1].split())
    wanted = preferred_blas_core(flags)
    if wanted is None:
        pytest.skip("no AVX2: OpenBLAS's own choice stands")
    blas = ctypes.CDLL("libopenblas.so.0")
    blas.openblas_get_corename.restype = ctypes.c_char_p
    assert blas.openblas_get_corename().decode().lower() == wanted.lower()
    assert "OPENBLAS_CORETYPE" not in os.environ  # set only while the library loaded


def test_molecule_stress_is_not_implemented(model):
    from ase.calculators.calculator import PropertyNotImplementedError

    atoms = frames()[0]
    atoms.calc = calculator(model)
    with pytest.raises(PropertyNotImplementedError):
        atoms.get_stress()


def test_forces_and_stress_are_derivatives_of_the_energy(model):
    from ase.calculators.fd import calculate_numerical_forces, calculate_numerical_stress

    calc = calculator(model, "double")
    for atoms in frames():
        atoms.calc = calc
        forces = atoms.get_forces()
        np.testing.assert_allclose(forces, calculate_numerical_forces(atoms, eps=2e-5), atol=1e-6)
        if atoms.pbc.all():
            stress = atoms.get_stress()
            np.testing.assert_allclose(stress, calculate_numerical_stress(atoms, eps=1e-5), atol=1e-7)


def test_recomputes_exactly_when_the_structure_changes(model):
    """The fast state check: any change of positions, numbers, cell or pbc (even 1e-12 Å)
    recomputes and gives what a fresh calculator gives; changes the student cannot see reuse."""
    calc = calculator(model, "double")
    calls = []
    inner = calc.calculate
    calc.calculate = lambda *a, **k: (calls.append(1), inner(*a, **k))
    atoms = frames()[1]
    atoms.calc = calc
    first = atoms.get_forces().copy()
    atoms.set_initial_magnetic_moments(np.ones(len(atoms)))
    atoms.info["note"] = "not seen by the student"
    np.testing.assert_array_equal(atoms.get_forces(), first)
    assert len(calls) == 1
    changes = [
        lambda a: a.positions.__setitem__((0, 0), a.positions[0, 0] + 1e-12),
        lambda a: a.set_cell(a.cell.array * (1 + 1e-9), scale_atoms=False),
        lambda a: a.set_pbc([True, True, False]),
        lambda a: a.numbers.__setitem__(0, 6),
    ]
    for change in changes:
        change(atoms)
        got = atoms.get_forces()
        fresh = atoms.copy()
        fresh.calc = calculator(model, "double")
        np.testing.assert_array_equal(got, fresh.get_forces())
    assert len(calls) == 1 + len(changes)


def test_batch_equals_single_calls(model):
    from mlff_distiller import Model

    m = Model(model, precision="double")
    structures = frames()
    batch = m.compute_batch(structures)
    for atoms, b in zip(structures, batch):
        single = m.compute(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc)
        assert b["energy"] == pytest.approx(single["energy"], rel=1e-12)
        np.testing.assert_allclose(b["forces"], single["forces"], atol=1e-10)
        assert ("stress" in b) == ("stress" in single) == bool(atoms.pbc.all())


def test_threads_give_the_serial_numbers(model):
    from mlff_distiller import Model

    m = Model(model)
    structures = frames()
    serial = [m.compute(a.numbers, a.positions, a.cell.array, a.pbc) for a in structures]
    mismatches = []

    def work():
        for _ in range(10):
            for a, s in zip(structures, serial):
                r = m.compute(a.numbers, a.positions, a.cell.array, a.pbc)
                if r["energy"] != s["energy"] or not np.array_equal(r["forces"], s["forces"]):
                    mismatches.append(a.get_chemical_formula())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not mismatches


def test_committee_mean_and_deviation(tmp_path):
    from mlff_distiller import MLFFCalculator

    paths = [make_model(tmp_path / f"m{k}.safetensors", seed=k) for k in range(3)]
    committee = MLFFCalculator(model=paths, precision="double")
    members = [MLFFCalculator(model=p, precision="double") for p in paths]
    atoms = frames()[2]
    atoms.calc = committee
    energy, forces, stress = atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress()
    each = []
    for m in members:
        a = atoms.copy()
        a.calc = m
        each.append((a.get_potential_energy(), a.get_forces(), a.get_stress()))
    assert energy == pytest.approx(np.mean([e for e, _, _ in each]), rel=1e-12)
    np.testing.assert_allclose(forces, np.mean([f for _, f, _ in each], axis=0), atol=1e-12)
    np.testing.assert_allclose(stress, np.mean([s for _, _, s in each], axis=0), atol=1e-14)
    spread = np.sqrt(np.mean([((f - forces) ** 2).sum(axis=1) for _, f, _ in each], axis=0))
    assert committee.results["force_deviation"] == pytest.approx(spread.max(), rel=1e-10)
    np.testing.assert_allclose(committee.results["force_deviations"], spread, rtol=1e-10)
    assert committee.results["force_deviation"] > 0
    single = MLFFCalculator(model=paths[0])
    atoms.calc = single
    atoms.get_forces()
    assert "force_deviation" not in single.results


# MARK: Bad input


def test_unknown_element_names_it(model):
    from mlff_distiller import UnsupportedElementError

    atoms = molecule("CH3CH2OH")
    atoms.numbers[2] = 92
    atoms.calc = calculator(model)
    with pytest.raises(UnsupportedElementError, match=r"U \(atomic numbers \[92\]\)"):
        atoms.get_potential_energy()


def test_nan_position_names_the_atom(model):
    from mlff_distiller import InvalidStructureError

    atoms = molecule("CH3CH2OH")
    atoms.positions[4, 1] = np.nan
    atoms.calc = calculator(model)
    with pytest.raises(InvalidStructureError, match=r"atom 4 .*not finite"):
        atoms.get_forces()


def test_zero_volume_periodic_cell(model):
    from mlff_distiller import InvalidStructureError

    atoms = Atoms("Cu2", positions=[[0, 0, 0], [1.2, 1.2, 0]], cell=[[3, 0, 0], [0, 3, 0], [3, 3, 0]], pbc=True)
    atoms.calc = calculator(model)
    with pytest.raises(InvalidStructureError, match="zero volume"):
        atoms.get_potential_energy()


def test_collapsed_cell_is_refused_not_allocated(model):
    from mlff_distiller import InvalidStructureError

    atoms = Atoms("Cu2", positions=[[0, 0, 0], [0.005, 0.005, 0.005]], cell=[0.01, 0.01, 0.01], pbc=True)
    atoms.calc = calculator(model)
    with pytest.raises(InvalidStructureError, match="neighbours"):
        atoms.get_forces()


def test_truncated_and_missing_model_files(model, tmp_path):
    from mlff_distiller import MLFFCalculator, ModelFileError

    data = model.read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelFileError, match=r"cut\.safetensors.*truncated"):
        MLFFCalculator(model=tmp_path / "cut.safetensors")
    with pytest.raises(ModelFileError, match="does not exist"):
        MLFFCalculator(model=tmp_path / "absent.safetensors")
    (tmp_path / "text.safetensors").write_text("not a model")
    with pytest.raises(ModelFileError, match="text.safetensors"):
        MLFFCalculator(model=tmp_path / "text.safetensors")


def test_model_changed_on_disk(model, tmp_path):
    from mlff_distiller import MLFFCalculator, ModelChangedError

    path = tmp_path / "student.safetensors"
    shutil.copy(model, path)
    calc = MLFFCalculator(model=path)
    atoms = frames()[0]
    atoms.calc = calc
    atoms.get_potential_energy()
    make_model(tmp_path / "other.safetensors", seed=9)
    os.replace(tmp_path / "other.safetensors", path)
    atoms.rattle(0.01)
    with pytest.raises(ModelChangedError, match="changed on disk"):
        atoms.get_potential_energy()


def test_missing_library_says_what_to_do(tmp_path):
    code = (
        "import mlff_distiller\n"
        "try:\n"
        "    mlff_distiller.MLFFCalculator(model='x.safetensors')\n"
        "except mlff_distiller.LibraryNotFoundError as e:\n"
        "    print('ERROR', e)\n"
    )
    env = dict(os.environ, MLFF_LIBRARY=str(tmp_path / "nowhere" / "libmlff_c.so"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert "ERROR libmlff was not found" in out.stdout, out.stdout + out.stderr
    assert "nowhere/libmlff_c.so (absent)" in out.stdout
    assert "MLFF_LIBRARY" in out.stdout and "swift build -c release" in out.stdout
