#!/usr/bin/env python3
"""Times vesin (one thread) and ASE's neighbor_list on the systems of `mlff bench neighbors`.

Usage: neighbors_peers.py MANIFEST.json

The manifest, written by the Swift side, lists systems as
``{"name", "atoms", "positions": FILE, "cell": [[3]x3] Å, "pbc": [3]}``, with ``positions``
a raw little-endian float64 file of shape (atoms, 3) in Å, plus ``cutoff`` (Å), ``repeats``
and ``ase_max_atoms``. Prints one JSON object on stdout:
``{"versions": {...}, "systems": {name: {"vesin": {"seconds": [...], "cpuSeconds": [...],
"pairs": n},
"ase": {...} or {"skipped": reason}}}}``. Pairs are directed (full list, both directions).
"""
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import ase  # noqa: E402
import numpy as np  # noqa: E402
import vesin  # noqa: E402
from ase.neighborlist import neighbor_list  # noqa: E402


def time_calls(fn, repeats):
    seconds, cpu, result = [], [], None
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        result = fn()
        cpu.append(time.process_time() - cpu_start)
        seconds.append(time.perf_counter() - start)
    return seconds, cpu, result


def main():
    manifest = json.load(open(sys.argv[1]))
    cutoff = float(manifest["cutoff"])
    repeats = int(manifest["repeats"])
    ase_max = int(manifest["ase_max_atoms"])
    out = {"versions": {"vesin": vesin.__version__, "ase": ase.__version__, "numpy": np.__version__},
           "systems": {}}
    for system in manifest["systems"]:
        n = int(system["atoms"])
        points = np.fromfile(system["positions"], dtype="<f8").reshape(n, 3)
        box = np.array(system["cell"], dtype=np.float64)
        pbc = [bool(p) for p in system["pbc"]]
        result = {}

        def run_vesin():
            nl = vesin.NeighborList(cutoff=cutoff, full_list=True, n_threads=1)
            return nl.compute(points=points, box=box, periodic=pbc, quantities="ijS")

        seconds, cpu, (i, _, _) = time_calls(run_vesin, repeats)
        result["vesin"] = {"seconds": seconds, "cpuSeconds": cpu, "pairs": int(len(i))}
        del i

        if n <= ase_max:
            atoms = ase.Atoms(numbers=np.full(n, 29), positions=points, cell=box, pbc=pbc)
            ase_repeats = repeats if n <= 10_000 else 1
            seconds, cpu, (i, _, _) = time_calls(lambda: neighbor_list("ijS", atoms, cutoff), ase_repeats)
            result["ase"] = {"seconds": seconds, "cpuSeconds": cpu, "pairs": int(len(i))}
            del i
        else:
            result["ase"] = {"skipped": f"more than {ase_max} atoms"}
        out["systems"][system["name"]] = result
        print(f"peers: {system['name']} done", file=sys.stderr, flush=True)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
