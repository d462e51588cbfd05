#!/usr/bin/env python
"""The student through each door, beside schnetpack's ASE calculator, in one run.

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=python MLFF_LIBRARY=.build/release/libmlff_c.so \\
      .venv-bench/bin/python scripts/bench/deploy_vs_schnetpack.py [--calls 30] [--threads 1]

For ethanol (9 atoms) and fcc Cu 7×7×7 (1,372 atoms, periodic), the time per energy+forces call of

- `Model.compute`: libmlff called from Python (ctypes, NumPy in and out): the bare compute;
- `MLFFCalculator`: the same through ASE's `Calculator` (after the positions changed);
- `SocketIOCalculator` + `mlff serve`: ASE's i-PI client, the student as the driver (UNIX socket);
- schnetpack's `SpkCalculator` for a PaiNN of the same size (F = 64, 3 interactions, cutoff 5 Å,
  float32, ASE neighbour list, forces by autograd), the same threads.

Both students are randomly initialised (time does not depend on the weights). Every figure but
the socket's is the median over `--calls` calls that each move the atoms a little, after two
warm-up calls; the socket's is the mean over its calls, the first (connecting) included. The
last column is schnetpack's time over `MLFFCalculator`'s (above 1: ours is faster).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import typing
from pathlib import Path

import numpy as np
import torch
from ase.build import bulk, molecule
from torch.utils.data import dataloader as _dataloader

if not hasattr(_dataloader, "T_co"):  # schnetpack 2.0.4 imports a type variable newer PyTorch removed
    _dataloader.T_co = typing.TypeVar("T_co", covariant=True)

_torch_load = torch.load
# SpkCalculator loads the whole pickled model with torch.load, which PyTorch 2.6 refuses by
# default (weights_only=True); the file is the one this script has just written.
torch.load = lambda *a, **k: _torch_load(*a, **{"weights_only": False, **k})

import schnetpack as spk  # noqa: E402
from schnetpack.interfaces.ase_interface import SpkCalculator  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from md_ase_schnetpack import build_model  # noqa: E402
from serve_socket_overhead import time_system  # noqa: E402

from mlff_distiller import MLFFCalculator, Model  # noqa: E402


def median_ms(call, atoms, calls, rng):
    """Median wall time (ms) of `call()` over `calls` calls, each after a small random move."""
    for _ in range(2):
        atoms.positions += rng.normal(0, 0.002, atoms.positions.shape)
        call()
    times = []
    for _ in range(calls):
        atoms.positions += rng.normal(0, 0.002, atoms.positions.shape)
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main():
    root = Path(__file__).resolve().parents[2]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mlff", default=str(root / ".build/release/mlff"))
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    systems = [("ethanol", molecule("CH3CH2OH"), args.calls),
               ("Cu 7x7x7", bulk("Cu", "fcc", a=3.61, cubic=True).repeat((7, 7, 7)), max(5, args.calls // 6))]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        student = folder / "student.safetensors"
        subprocess.run([args.mlff, "model", "new", "--preset", "small", "--elements", "H,C,O,Cu",
                        "-o", str(student)], check=True, capture_output=True)
        peer = folder / "painn.pt"
        torch.save(build_model(64).to(torch.float32), peer)
        spk_calc = SpkCalculator(
            model_file=str(peer), neighbor_list=spk.transform.ASENeighborList(cutoff=5.0),
            energy_key="energy", force_key="forces", energy_unit="eV", position_unit="Ang",
            dtype=torch.float32)
        model = Model(str(student))
        ours = MLFFCalculator(model=str(student))
        print(f"load average {os.getloadavg()[0]:.2f}; {args.threads} thread(s); ms per call")
        print("| system | atoms | Model.compute | MLFFCalculator | SocketIOCalculator + mlff serve "
              "| schnetpack SpkCalculator | schnetpack / MLFFCalculator |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for label, atoms, calls in systems:
            rng = np.random.default_rng(0)
            bare = median_ms(lambda: model.compute(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc),
                             atoms, calls, rng)
            atoms.calc = ours
            calc = median_ms(atoms.get_forces, atoms, calls, rng)
            socket_ms, _ = time_system(args.mlff, student, atoms.copy(), "unix", calls, folder, args.threads)
            atoms.calc = spk_calc
            peer_ms = median_ms(atoms.get_forces, atoms, calls, rng)
            print(f"| {label} | {len(atoms)} | {bare:.3f} | {calc:.3f} | {socket_ms:.3f} | {peer_ms:.3f} "
                  f"| {peer_ms / calc:.1f}× |", flush=True)


if __name__ == "__main__":
    main()
