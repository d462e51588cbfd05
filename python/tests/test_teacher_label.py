"""`mlff label` end to end: exact EMT numbers, failures in the side file, kill -9 and resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.io import read, write

HERE = Path(__file__).resolve().parent
MLFF = os.environ.get("MLFF_BIN")
pytestmark = pytest.mark.skipif(not MLFF, reason="MLFF_BIN (the built mlff binary) is not set")


def environment():
    return dict(os.environ, MLFF_PYTHON=sys.executable,
                PYTHONPATH=os.pathsep.join([str(HERE / "teachers"), str(HERE.parent)]))


def make_input(path, count=40, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(count):
        if k % 4 == 3:
            n = 2 + k % 3  # clusters of 2, 3 or 4 atoms (3 triggers the faulty teachers)
            atoms = Atoms(numbers=rng.choice([28, 29, 79], n),
                          positions=[[2.6 * i, 0.3 * rng.random(), 0.2 * i * rng.random()] for i in range(n)])
        else:
            atoms = bulk(["Cu", "Ni", "Au"][k % 3], "fcc", a=3.55 + 0.3 * (k % 3), cubic=True)
            atoms.set_chemical_symbols(rng.choice(["Cu", "Ni", "Au"], len(atoms)))
            atoms.rattle(0.08, seed=k)
        frames.append(atoms)
    write(path, frames, format="extxyz")
    return read(path, index=":")  # as written (positions rounded to the file's digits)


def label(inp, out, teacher="emt", workers=2, extra=(), **kwargs):
    return subprocess.run([MLFF, "label", str(inp), "-o", str(out), "--teacher", teacher,
                           "--workers", str(workers), *extra],
                          env=environment(), capture_output=True, text=True, timeout=300, **kwargs)


def read_dataset(path):
    with h5py.File(path, "r") as f:
        data = {key: f[key][()] for key in ("atomic_numbers", "positions", "offsets", "energy", "forces", "stress")}
        data["attrs"] = dict(f.attrs)
    return data


def check_equals_emt(data, frames):
    offsets = data["offsets"]
    assert len(offsets) == len(frames) + 1
    for k, atoms in enumerate(frames):
        a, b = offsets[k], offsets[k + 1]
        assert np.array_equal(data["atomic_numbers"][a:b], atoms.numbers)
        assert np.array_equal(data["positions"][a:b], atoms.positions)
        reference = atoms.copy()
        reference.calc = EMT()
        assert data["energy"][k] == reference.get_potential_energy(), f"frame {k}"
        assert np.array_equal(data["forces"][a:b], reference.get_forces()), f"frame {k}"
        if all(atoms.pbc):
            assert np.array_equal(data["stress"][k], reference.get_stress(voigt=True)), f"frame {k}"


def test_label_with_emt_gives_exactly_ase_numbers(tmp_path):
    frames = make_input(tmp_path / "in.xyz")
    run = label(tmp_path / "in.xyz", tmp_path / "data.h5")
    assert run.returncode == 0, run.stderr
    data = read_dataset(tmp_path / "data.h5")
    check_equals_emt(data, frames)
    attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in data["attrs"].items()}
    assert attrs["teacher"] == "emt"
    import ase
    assert attrs["teacher_version"] == ase.__version__
    assert "mlff label" in attrs["created_by"]
    assert not (tmp_path / "data.h5.journal.xyz").exists()
    assert not (tmp_path / "data.h5.failed.jsonl").exists()
    again = label(tmp_path / "in.xyz", tmp_path / "data.h5")
    assert again.returncode == 0 and "already exists" in again.stdout


def test_failed_structures_go_to_the_side_file_and_the_rest_is_kept(tmp_path):
    frames = make_input(tmp_path / "in.xyz")
    bad = [k for k, a in enumerate(frames) if len(a) == 3]
    assert bad
    run = label(tmp_path / "in.xyz", tmp_path / "data.h5", teacher="faulty_teachers:raising")
    assert run.returncode == 3, run.stderr
    assert "failed" in run.stdout and "data.h5.failed.jsonl" in run.stdout
    entries = [json.loads(line) for line in (tmp_path / "data.h5.failed.jsonl").read_text().splitlines()]
    assert sorted(e["index"] for e in entries) == bad
    assert all("deliberate failure" in e["reason"] for e in entries)
    good = [a for k, a in enumerate(frames) if k not in bad]
    check_equals_emt(read_dataset(tmp_path / "data.h5"), good)
    # A rerun retries only the failed ones.
    rerun = label(tmp_path / "in.xyz", tmp_path / "data.h5", teacher="faulty_teachers:raising")
    assert rerun.returncode == 3
    assert f"{len(frames) - len(bad)} of {len(frames)} structures already labelled" in rerun.stderr



def test_a_nan_label_fails_before_the_journal_and_the_rest_is_kept(tmp_path):
    """A teacher that returns NaN: the label is rejected (check non_finite) before it is
    journalled, so the journal stays readable and a rerun resumes from every good label."""
    frames = make_input(tmp_path / "in.xyz")
    bad = [k for k, a in enumerate(frames) if len(a) == 3]
    run = label(tmp_path / "in.xyz", tmp_path / "data.h5", teacher="faulty_teachers:not_a_number")
    assert run.returncode == 3, run.stderr
    entries = [json.loads(line) for line in (tmp_path / "data.h5.failed.jsonl").read_text().splitlines()]
    assert sorted(e["index"] for e in entries) == bad
    assert all(e["check"] == "non_finite" and "not finite" in e["reason"] for e in entries)
    check_equals_emt(read_dataset(tmp_path / "data.h5"), [a for k, a in enumerate(frames) if k not in bad])
    rerun = label(tmp_path / "in.xyz", tmp_path / "data.h5", teacher="faulty_teachers:not_a_number")
    assert rerun.returncode == 3
    assert f"{len(frames) - len(bad)} of {len(frames)} structures already labelled" in rerun.stderr
    assert "dropped a partial frame" not in rerun.stderr

def worker_pids(parent):
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return []
    return [int(p) for p in out.split()]


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_kill_9_midway_then_resume_loses_nothing(tmp_path):
    frames = make_input(tmp_path / "in.xyz", count=60, seed=3)
    reference_run = label(tmp_path / "in.xyz", tmp_path / "reference.h5")
    assert reference_run.returncode == 0, reference_run.stderr
    reference = read_dataset(tmp_path / "reference.h5")

    out = tmp_path / "data.h5"
    journal = tmp_path / "data.h5.journal.xyz"
    process = subprocess.Popen([MLFF, "label", str(tmp_path / "in.xyz"), "-o", str(out), "--teacher",
                                "faulty_teachers:slow", "--workers", "2"],
                               env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        if journal.exists() and journal.read_text().count("mlff_index") >= 15:
            break
        time.sleep(0.02)
    workers = worker_pids(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done = journal.read_text().count("mlff_index")
    assert 15 <= done < len(frames), "the job was not interrupted midway"
    assert not out.exists()
    # The workers notice that their parent is gone and exit on their own.
    deadline = time.time() + 10
    while any(alive(pid) for pid in workers) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers), "teacher workers outlived a kill -9 of mlff label"

    # A power loss in the middle of the next write: half a frame at the end of the journal.
    text = journal.read_text()
    last = text.rfind("\n", 0, len(text) - 1)
    second_last_frame_start = text.rfind("Lattice", 0, last)
    partial = text[text.rfind("\n", 0, second_last_frame_start) + 1:][: 200]
    with open(journal, "a") as f:
        f.write(partial)

    resumed = label(tmp_path / "in.xyz", out, teacher="faulty_teachers:slow")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done} of {len(frames)} structures already labelled" in resumed.stderr
    assert "dropped a partial frame" in resumed.stderr
    data = read_dataset(out)
    for key in ("atomic_numbers", "positions", "offsets", "energy", "forces"):
        assert np.array_equal(data[key], reference[key]), key
    assert np.array_equal(data["stress"], reference["stress"], equal_nan=True)
    assert not journal.exists()
