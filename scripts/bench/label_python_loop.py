#!/usr/bin/env python
"""The peer for `mlff bench label`: the same ASE calculator called in a plain Python loop.

    label_python_loop.py INPUT.xyz --model emt

Loads the teacher once (as a worker does), reads every frame of INPUT.xyz, and computes energy,
forces and (for periodic frames) stress one after another. Prints one JSON line:
{"structures": N, "seconds": T, "load_seconds": L} where T excludes loading.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

from ase.io import read  # noqa: E402

from mlff_teacher import teachers  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("--model", default="emt")
    args = parser.parse_args()
    frames = read(args.input, index=":")
    start = time.perf_counter()
    calculator = teachers.load(args.model).calculator
    loaded = time.perf_counter()
    for atoms in frames:
        atoms = atoms.copy()
        calculator.reset()
        atoms.calc = calculator
        atoms.get_potential_energy()
        atoms.get_forces()
        if all(atoms.pbc):
            atoms.get_stress(voigt=True)
    end = time.perf_counter()
    print(json.dumps({"structures": len(frames), "seconds": end - loaded, "load_seconds": loaded - start}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
