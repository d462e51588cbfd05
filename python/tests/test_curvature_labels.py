"""Curvature labels: the teacher worker's Hessian-vector products against exact Hessians, and
`mlff label --hessian-probes` end to end, including kill -9 and resume."""

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

from mlff_teacher import protocol
from mlff_teacher.teachers import LJ_EPSILON, LJ_SIGMA
from test_teacher_label import environment, label, make_input, MLFF
from test_teacher_protocol import start

RNG = np.random.default_rng(7)


def unit_probes(k, n):
    v = RNG.normal(size=(k, n, 3))
    return v / np.linalg.norm(v.reshape(k, -1), axis=1)[:, None, None]


def ask_curvature(worker, atoms, probes, step):
    payload = protocol.encode_request(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc,
                                      protocol.ENERGY | protocol.FORCES, probes=probes, step=step)
    protocol.write_frame(worker.stdin.fileno(), protocol.REQUEST, payload)
    kind, result = protocol.read_frame(worker.stdout.fileno())
    assert kind == protocol.RESULT, result
    n, k = len(atoms), len(probes)
    _, present = np.frombuffer(result, "<u4", 2)
    assert present & protocol.CURVATURE
    values = np.frombuffer(result, "<f8", offset=8)
    return values[1:1 + 3 * n].reshape(n, 3), values[1 + 3 * n:].reshape(k, n, 3)


def lennard_jones_hessian(positions):
    """The exact Hessian [3n, 3n] of E = Σ_{i<j} 4ε((σ/r)¹² − (σ/r)⁶), every pair inside the
    cutoff: block ij = −(φ''(r) r̂r̂ᵀ + φ'(r)/r (1 − r̂r̂ᵀ)), diagonal blocks minus their row sums."""
    n = len(positions)
    h = np.zeros((n, 3, n, 3))
    s, e = LJ_SIGMA, LJ_EPSILON
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            d = positions[j] - positions[i]
            r = np.linalg.norm(d)
            u = d / r
            d1 = 4 * e * (-12 * s**12 / r**13 + 6 * s**6 / r**7)
            d2 = 4 * e * (156 * s**12 / r**14 - 42 * s**6 / r**8)
            block = d2 * np.outer(u, u) + d1 / r * (np.eye(3) - np.outer(u, u))
            h[i, :, j, :] = -block
            h[i, :, i, :] += block
    return h.reshape(3 * n, 3 * n)


def richardson_products(atoms, probes, h=0.02):
    """H v of EMT by Richardson extrapolation of central differences (error O(h⁴))."""
    def central(v, step):
        a = atoms.copy()
        a.calc = EMT()
        a.positions = atoms.positions + step * v
        plus = a.get_forces()
        a.positions = atoms.positions - step * v
        minus = a.get_forces()
        return -(plus - minus) / (2 * step)
    return np.array([(4 * central(v, h / 2) - central(v, h)) / 3 for v in probes])


def test_lennard_jones_products_equal_the_exact_hessian():
    cluster = Atoms("Ar5", positions=[[0, 0, 0], [3.8, 0, 0], [0, 3.9, 0.2], [0.1, 0.3, 3.7], [3.6, 3.7, 0.4]])
    cluster.rattle(0.1, seed=1)
    probes = unit_probes(3, len(cluster))
    worker = start("lj")
    try:
        protocol.read_frame(worker.stdout.fileno())
        _, products = ask_curvature(worker, cluster, probes, 0.01)
        _, finer = ask_curvature(worker, cluster, probes, 0.005)
    finally:
        worker.stdin.close()
        worker.wait(timeout=30)
    exact = (lennard_jones_hessian(cluster.positions) @ probes.reshape(3, -1).T).T.reshape(products.shape)
    scale = np.abs(exact).max()
    assert scale > 1e-3  # the probes see curvature
    error = np.abs(products - exact).max()
    assert error < 3e-4 * scale
    # What is left is the O(h²) truncation error: half the step, a quarter of the error.
    assert 3.5 < error / np.abs(finer - exact).max() < 4.5


def test_emt_products_equal_a_richardson_hessian_and_the_error_is_second_order():
    crystal = bulk("Cu", "fcc", a=3.6, cubic=True)
    crystal.set_chemical_symbols(["Cu", "Ni", "Cu", "Au"])
    crystal.rattle(0.05, seed=2)
    molecule = Atoms("Cu2Ni", positions=[[0, 0, 0], [2.5, 0.1, 0], [1.2, 2.2, 0.3]])
    worker = start("emt")
    try:
        protocol.read_frame(worker.stdout.fileno())
        for atoms in (crystal, molecule):
            probes = unit_probes(2, len(atoms))
            reference = richardson_products(atoms, probes)
            forces, coarse = ask_curvature(worker, atoms, probes, 0.02)
            _, fine = ask_curvature(worker, atoms, probes, 0.01)
            calc = atoms.copy()
            calc.calc = EMT()
            assert np.array_equal(forces, calc.get_forces())  # the forces at R, not displaced
            scale = np.abs(reference).max()
            error_fine = np.abs(fine - reference).max()
            error_coarse = np.abs(coarse - reference).max()
            assert error_fine < 1e-3 * scale
            # Central differences: halving h divides the error by about 4.
            assert 2.5 < error_coarse / error_fine < 5.5, (error_coarse, error_fine)
    finally:
        worker.stdin.close()
        worker.wait(timeout=30)


def read_curvature(path):
    with h5py.File(path, "r") as f:
        return {key: f[key][()] for key in ("offsets", "positions", "atomic_numbers", "hessian_probe_count",
                                            "hessian_step", "hessian_probes", "hessian_products", "forces")}


needs_mlff = pytest.mark.skipif(not MLFF, reason="MLFF_BIN (the built mlff binary) is not set")


@needs_mlff
def test_label_stores_probes_and_products_that_emt_reproduces(tmp_path):
    frames = make_input(tmp_path / "in.xyz", count=8)
    run = label(tmp_path / "in.xyz", tmp_path / "data.h5", extra=["--hessian-probes", "2", "--hessian-step", "0.01"])
    assert run.returncode == 0, run.stderr
    data = read_curvature(tmp_path / "data.h5")
    offsets, k = data["offsets"], data["hessian_probe_count"]
    assert list(k) == [2] * len(frames)
    assert np.all(data["hessian_step"] == 0.01)
    start_row = 0
    for s, atoms in enumerate(frames):
        n = offsets[s + 1] - offsets[s]
        rows = slice(start_row, start_row + 2 * n)
        start_row += 2 * n
        probes = data["hessian_probes"][rows].reshape(2, n, 3)
        products = data["hessian_products"][rows].reshape(2, n, 3)
        assert np.allclose(np.linalg.norm(probes.reshape(2, -1), axis=1), 1, atol=1e-12)
        assert abs(np.dot(probes[0].ravel(), probes[1].ravel())) < 0.9  # two different directions
        # The same central differences in this process give the same numbers.
        a = atoms.copy()
        a.calc = EMT()
        for p in range(2):
            a.positions = atoms.positions + 0.01 * probes[p]
            plus = a.get_forces()
            a.positions = atoms.positions - 0.01 * probes[p]
            minus = a.get_forces()
            assert np.allclose(products[p], -(plus - minus) / 0.02, rtol=0, atol=1e-10), f"frame {s} probe {p}"
    assert start_row == len(data["hessian_probes"])
    # The probes are seeded: a second job asks the same questions.
    again = label(tmp_path / "in.xyz", tmp_path / "again.h5", extra=["--hessian-probes", "2"])
    assert again.returncode == 0, again.stderr
    assert np.array_equal(read_curvature(tmp_path / "again.h5")["hessian_probes"], data["hessian_probes"])


@needs_mlff
def test_kill_9_during_curvature_labelling_then_resume_gives_the_uninterrupted_dataset(tmp_path):
    frames = make_input(tmp_path / "in.xyz", count=40, seed=5)
    extra = ["--hessian-probes", "2"]
    reference_run = label(tmp_path / "in.xyz", tmp_path / "reference.h5", extra=extra)
    assert reference_run.returncode == 0, reference_run.stderr
    reference = read_curvature(tmp_path / "reference.h5")

    out = tmp_path / "data.h5"
    journal = tmp_path / "data.h5.journal.xyz"
    process = subprocess.Popen([MLFF, "label", str(tmp_path / "in.xyz"), "-o", str(out), "--teacher",
                                "faulty_teachers:slow", "--workers", "2", *extra],
                               env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        if journal.exists() and journal.read_text().count("mlff_index") >= 6:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done = journal.read_text().count("mlff_index")
    assert 6 <= done < len(frames), "the job was not interrupted midway"
    assert "hessian_products" in journal.read_text()
    assert not out.exists()

    resumed = label(tmp_path / "in.xyz", out, teacher="faulty_teachers:slow", extra=extra)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done} of {len(frames)} structures already labelled" in resumed.stderr
    data = read_curvature(out)
    for key in ("offsets", "positions", "hessian_probe_count", "hessian_step", "hessian_probes", "hessian_products"):
        assert np.array_equal(data[key], reference[key]), key
    assert not journal.exists()


@needs_mlff
def test_resuming_with_other_curvature_settings_is_refused(tmp_path):
    make_input(tmp_path / "in.xyz", count=12)
    first = label(tmp_path / "in.xyz", tmp_path / "data.h5", teacher="faulty_teachers:raising")
    assert first.returncode == 3, first.stderr  # some failed: the journal stays
    again = label(tmp_path / "in.xyz", tmp_path / "data.h5", teacher="faulty_teachers:raising",
                  extra=["--hessian-probes", "2"])
    assert again.returncode == 1
    assert "no curvature labels, but this run asks for 2 probes" in again.stderr, again.stderr
