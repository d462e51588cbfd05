#!/usr/bin/env python3
"""Peer side of `mlff bench painn`: schnetpack's PaiNN energy + forces time on PyTorch CPU.

Loads the mlff model file into schnetpack's PaiNN + Atomwise + Forces (float32, the same
weights), builds each structure's inputs once (neighbour list precomputed and not timed),
runs one warm-up and `--repeats` timed evaluations, and prints one JSON line:
{"median_seconds": [...], "torch": version, "schnetpack": version, "threads": n}.
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import torch  # noqa: E402
from ase.io import read  # noqa: E402

from painn_schnetpack_crosscheck import schnetpack_inputs, schnetpack_model, spk  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--structures", required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, cutoff = schnetpack_model(args.model, dtype=torch.float32)
    medians = []
    for atoms in read(args.structures, ":"):
        inputs = schnetpack_inputs(atoms, cutoff, dtype=torch.float32)
        copies = [{k: v.clone() for k, v in inputs.items()} for _ in range(args.repeats + 1)]
        model(copies[0])
        times = []
        for batch in copies[1:]:
            start = time.perf_counter()
            out = model(batch)
            out["forces"].sum().item()
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    print(json.dumps({"median_seconds": medians, "torch": torch.__version__,
                      "schnetpack": getattr(spk, "__version__", "2.0.4"), "threads": args.threads}))


if __name__ == "__main__":
    main()
