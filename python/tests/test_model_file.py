"""The PaiNN model file is plain safetensors, and `mlff predict` computes PaiNN as written.

A small PaiNN forward pass in NumPy (schnetpack's equations, written from the model file
alone) must reproduce the energies `mlff predict --precision double` writes, and its finite
differences the forces and stress.
"""

import json
import os
import subprocess

import numpy as np
import pytest

safetensors_numpy = pytest.importorskip("safetensors.numpy")
ase_io = pytest.importorskip("ase.io")
from ase import Atoms  # noqa: E402
from ase.build import bulk, molecule  # noqa: E402
from ase.neighborlist import neighbor_list  # noqa: E402

MLFF = os.environ.get("MLFF_BIN")
pytestmark = pytest.mark.skipif(not MLFF or not os.path.exists(MLFF), reason="MLFF_BIN not set to a built mlff")


def run(*args):
    out = subprocess.run([MLFF, *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr + out.stdout
    return out.stdout


def make_model(tmp_path, elements="H,C,O,Si", preset="tiny", extra=()):
    path = tmp_path / "student.safetensors"
    run("model", "new", "--preset", preset, "--elements", elements, "--seed", "3", "-o", str(path), *extra)
    return path


def silu(x):
    return x / (1 + np.exp(-x))


def painn_energy(weights, meta, atoms):
    """E = Σ_i (σ e_i + μ_Z) for one structure, float64, following schnetpack's PaiNN."""
    arch = json.loads(meta["architecture"])
    elements = json.loads(meta["elements"])
    mu_ref = json.loads(meta["reference_energies"])
    sigma = float(meta["energy_scale"])
    F, L, nR, rc = arch["featureCount"], arch["layerCount"], arch["radialBasisCount"], arch["cutoff"]
    W = {k: v.astype(np.float64) for k, v in weights.items()}
    i, j, S = neighbor_list("ijS", atoms, rc)
    r = atoms.positions[j] - atoms.positions[i] + S @ atoms.cell.array
    d = np.linalg.norm(r, axis=1)[:, None]
    u = r / d
    n = np.arange(1, nR + 1) * np.pi / rc
    phi = np.sin(d * n) / d
    fcut = np.where(d < rc, 0.5 * (np.cos(np.pi * d / rc) + 1), 0.0)
    filters = (phi @ W["filter_net.weight"].T + W["filter_net.bias"]) * fcut
    species = [elements.index(z) for z in atoms.numbers]
    q = W["embedding.weight"][species]
    mu = np.zeros((len(atoms), 3, F))

    def dense(x, name, bias=True):
        y = x @ W[name + ".weight"].T
        return y + W[name + ".bias"] if bias else y

    for l in range(L):
        p = f"interactions.{l}.interatomic_context_net"
        x = dense(silu(dense(q, p + ".0")), p + ".1")
        m = filters[:, 3 * F * l:3 * F * (l + 1)] * x[j]
        dq, dmuR, dmumu = np.split(m, 3, axis=1)
        np.add.at(q, i, dq)
        dmu = dmuR[:, None, :] * u[:, :, None] + dmumu[:, None, :] * mu[j]
        mu = mu.copy()
        np.add.at(mu, i, dmu)
        p = f"mixing.{l}"
        V, U = np.split(dense(mu, p + ".mu_channel_mix", bias=False), 2, axis=2)
        vn = np.sqrt((V ** 2).sum(axis=1) + arch["normEpsilon"])
        a, b, c = np.split(dense(silu(dense(np.concatenate([q, vn], 1), p + ".intraatomic_context_net.0")),
                                 p + ".intraatomic_context_net.1"), 3, axis=1)
        q = q + a + c * (V * U).sum(axis=1)
        mu = mu + b[:, None, :] * U
    e = dense(silu(dense(q, "readout.0")), "readout.1")[:, 0]
    return float((sigma * e + np.array(mu_ref)[species]).sum())


def test_safetensors_reads_the_model_file(tmp_path):
    path = make_model(tmp_path, elements="H,C,N,O", preset="small")
    tensors = safetensors_numpy.load_file(str(path))
    from safetensors import safe_open
    with safe_open(str(path), framework="numpy") as f:
        meta = f.metadata()
    assert meta["format"] == "mlff-painn" and meta["format_version"] == "1"
    assert json.loads(meta["elements"]) == [1, 6, 7, 8]
    arch = json.loads(meta["architecture"])
    assert arch["featureCount"] == 64 and arch["layerCount"] == 3 and arch["radialBasisCount"] == 20
    assert tensors["embedding.weight"].shape == (4, 64)
    assert tensors["filter_net.weight"].shape == (3 * 3 * 64, 20)
    assert tensors["mixing.2.mu_channel_mix.weight"].shape == (128, 64)
    assert tensors["readout.1.weight"].shape == (1, 32)
    info = run("model", "info", str(path))
    total = sum(t.size for t in tensors.values())
    assert str(total) in info


def test_predict_matches_numpy_painn(tmp_path):
    path = make_model(tmp_path)
    tensors = safetensors_numpy.load_file(str(path))
    from safetensors import safe_open
    with safe_open(str(path), framework="numpy") as f:
        meta = f.metadata()
    rng = np.random.default_rng(0)
    mol = molecule("CH3CH2OH")
    mol.positions += rng.uniform(-0.05, 0.05, mol.positions.shape)
    crystal = bulk("Si", "diamond", a=5.43, cubic=True)
    crystal.numbers[3] = 6
    crystal.positions += rng.uniform(-0.08, 0.08, crystal.positions.shape)
    frames = [mol, crystal]
    ase_io.write(tmp_path / "in.xyz", frames)
    frames = ase_io.read(tmp_path / "in.xyz", ":")  # positions exactly as mlff reads them
    run("predict", "--model", str(path), str(tmp_path / "in.xyz"), "-o", str(tmp_path / "out.xyz"), "--precision", "double")
    out = ase_io.read(tmp_path / "out.xyz", ":")
    assert len(out) == 2
    h = 1e-5
    for atoms, res in zip(frames, out):
        e = painn_energy(tensors, meta, atoms)
        assert res.get_potential_energy() == pytest.approx(e, rel=1e-9, abs=1e-8)
        forces = res.get_forces()
        for k in range(len(atoms)):
            for c in range(3):
                p, m = atoms.copy(), atoms.copy()
                p.positions[k, c] += h
                m.positions[k, c] -= h
                fd = -(painn_energy(tensors, meta, p) - painn_energy(tensors, meta, m)) / (2 * h)
                assert forces[k, c] == pytest.approx(fd, abs=1e-5)
    stress = out[1].get_stress()
    crystal = frames[1]
    for c, (a, b) in enumerate([(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]):
        de = []
        for sign in (1, -1):
            eps = np.zeros((3, 3))
            eps[a, b] = eps[b, a] = sign * h
            s = crystal.copy()
            s.set_cell(crystal.cell.array @ (np.eye(3) + eps), scale_atoms=True)
            de.append(painn_energy(tensors, meta, s))
        fd = (de[0] - de[1]) / (2 * h * (1 if a == b else 2)) / crystal.get_volume()
        assert stress[c] == pytest.approx(fd, abs=1e-6)
    assert "stress" not in out[0].calc.results or out[0].calc.results.get("stress") is None


def test_unknown_element_is_named(tmp_path):
    path = make_model(tmp_path, elements="H,O")
    ase_io.write(tmp_path / "in.xyz", [Atoms("H2O", positions=[[0, 0, 0], [0.9, 0, 0], [0, 0.9, 0]]), Atoms("NaCl", positions=[[0, 0, 0], [2.4, 0, 0]])])
    out = subprocess.run([MLFF, "predict", "--model", str(path), str(tmp_path / "in.xyz"), "-o", str(tmp_path / "o.xyz")],
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "frame 1" in out.stderr and "Na" in out.stderr and "Cl" in out.stderr
    assert not (tmp_path / "o.xyz").exists()


def test_corrupt_model_is_reported(tmp_path):
    path = make_model(tmp_path)
    data = path.read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[: len(data) // 2])
    out = subprocess.run([MLFF, "model", "info", str(tmp_path / "cut.safetensors")], capture_output=True, text=True)
    assert out.returncode != 0 and "cut.safetensors" in out.stderr and "truncated" in out.stderr
