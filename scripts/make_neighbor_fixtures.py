#!/usr/bin/env python3
"""Reference neighbour lists from ASE for the Swift cell-list tests.

Writes Tests/AtomisticTests/Fixtures/neighbors/ase_neighbor_lists.json: a list of cases, each
with the structure (numbers, positions in Å, cell rows in Å, pbc), the cutoff in Å and ASE's
``neighbor_list('ijS', atoms, cutoff)`` edges sorted by (i, j, S).

Run with the test environment: ``.venv/bin/python scripts/make_neighbor_fixtures.py``.
"""
import json
import pathlib

import ase
import numpy as np
from ase.build import bulk
from ase.neighborlist import neighbor_list

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/AtomisticTests/Fixtures/neighbors"


def case(name, atoms, cutoff):
    i, j, S = neighbor_list("ijS", atoms, cutoff)
    order = np.lexsort((S[:, 2], S[:, 1], S[:, 0], j, i))
    return {
        "name": name,
        "numbers": atoms.numbers.tolist(),
        "positions": atoms.positions.tolist(),
        "cell": atoms.cell.array.tolist(),
        "pbc": [bool(p) for p in atoms.pbc],
        "cutoff": cutoff,
        "i": i[order].tolist(),
        "j": j[order].tolist(),
        "S": S[order].tolist(),
    }


def main():
    rng = np.random.default_rng(20261121)
    cases = []

    # Primitive (triclinic, 60° angles) diamond Si, rattled; the cutoff exceeds half the cell.
    si = bulk("Si", "diamond", a=5.43)
    si.rattle(0.05, seed=1)
    cases.append(case("si-primitive-skewed", si, 5.0))

    # A strongly skewed random triclinic cell with atoms outside it.
    cell = np.array([[6.0, 0.0, 0.0], [4.5, 5.0, 0.0], [-2.0, 3.5, 4.5]])
    frac = rng.uniform(-1.5, 2.5, size=(10, 3))
    cases.append(case("triclinic-skewed-unwrapped",
                      ase.Atoms("C10", scaled_positions=frac % 1.0, cell=cell, pbc=True), 4.0))
    atoms = ase.Atoms("C10", positions=frac @ cell, cell=cell, pbc=True)
    cases.append(case("triclinic-skewed-outside", atoms, 4.0))

    # Partial periodicity: a wire periodic along a1 and a3, atoms spread along a2.
    cell = np.array([[4.0, 0.3, 0.0], [0.5, 7.0, 0.2], [0.0, -0.4, 5.0]])
    frac = rng.uniform(-0.5, 1.5, size=(12, 3))
    cases.append(case("partial-pbc-TFT",
                      ase.Atoms("N12", positions=frac @ cell, cell=cell, pbc=[True, False, True]), 3.5))

    # A slab periodic in a1, a2 with a zero third lattice vector.
    cell = np.array([[5.0, 0.0, 0.0], [2.5, 4.33, 0.0], [0.0, 0.0, 0.0]])
    pos = np.column_stack([rng.uniform(-3, 8, 15), rng.uniform(-2, 6, 15), rng.uniform(0, 6, 15)])
    cases.append(case("slab-pbc-TTF-zero-a3",
                      ase.Atoms("O15", positions=pos, cell=cell, pbc=[True, True, False]), 3.0))

    # A chain periodic only along a1.
    cell = np.array([[3.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    pos = rng.uniform(-1, 4, size=(5, 3))
    cases.append(case("chain-pbc-TFF",
                      ase.Atoms("H5", positions=pos, cell=cell, pbc=[True, False, False]), 4.0))

    # Long cutoffs: one atom in a small skewed cell, a cutoff three times the cell.
    cell = np.array([[2.0, 0.0, 0.0], [0.7, 1.9, 0.0], [0.4, 0.5, 2.2]])
    cases.append(case("one-atom-long-cutoff",
                      ase.Atoms("Ar", positions=[[0.3, -0.2, 5.0]], cell=cell, pbc=True), 6.5))
    cu = bulk("Cu", "fcc", a=3.61, cubic=True)
    cu.rattle(0.05, seed=2)
    cases.append(case("cu-cubic-cutoff-longer-than-cell", cu, 5.0))

    # A molecule: no cell, no periodicity.
    pos = rng.uniform(0, 6, size=(14, 3))
    cases.append(case("molecule", ase.Atoms("C14", positions=pos), 3.0))

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "ase_neighbor_lists.json"
    path.write_text(json.dumps({"ase_version": ase.__version__, "cases": cases}, indent=None) + "\n")
    print(f"wrote {path} ({len(cases)} cases, "
          f"{sum(len(c['i']) for c in cases)} edges)")


if __name__ == "__main__":
    main()
