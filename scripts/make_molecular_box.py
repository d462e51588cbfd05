#!/usr/bin/env python3
"""A box of small molecules of about 2,000 atoms, for timing the student on large structures.

    .venv/bin/python scripts/make_molecular_box.py --out runs/large/box.xyz \
        --molecules ethanol:100,water:370 --density 0.07 --copies 1

Needs RDKit (`scripts/bootstrap --teacher gfn2-xtb`). Each molecule kind is embedded once by the
project's `mlff_teacher.conformers` (ETKDG + MMFF94, with hydrogens); copies are then inserted
one by one into a cube sized for `--density` atoms/Å³ (liquid water is about 0.10) at random
positions and random rotations (larger molecules first), and an insertion is kept only when every atom lies at least
`--min-distance` Å from every atom already placed (random sequential insertion; it gives up
with an error after `--tries` failed attempts for one molecule). The structure is written
non-periodic (a cluster; `--periodic` writes the cube as the cell instead, with the distance
check across its faces), unlabelled, as extended XYZ; `--copies` writes that many boxes with
different placements in one file.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_molecule_set import random_rotation  # noqa: E402

SMILES = {"water": "O", "ethanol": "CCO", "methanol": "CO", "acetone": "CC(C)=O", "ammonia": "N"}


def box(kinds, counts, density, min_distance, periodic, tries, rng):
    from ase import Atoms

    total = sum(len(kinds[k]) * n for k, n in counts)
    length = (total / density) ** (1 / 3)
    # Larger molecules first: the small ones then fill the gaps (random order fails more often
    # near the end at liquid-like densities). Positions and rotations are random either way.
    order = sorted((k for k, n in counts for _ in range(n)), key=lambda k: -len(kinds[k]))
    positions = np.zeros((0, 3))
    numbers = []
    for m, kind in enumerate(order):
        template = kinds[kind]
        local = template.positions - template.positions.mean(axis=0)
        for _ in range(tries):
            trial = local @ random_rotation(rng).T + rng.uniform(0, length, size=3)
            if not periodic and ((trial < 0).any() or (trial > length).any()):
                continue
            if len(positions):
                d = trial[:, None, :] - positions[None, :, :]
                if periodic:
                    d -= length * np.round(d / length)
                if (np.einsum("ijk,ijk->ij", d, d) < min_distance ** 2).any():
                    continue
            positions = np.vstack([positions, trial])
            numbers += list(template.numbers)
            break
        else:
            sys.exit(f"error: could not place molecule {m + 1} of {len(order)} ({kind}) after {tries} tries; "
                     f"lower --density or --min-distance")
    atoms = Atoms(numbers=numbers, positions=positions, pbc=periodic,
                  cell=np.eye(3) * length if periodic else None)
    atoms.info["composition"] = ",".join(f"{k}:{n}" for k, n in counts)
    return atoms


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--molecules", default="ethanol:100,water:370", help=f"kind:count,… from {list(SMILES)}")
    parser.add_argument("--density", type=float, default=0.07, help="atoms per Å³")
    parser.add_argument("--min-distance", type=float, default=2.0, help="Å between atoms of different molecules")
    parser.add_argument("--periodic", action="store_true")
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--tries", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    counts = []
    for item in args.molecules.split(","):
        kind, _, n = item.partition(":")
        if kind not in SMILES or not n.isdigit():
            sys.exit(f"error: --molecules item '{item}' must be kind:count with kind from {list(SMILES)}")
        counts.append((kind, int(n)))
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
    from ase.io import write
    from mlff_teacher import conformers as conf

    frames = conf.conformers([{"smiles": SMILES[k], "name": k} for k, _ in counts], 1, args.seed)
    kinds = {a.info["name"]: a for a in frames}
    rng = np.random.default_rng(args.seed)
    boxes = [box(kinds, counts, args.density, args.min_distance, args.periodic, args.tries, rng)
             for _ in range(args.copies)]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    partial = args.out + ".partial"
    write(partial, boxes, format="extxyz")
    os.replace(partial, args.out)
    print(f"wrote {len(boxes)} box(es) of {len(boxes[0])} atoms to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
