"""Time per call of libmlff through Python: Model.compute (ctypes, NumPy in and out) and
MLFFCalculator (an ASE get_forces after the positions changed), ethanol and a 1,372-atom Cu cell.

    OPENBLAS_NUM_THREADS=1 MLFF_LIBRARY=.build/release/libmlff_c.so \\
      .venv/bin/python scripts/bench/calculator_overhead.py student.safetensors

The model should know H, C, O and Cu (`mlff model new --preset small --elements H,C,O,Cu`).
"""
import sys
import time

import numpy as np
from ase.build import bulk, molecule

from mlff_distiller import MLFFCalculator, Model


def best(f, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times) * 1e3


def main():
    path = sys.argv[1]
    model = Model(path)
    calc = MLFFCalculator(model=path)
    print("| structure | atoms | Model.compute ms | MLFFCalculator ms | overhead µs |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, atoms, repeats in (("ethanol", molecule("CH3CH2OH"), 200),
                                 ("Cu fcc (periodic)", bulk("Cu", "fcc", a=3.61, cubic=True) * (7, 7, 7), 5)):
        atoms.calc = calc
        bare = best(lambda: model.compute(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc), repeats)
        step = np.zeros_like(atoms.positions)
        step[0, 0] = 1e-6

        def through_ase():
            atoms.positions += step  # a change, so the calculator computes again
            atoms.get_forces()

        wrapped = best(through_ase, repeats)
        print(f"| {name} | {len(atoms)} | {bare:.3f} | {wrapped:.3f} | {1e3 * (wrapped - bare):.0f} |")


if __name__ == "__main__":
    main()
