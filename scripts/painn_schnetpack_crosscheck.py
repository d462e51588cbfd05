#!/usr/bin/env python3
"""Cross-check mlff's PaiNN against schnetpack's reference implementation (run by hand).

Writes a randomly initialised model with `mlff model new`, evaluates molecules and periodic
crystals with `mlff predict --precision double`, loads the same weights into schnetpack's
`PaiNN` + `Atomwise` + `Forces` (float64), and prints the largest relative differences of
energies, forces and stress. Passes when all are below 1e-4.

    .venv-bench/bin/python scripts/painn_schnetpack_crosscheck.py --mlff .build/release/mlff

Deliberate differences, none of which changes the numbers compared here:
- the embedding has one row per element of the model (schnetpack: 100 rows indexed by Z);
- the readout is named `readout.k` (schnetpack: `output_modules.0.outnet.k`);
- E = Σ σ·e_i + μ_Z is built in (schnetpack: `ScaleShift`/`AddOffsets` post-processing);
  `mlff model new` writes σ = 1, μ = 0, so the energies compare directly.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import typing

import numpy as np

import torch
import torch.utils.data.dataloader as _dataloader

if not hasattr(_dataloader, "T_co"):  # schnetpack 2.0.4 imports a name newer PyTorch dropped
    _dataloader.T_co = typing.TypeVar("T_co", covariant=True)

import schnetpack as spk  # noqa: E402
import schnetpack.properties as P  # noqa: E402
from ase import Atoms  # noqa: E402
from ase.build import bulk, molecule  # noqa: E402
from safetensors import safe_open  # noqa: E402


def biphenyl():
    """Planar biphenyl C12H10 (22 atoms): two benzene rings joined by a 1.49 Å C–C bond."""
    cc, ch, bridge = 1.39, 1.09, 1.49
    symbols, positions = [], []
    for side in (-1, 1):
        centre = np.array([side * (bridge / 2 + cc), 0.0, 0.0])
        for k in range(6):
            angle = np.pi * k / 3 + (0 if side == 1 else np.pi)
            direction = np.array([-np.cos(angle), np.sin(angle), 0.0]) * (-1 if side == 1 else 1)
            symbols.append("C")
            positions.append(centre + cc * direction)
            if k != 0:
                symbols.append("H")
                positions.append(centre + (cc + ch) * direction)
    return Atoms(symbols, positions=positions)


def benchmark_structures():
    """The structures of the PaiNN benchmark: ethanol, biphenyl, Si 64 and 216, Cu 1372."""
    si = bulk("Si", "diamond", a=5.43, cubic=True)
    cu = bulk("Cu", "fcc", a=3.61, cubic=True)
    return {
        "ethanol": molecule("CH3CH2OH"),
        "biphenyl": biphenyl(),
        "Si64": si.repeat(2),
        "Si216": si.repeat(3),
        "Cu1372": cu.repeat(7),
    }


def load_mlff_model(path):
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
        weights = {k: f.get_tensor(k) for k in f.keys()}
    return meta, weights


def schnetpack_model(path, dtype=torch.float64, stress=False):
    """schnetpack's PaiNN + Atomwise + Forces with the weights of an mlff model file."""
    meta, w = load_mlff_model(path)
    arch = json.loads(meta["architecture"])
    elements = json.loads(meta["elements"])
    F, L, nR, rc = arch["featureCount"], arch["layerCount"], arch["radialBasisCount"], arch["cutoff"]
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # basis frequencies and centres computed in the target precision
    if arch["radialBasis"] == "sine":
        basis = spk.nn.BesselRBF(n_rbf=nR, cutoff=rc)
    else:
        torch.set_default_dtype(previous)  # GaussianRBF builds its buffers as float32 ...
        basis = spk.nn.GaussianRBF(n_rbf=nR, cutoff=rc)
        offsets = torch.linspace(0, rc, nR, dtype=torch.float64)  # ... so set them in float64
        basis.offsets = offsets.to(dtype)
        basis.widths = ((offsets[1] - offsets[0]) * torch.ones_like(offsets)).to(dtype)
        torch.set_default_dtype(dtype)
    representation = spk.representation.PaiNN(
        n_atom_basis=F, n_interactions=L, radial_basis=basis, cutoff_fn=spk.nn.CosineCutoff(rc),
        epsilon=arch["normEpsilon"])
    energy = spk.atomistic.Atomwise(n_in=F, output_key="energy")
    inputs = [spk.atomistic.Strain()] if stress else []
    model = spk.model.NeuralNetworkPotential(
        representation=representation,
        input_modules=inputs + [spk.atomistic.PairwiseDistances()],
        output_modules=[energy, spk.atomistic.Forces(calc_forces=True, calc_stress=stress)],
        do_postprocessing=False)
    torch.set_default_dtype(previous)
    state = {}
    model.to(dtype)
    embedding = torch.zeros(100, F, dtype=dtype)
    for row, z in enumerate(elements):
        embedding[z] = w["embedding.weight"][row]
    state["representation.embedding.weight"] = embedding
    for name, tensor in w.items():
        if name == "embedding.weight":
            continue
        if name.startswith("readout."):
            state["output_modules.0.outnet." + name[len("readout."):]] = tensor
        else:
            state["representation." + name] = tensor
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith(("freqs", "offsets", "widths", "cutoff"))]
    assert not missing and not unexpected, (missing, unexpected)
    return model.to(dtype).eval(), float(rc)


def schnetpack_inputs(atoms, cutoff, dtype=torch.float64):
    converter = spk.interfaces.AtomsConverter(neighbor_list=spk.transform.ASENeighborList(cutoff=cutoff), dtype=dtype)
    return converter(atoms)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mlff", default=os.environ.get("MLFF_BIN", ".build/release/mlff"))
    parser.add_argument("--preset", default="small")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--basis", default="sine", choices=["sine", "gaussian"])
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    structures = benchmark_structures()
    structures["CuSi mix"] = bulk("Cu", "fcc", a=3.61, cubic=True).repeat((2, 2, 1))
    structures["CuSi mix"].numbers[::3] = 14
    structures["triclinic H2O box"] = Atoms(
        "H2OH2O", positions=[[0, 0, 0], [0.95, 0, 0], [-0.3, 0.9, 0], [3, 3, 3], [3.9, 3.1, 3], [2.7, 3.8, 3.2]],
        cell=[[6.5, 0, 0], [0.8, 6.1, 0], [-0.5, 0.4, 5.9]], pbc=True)
    for a in structures.values():
        a.positions += rng.uniform(-0.05, 0.05, a.positions.shape)
    names = list(structures)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "student.safetensors")
        subprocess.run([args.mlff, "model", "new", "--preset", args.preset, "--elements", "H,C,O,Si,Cu",
                        "--seed", str(args.seed), "--radial-basis", args.basis, "-o", model_path], check=True)
        from ase.io import read, write
        write(os.path.join(tmp, "in.xyz"), [structures[n] for n in names])
        subprocess.run([args.mlff, "predict", "--model", model_path, os.path.join(tmp, "in.xyz"),
                        "-o", os.path.join(tmp, "out.xyz"), "--precision", "double"], check=True, capture_output=True)
        ours = read(os.path.join(tmp, "out.xyz"), ":")
        structures = dict(zip(names, read(os.path.join(tmp, "in.xyz"), ":")))  # positions as mlff read them
        model, cutoff = schnetpack_model(model_path, stress=True)
    worst = 0.0
    print(f"{'structure':>20} {'atoms':>6} {'E mlff (eV)':>16} {'E schnetpack':>16} {'rel dE':>9} {'rel dF':>9} {'rel dS':>9}")
    for name, mine in zip(names, ours):
        atoms = structures[name]
        out = model(schnetpack_inputs(atoms, cutoff))
        e_ref = out["energy"].item()
        f_ref = out["forces"].detach().numpy()
        e = mine.get_potential_energy()
        f = mine.get_forces()
        rel_e = abs(e - e_ref) / max(abs(e_ref), 1e-12)
        rel_f = np.abs(f - f_ref).max() / max(np.abs(f_ref).max(), 1e-12)
        rel_s = float("nan")
        if atoms.pbc.all():
            s_ref = out["stress"].detach().numpy()[0]
            s_ref = 0.5 * (s_ref + s_ref.T)
            voigt = np.array([s_ref[0, 0], s_ref[1, 1], s_ref[2, 2], s_ref[1, 2], s_ref[0, 2], s_ref[0, 1]])
            rel_s = np.abs(mine.get_stress() - voigt).max() / max(np.abs(voigt).max(), 1e-12)
            worst = max(worst, rel_s)
        worst = max(worst, rel_e, rel_f)
        print(f"{name:>20} {len(atoms):>6} {e:>16.8f} {e_ref:>16.8f} {rel_e:>9.2e} {rel_f:>9.2e} {rel_s:>9.2e}")
    verdict = "AGREE" if worst < 1e-4 else "DISAGREE"
    print(f"largest relative difference {worst:.2e}: {verdict} (criterion 1e-4)")
    return 0 if worst < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
