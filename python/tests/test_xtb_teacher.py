"""The GFN2-xTB and GFN1-xTB teachers (tblite) and SMILES conformers (RDKit), for real.

Checked against tblite called directly, against finite differences of its own energy (forces and
stress, so the sign and units that reach the dataset are ASE's), and for reproducibility: the
same structure gives the same label whatever was labelled before it, and nothing reaches the
protocol stream.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk, molecule
from ase.io import read

from mlff_teacher import protocol

tblite = pytest.importorskip("tblite")
HERE = Path(__file__).resolve().parent
ALL = protocol.ENERGY | protocol.FORCES | protocol.STRESS


def environment():
    return dict(os.environ, OMP_NUM_THREADS="1",
                PYTHONPATH=os.pathsep.join([str(HERE / "teachers"), str(HERE.parent)]))


def start(model):
    return subprocess.Popen([sys.executable, "-m", "mlff_teacher", "serve", "--model", model, "--threads", "1"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=environment())


def ask(worker, atoms, wanted=ALL):
    payload = protocol.encode_request(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc, wanted)
    protocol.write_frame(worker.stdin.fileno(), protocol.REQUEST, payload)
    return protocol.read_frame(worker.stdout.fileno())


def decode(payload, n):
    _, present = np.frombuffer(payload, "<u4", 2)
    values = np.frombuffer(payload, "<f8", offset=8)
    forces = values[1:1 + 3 * n].reshape(n, 3) if present & protocol.FORCES else None
    stress = values[1 + 3 * n:] if present & protocol.STRESS else None
    return values[0], forces, stress


def label(worker, atoms):
    kind, payload = ask(worker, atoms)
    assert kind == protocol.RESULT, payload
    return decode(payload, len(atoms))


@pytest.fixture(scope="module")
def gfn2():
    worker = start("gfn2-xtb")
    kind, hello = protocol.read_frame(worker.stdout.fileno())
    assert kind == protocol.HELLO, hello
    yield worker, json.loads(hello)
    worker.stdin.close()
    assert worker.wait(timeout=20) == 0


def ethanol():
    atoms = molecule("CH3CH2OH")
    atoms.rattle(0.05, seed=3)
    return atoms


def test_hello_names_tblite_and_the_elements_up_to_radon(gfn2):
    _, hello = gfn2
    assert hello["teacher"] == "gfn2-xtb" and hello["package"] == "tblite"
    assert hello["version"] == tblite.__version__ if hasattr(tblite, "__version__") else True
    assert hello["elements"] == list(range(1, 87))


def test_same_structure_same_label_whatever_came_before(gfn2):
    worker, _ = gfn2
    a, b = ethanol(), molecule("C6H6")
    first = label(worker, a)
    label(worker, b)
    again = label(worker, a)
    assert first[0] == again[0]
    assert np.array_equal(first[1], again[1])


def test_labels_equal_tblite_called_directly(gfn2):
    from tblite.ase import TBLite
    worker, _ = gfn2
    a = ethanol()
    energy, forces, stress = label(worker, a)
    reference = a.copy()
    reference.calc = TBLite(method="GFN2-xTB", verbosity=0, accuracy=0.01)
    assert energy == pytest.approx(reference.get_potential_energy(), abs=1e-8)
    assert np.allclose(forces, reference.get_forces(), atol=1e-6)
    assert stress is None  # a molecule has no stress


def test_forces_are_minus_the_gradient_of_the_energy(gfn2):
    worker, _ = gfn2
    a = ethanol()
    _, forces, _ = label(worker, a)
    h = 1e-3
    for atom, axis in [(0, 0), (2, 1), (8, 2)]:
        plus, minus = a.copy(), a.copy()
        plus.positions[atom, axis] += h
        minus.positions[atom, axis] -= h
        numeric = -(label(worker, plus)[0] - label(worker, minus)[0]) / (2 * h)
        assert forces[atom, axis] == pytest.approx(numeric, abs=2e-4)


def test_stress_is_the_strain_derivative_in_ase_convention(gfn2):
    """σ = (1/V) ∂E/∂ε (eV/Å³, Voigt xx yy zz yz xz xy), checked by central differences on a
    water molecule in a small triclinic cell (a diagonal and two shear components)."""
    worker, _ = gfn2
    box = Atoms("OH2", positions=[[0, 0, 0], [0.96, 0.05, 0], [-0.24, 0.93, 0.1]],
                cell=[[4.0, 0, 0], [0.3, 4.2, 0], [0.2, -0.1, 4.4]], pbc=True)
    _, _, stress = label(worker, box)
    assert stress is not None and stress.shape == (6,)
    volume, h = box.get_volume(), 1e-4
    for voigt, (i, j) in [(0, (0, 0)), (3, (1, 2)), (5, (0, 1))]:
        energies = []
        for sign in (1, -1):
            strain = np.zeros((3, 3))
            strain[i, j] = strain[j, i] = sign * h if i == j else sign * h / 2
            deformed = box.copy()
            deformed.set_cell(box.cell.array @ (np.eye(3) + strain), scale_atoms=True)
            energies.append(label(worker, deformed)[0])
        numeric = (energies[0] - energies[1]) / (2 * h) / volume
        assert stress[voigt] == pytest.approx(numeric, abs=1e-6)
    assert np.abs(stress).max() > 1e-4  # not trivially zero


def test_nothing_reaches_standard_output_when_labelling_in_process():
    """tblite prints its SCF table from Fortran unless told not to; the teacher is quiet at fd 1."""
    code = ("from mlff_teacher import teachers\n"
            "from ase.build import molecule\n"
            "t = teachers.load('gfn2-xtb')\n"
            "a = molecule('H2O'); a.calc = t.calculator\n"
            "a.get_potential_energy(); a.get_forces()\n")
    done = subprocess.run([sys.executable, "-c", code], env=environment(), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""


def test_an_scf_that_does_not_converge_fails_that_structure_with_the_teachers_message():
    worker = start("faulty_teachers:xtb_three_scf_cycles")
    try:
        assert protocol.read_frame(worker.stdout.fileno())[0] == protocol.HELLO
        kind, payload = ask(worker, molecule("C6H6"))
        assert kind == protocol.ERROR
        assert b"SCF not converged in 3 cycles" in payload
        kind, _ = ask(worker, Atoms("H2", positions=[[0, 0, 0], [0.74, 0, 0]]))  # still alive
        assert kind in (protocol.RESULT, protocol.ERROR)
    finally:
        worker.stdin.close()
        worker.wait(timeout=20)


def test_gfn1_is_a_different_hamiltonian():
    worker = start("gfn1-xtb")
    try:
        assert protocol.read_frame(worker.stdout.fileno())[0] == protocol.HELLO
        water = molecule("H2O")
        energy, forces, _ = label(worker, water)
        assert energy == pytest.approx(-156.9675, abs=0.01)  # tblite's documented GFN1 water energy, eV
        assert np.abs(forces.sum(axis=0)).max() < 1e-8
    finally:
        worker.stdin.close()
        worker.wait(timeout=20)


# -- conformers ------------------------------------------------------------------------------------

def conformers(tmp_path, molecules, count=3, seed=0):
    out = tmp_path / "conformers.xyz"
    request = json.dumps({"molecules": molecules, "conformers": count, "seed": seed})
    done = subprocess.run([sys.executable, "-m", "mlff_teacher", "conformers", "-o", str(out)], input=request,
                          env=environment(), capture_output=True, text=True, timeout=120)
    return done, (read(out, index=":") if done.returncode == 0 else None)


def test_conformers_have_hydrogens_relaxed_bonds_and_their_origin(tmp_path):
    pytest.importorskip("rdkit")
    done, frames = conformers(tmp_path, [{"smiles": "CCO", "name": "ethanol", "where": "mols.smi:2"},
                                         {"smiles": "CC(=O)Oc1ccccc1C(=O)O", "where": "mols.smi:3"}])
    assert done.returncode == 0, done.stderr
    assert len(frames) == 6
    assert frames[0].get_chemical_formula() == "C2H6O" and frames[3].get_chemical_formula() == "C9H8O4"
    assert frames[0].info["name"] == "ethanol" and frames[3].info["name"] == "CC(=O)Oc1ccccc1C(=O)O"
    assert frames[0].info["mlff_source_where"] == "mols.smi:2"
    assert not any(frames[0].pbc)
    # MMFF-relaxed C–H bonds are 1.09–1.10 Å, and no two atoms are closer than 0.9 Å.
    for atoms in frames:
        d = atoms.get_all_distances()
        np.fill_diagonal(d, 10)
        assert d.min() > 0.9
        for i in np.where(atoms.numbers == 1)[0]:
            assert 0.93 < d[i].min() < 1.12
    # Conformers differ from one another, and the same seed gives the same conformers.
    assert not np.allclose(frames[3].positions, frames[4].positions)
    _, again = conformers(tmp_path, [{"smiles": "CCO", "name": "ethanol", "where": "mols.smi:2"},
                                     {"smiles": "CC(=O)Oc1ccccc1C(=O)O", "where": "mols.smi:3"}])
    assert all(np.array_equal(a.positions, b.positions) for a, b in zip(frames, again))


def test_invalid_smiles_are_all_named_with_where_they_came_from(tmp_path):
    pytest.importorskip("rdkit")
    done, _ = conformers(tmp_path, [{"smiles": "CCO", "where": "mols.smi:1"},
                                    {"smiles": "C1CC", "where": "mols.smi:4"},
                                    {"smiles": "C(C)(C)(C)(C)C", "where": "mols.smi:5"},
                                    {"smiles": "[NH4+]", "where": "[sample] smiles[3]"}])
    assert done.returncode == 3
    assert "mols.smi:4: 'C1CC' is not valid SMILES" in done.stderr
    assert "mols.smi:5: 'C(C)(C)(C)(C)C' is not a valid molecule" in done.stderr and "valence" in done.stderr
    assert "[sample] smiles[3]: '[NH4+]' has a net charge of +1" in done.stderr
    assert "mols.smi:1" not in done.stderr
    assert not (tmp_path / "conformers.xyz").exists()
