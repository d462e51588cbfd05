#!/usr/bin/env python3
"""Peer timing for `mlff bench md`: ASE's VelocityVerlet driving schnetpack's PaiNN.

Reads the systems from an extxyz file (one frame per system), builds a randomly initialised
schnetpack PaiNN of the requested width (3 interactions, 20 Gaussian radial functions, cosine
cutoff 5 Å, Atomwise readout, forces by autograd) in float32, and runs NVE velocity Verlet at
0.5 fs from 300 K Maxwell-Boltzmann velocities. Neighbour lists: schnetpack's ASENeighborList,
rebuilt every step (what an ASE user gets from schnetpack's AtomsConverter).

Prints one JSON object per system on stdout:
  {"system": i, "atoms": n, "steps": k, "seconds": t, "steps_per_second": k/t}

Usage: md_ase_schnetpack.py SYSTEMS.xyz --features 64 [--threads 1] [--seconds 5] [--max-steps 200]
"""
import argparse
import json
import sys
import time
import typing

import ase.io
import numpy as np
import torch
from ase import units
from ase.calculators.calculator import Calculator, all_changes
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
from ase.md.verlet import VelocityVerlet

from torch.utils.data import dataloader as _dataloader

if not hasattr(_dataloader, "T_co"):  # schnetpack 2.0.4 imports a type variable newer PyTorch removed
    _dataloader.T_co = typing.TypeVar("T_co", covariant=True)

import schnetpack as spk  # noqa: E402
from schnetpack.interfaces import AtomsConverter  # noqa: E402


def build_model(features: int, cutoff: float = 5.0, n_rbf: int = 20, layers: int = 3):
    representation = spk.representation.PaiNN(
        n_atom_basis=features,
        n_interactions=layers,
        radial_basis=spk.nn.GaussianRBF(n_rbf=n_rbf, cutoff=cutoff),
        cutoff_fn=spk.nn.CosineCutoff(cutoff),
    )
    return spk.model.NeuralNetworkPotential(
        representation=representation,
        input_modules=[spk.atomistic.PairwiseDistances()],
        output_modules=[
            spk.atomistic.Atomwise(n_in=features, output_key="energy"),
            spk.atomistic.Forces(energy_key="energy", force_key="forces"),
        ],
    )


class SchnetpackCalculator(Calculator):
    """Energy and forces (eV, eV/Å) from a schnetpack model through its AtomsConverter."""

    implemented_properties = ["energy", "forces"]

    def __init__(self, model, cutoff: float):
        super().__init__()
        self.model = model
        self.converter = AtomsConverter(
            neighbor_list=spk.transform.ASENeighborList(cutoff=cutoff), dtype=torch.float32
        )

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        out = self.model(self.converter(atoms))
        self.results = {
            "energy": float(out["energy"].detach().sum()),
            "forces": out["forces"].detach().numpy().astype(np.float64),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("systems")
    parser.add_argument("--features", type=int, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0, help="timing budget per system")
    parser.add_argument("--max-steps", type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build_model(args.features).to(torch.float32)
    for index, atoms in enumerate(ase.io.read(args.systems, index=":")):
        atoms.calc = SchnetpackCalculator(model, cutoff=5.0)
        MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(1))
        Stationary(atoms)
        dyn = VelocityVerlet(atoms, timestep=0.5 * units.fs)
        dyn.run(2)  # warm-up: first neighbour list, allocator, autograd graph
        steps, start = 0, time.perf_counter()
        while steps < args.max_steps and time.perf_counter() - start < args.seconds:
            dyn.run(1)
            steps += 1
        seconds = time.perf_counter() - start
        print(json.dumps({"system": index, "atoms": len(atoms), "steps": steps, "seconds": seconds,
                          "steps_per_second": steps / seconds}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
