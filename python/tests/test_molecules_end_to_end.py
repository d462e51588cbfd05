"""Molecules end to end with the real GFN2-xTB and RDKit: SMILES -> conformers -> labels -> student.

`mlff sample --smiles`, `mlff label --teacher gfn2-xtb` with the label quality checks (planted
overlap and huge force, rejected and listed, readmitted by a rerun with other thresholds without
relabelling), `mlff check`, the errors a user meets (invalid SMILES, an element beyond Rn,
RDKit or tblite missing), and a tiny `mlff distill` of ethanol and water.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from ase import Atoms
from ase.io import read, write

pytest.importorskip("tblite")
pytest.importorskip("rdkit")

HERE = Path(__file__).resolve().parent
MLFF = os.environ.get("MLFF_BIN")
pytestmark = pytest.mark.skipif(not MLFF, reason="MLFF_BIN (the built mlff binary) is not set")


def environment(extra_path=()):
    return dict(os.environ, MLFF_PYTHON=sys.executable, OMP_NUM_THREADS="1",
                PYTHONPATH=os.pathsep.join([*map(str, extra_path), str(HERE / "teachers"), str(HERE.parent)]))


def mlff(*args, extra_path=(), cwd=None):
    return subprocess.run([MLFF, *map(str, args)], env=environment(extra_path), capture_output=True, text=True,
                          timeout=600, cwd=cwd)


def gfn2(atoms):
    from mlff_teacher.teachers import xtb_calculator
    atoms = atoms.copy()
    atoms.calc = xtb_calculator("GFN2-xTB")
    return atoms.get_potential_energy(), atoms.get_forces()


def test_smiles_conformers_labelled_with_quality_checks_and_a_rerun_that_readmits(tmp_path):
    (tmp_path / "mols.smi").write_text("# two small molecules\nCCO ethanol\nO water\n")
    done = mlff("sample", "--smiles-file", tmp_path / "mols.smi", "--conformers", "3", "--seed", "2",
                "-o", tmp_path / "seeds.xyz")
    assert done.returncode == 0, done.stderr
    frames = read(tmp_path / "seeds.xyz", index=":")
    assert [a.get_chemical_formula() for a in frames] == ["C2H6O"] * 3 + ["H2O"] * 3
    assert frames[0].info["mlff_source_where"].endswith("mols.smi:2") and frames[3].info["name"] == "water"

    broken = frames[0].copy()
    broken.positions[1] = broken.positions[0] + [0.2, 0, 0]  # two carbons 0.2 Å apart
    squeezed = frames[3].copy()
    squeezed.positions[1] = squeezed.positions[0] + [0.45, 0, 0]  # O–H at 0.45 Å: a huge force
    write(tmp_path / "candidates.xyz", frames + [broken, squeezed])
    done = mlff("label", tmp_path / "candidates.xyz", "-o", tmp_path / "data.h5", "--teacher", "gfn2-xtb",
                "--workers", "2", "--quiet")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "2 rejected by the label quality checks" in done.stdout
    failures = [json.loads(line) for line in (tmp_path / "data.h5.failed.jsonl").read_text().splitlines()]
    assert {f["index"] for f in failures} == {6, 7}
    assert all(f["check"] in ("max_force", "overlap") and f["reason"].startswith("label quality:") for f in failures)
    with h5py.File(tmp_path / "data.h5") as f:
        assert len(f["energy"]) == 6
        assert f["provenance"].attrs["structures_rejected"] == "2"
        energies, forces = f["energy"][()], f["forces"][()]
    for k, atoms in enumerate(read(tmp_path / "candidates.xyz", index=":6")):
        energy, reference = gfn2(atoms)
        assert energies[k] == pytest.approx(energy, abs=1e-7)
    assert np.allclose(forces[:9], gfn2(read(tmp_path / "candidates.xyz", index=0))[1], atol=1e-6)

    # mlff check gives the same verdicts on the labelled journal frames.
    done = mlff("check", tmp_path / "data.h5")
    assert done.returncode == 0 and "every label passes" in done.stdout, done.stdout

    # A rerun with the checks loosened judges again from the journal, labelling nothing again.
    done = mlff("label", tmp_path / "candidates.xyz", "-o", tmp_path / "data.h5", "--teacher", "gfn2-xtb",
                "--max-force", "0", "--min-distance-fraction", "0", "--quiet")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "resuming: 8 of 8" in done.stderr
    with h5py.File(tmp_path / "data.h5") as f:
        assert len(f["energy"]) == 8
    assert not (tmp_path / "data.h5.journal.xyz").exists()


def test_mlff_check_reports_planted_problems_of_an_extxyz_file(tmp_path):
    rng = np.random.default_rng(0)
    frames = []
    for k in range(12):
        atoms = Atoms("CH4", positions=[[0, 0, 0], [0.63, 0.63, 0.63], [-0.63, -0.63, 0.63],
                                        [-0.63, 0.63, -0.63], [0.63, -0.63, -0.63]])
        atoms.positions += rng.normal(0, 0.02, (5, 3))
        atoms.info["energy"] = -240.0 + rng.normal(0, 0.01)
        atoms.arrays["forces"] = rng.normal(0, 0.5, (5, 3))
        frames.append(atoms)
    frames[2].arrays["forces"][0] = [0, 0, 2e6]
    frames[4].arrays["forces"][3] = [900, 0, 0]
    frames[6].positions[1] = frames[6].positions[0] + [0.3, 0, 0]
    frames[8].info["energy"] += 25
    path = tmp_path / "planted.xyz"
    with open(path, "w") as out:
        for atoms in frames:
            props = "species:S:1:pos:R:3:forces:R:3"
            out.write(f"{len(atoms)}\nProperties={props} energy={atoms.info['energy']!r} pbc=\"F F F\"\n")
            for symbol, p, f in zip(atoms.get_chemical_symbols(), atoms.positions, atoms.arrays["forces"]):
                out.write(f"{symbol} {p[0]:.8f} {p[1]:.8f} {p[2]:.8f} {f[0]:.8f} {f[1]:.8f} {f[2]:.8f}\n")
    done = mlff("check", path, "--json")
    assert done.returncode == 3, done.stderr
    report = json.loads(done.stdout)
    assert {(r["frame"], r["check"]) for r in report["rejected"]} == {
        (2, "max_force"), (4, "max_force"), (6, "overlap"), (8, "energy_outlier")}
    rows = {row["check"]: row for row in report["checks"]}
    assert rows["max_force"]["worst"] == pytest.approx(2e6) and rows["max_force"]["worst_frame"] == 2
    assert rows["max_force"]["rejected"] == 2 and rows["overlap"]["worst_frame"] == 6
    done = mlff("check", path)
    assert "frame 8: label quality: the energy per atom is +5" in done.stdout
    # A file holding a NaN label is refused by the reader itself, naming frame and line.
    text = path.read_text().splitlines()
    text[1] = text[1].replace(text[1].split("energy=")[1].split()[0], "nan")
    path.write_text("\n".join(text) + "\n")
    done = mlff("check", path)
    assert done.returncode == 1 and "frame 0" in done.stderr and "nan" in done.stderr


def test_an_invalid_smiles_names_it_and_its_line(tmp_path):
    (tmp_path / "mols.smi").write_text("CCO ethanol\n\nC1CC not a ring\nc1ccccc1 benzene\nC(C)(C)(C)(C)C too many bonds\n")
    done = mlff("sample", "--smiles-file", tmp_path / "mols.smi", "-o", tmp_path / "out.xyz")
    assert done.returncode != 0
    assert f"{tmp_path / 'mols.smi'}:3: 'C1CC' is not valid SMILES" in done.stderr
    assert f"{tmp_path / 'mols.smi'}:5: 'C(C)(C)(C)(C)C' is not a valid molecule" in done.stderr
    assert ":1:" not in done.stderr and ":4:" not in done.stderr
    assert not (tmp_path / "out.xyz").exists()


def test_an_element_beyond_radon_is_refused_before_labelling(tmp_path):
    write(tmp_path / "in.xyz", [Atoms("H2", positions=[[0, 0, 0], [0.74, 0, 0]]),
                                Atoms("FrF", positions=[[0, 0, 0], [2.3, 0, 0]])])
    done = mlff("label", tmp_path / "in.xyz", "-o", tmp_path / "out.h5", "--teacher", "gfn2-xtb", "--quiet")
    assert done.returncode != 0
    assert "frame 1" in done.stderr and "Fr" in done.stderr and "gfn2-xtb" in done.stderr


def test_missing_rdkit_or_tblite_says_what_to_install(tmp_path):
    for package in ("rdkit", "tblite"):
        (tmp_path / "fake" / package).mkdir(parents=True)
        (tmp_path / "fake" / package / "__init__.py").write_text(f"raise ImportError('{package} is not installed (simulated)')\n")
    done = mlff("sample", "--smiles", "CCO", "-o", tmp_path / "out.xyz", extra_path=[tmp_path / "fake"])
    assert done.returncode != 0 and "rdkit" in done.stderr and "scripts/bootstrap --teacher gfn2-xtb" in done.stderr
    write(tmp_path / "in.xyz", [Atoms("H2", positions=[[0, 0, 0], [0.74, 0, 0]])])
    done = mlff("label", tmp_path / "in.xyz", "-o", tmp_path / "out.h5", "--teacher", "gfn2-xtb",
                extra_path=[tmp_path / "fake"])
    assert done.returncode != 0 and "tblite" in done.stderr and "scripts/bootstrap --teacher gfn2-xtb" in done.stderr
    assert "libgomp1" in done.stderr


def test_a_tiny_distillation_of_ethanol_and_water(tmp_path):
    (tmp_path / "mol.toml").write_text("""
teacher = "gfn2-xtb"
seed = 1
[sample]
smiles = ["CCO", "O"]
conformers = 2
count = 24
rattle = 0.04
[label]
workers = 2
[train]
preset = "tiny"
epochs = 3
max_time = "20s"
cutoff = 4.0
[validate]
steps = 50
nve_steps = 20
teacher_steps = 0
[speed]
structures = 2
repeats = 1
""")
    done = mlff("distill", "--config", tmp_path / "mol.toml", "-o", tmp_path / "run", "--quiet")
    assert done.returncode == 0, done.stdout + done.stderr
    run = tmp_path / "run"
    assert len(read(run / "conformers.xyz", index=":")) == 4
    with h5py.File(run / "data.h5") as f:
        assert len(f["energy"]) == 28 and f.attrs["teacher"] == "gfn2-xtb"
        assert f["provenance"].attrs["structures_rejected"] == "0"
    report = (run / "report.html").read_text()
    assert "Labels rejected by the quality checks" in report
    assert (run / "train" / "model.safetensors").exists()


def test_an_scf_that_does_not_converge_is_recorded_with_the_teachers_message(tmp_path):
    from ase.build import molecule
    write(tmp_path / "in.xyz", [molecule("C6H6"), molecule("CH3CH2OH")])
    done = mlff("label", tmp_path / "in.xyz", "-o", tmp_path / "out.h5", "--teacher",
                "faulty_teachers:xtb_three_scf_cycles", "--quiet")
    assert done.returncode != 0
    text = (tmp_path / "out.h5.failed.jsonl").read_text()
    assert text.count("SCF not converged in 3 cycles") == 2
    assert (tmp_path / "out.h5.journal.xyz").exists() or not (tmp_path / "out.h5").exists()


def test_conformers_are_made_again_when_the_smiles_change_before_sampling_finished(tmp_path):
    run = tmp_path / "run"
    done = mlff("distill", "--smiles", "CCO", "--teacher", "gfn2-xtb", "-o", run, "--until", "sample",
                "--samples", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    assert {a.get_chemical_formula() for a in read(run / "conformers.xyz", index=":")} == {"C2H6O"}
    (run / "state.json").unlink()  # as if sampling had stopped before it finished
    (run / "distill.toml").unlink()
    done = mlff("distill", "--smiles", "O", "--teacher", "gfn2-xtb", "-o", run, "--until", "sample",
                "--samples", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    assert {a.get_chemical_formula() for a in read(run / "conformers.xyz", index=":")} == {"H2O"}
