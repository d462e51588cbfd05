#!/usr/bin/env python3
"""A GFN2-xTB-labelled set of small drug-like molecules, for benchmarks (not for the test suite).

    .venv/bin/python scripts/make_molecule_set.py --out runs/molecules/labelled.xyz

Needs RDKit and tblite (`scripts/bootstrap --teacher gfn2-xtb`). For each molecule (ethanol,
paracetamol, aspirin, caffeine by default), RDKit embeds `--conformers` ETKDG conformers relaxed
with MMFF94 (the project's `mlff_teacher.conformers`), then `--per-molecule` copies are drawn:
a random conformer, rotated at random, every atom displaced by a Gaussian of σ drawn uniformly
in [0.01, 0.05] Å (about the thermal displacements of 300 to 1,000 K). Every copy is labelled with GFN2-xTB (tblite, the teacher set-up of
`mlff label --teacher gfn2-xtb`): energy (eV) and forces (eV/Å), non-periodic, no stress.

The output is one extended XYZ file written atomically; a rerun with the file present and the
same settings (kept in a `.json` next to it) reuses it.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

MOLECULES = {
    "ethanol": "CCO",
    "paracetamol": "CC(=O)Nc1ccc(O)cc1",
    "aspirin": "CC(=O)Oc1ccccc1C(=O)O",
    "caffeine": "Cn1cnc2c1c(=O)n(C)c(=O)n2C",
}


def random_rotation(rng):
    """A uniformly random rotation matrix (QR of a Gaussian matrix, signs fixed)."""
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def build(names, conformers, per_molecule, seed):
    # One OpenMP thread: these molecules are too small for tblite's threads to pay, and on a
    # loaded machine spinning threads make it many times slower.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
    from mlff_teacher import conformers as conf
    from mlff_teacher.teachers import load_system_openblas, xtb_calculator

    load_system_openblas()
    calculator = xtb_calculator("GFN2-xTB")
    rng = np.random.default_rng(seed)
    frames = conf.conformers([{"smiles": MOLECULES[n], "name": n} for n in names], conformers, seed)
    out = []
    start = time.time()
    for name in names:
        seeds = [a for a in frames if a.info["name"] == name]
        for _ in range(per_molecule):
            atoms = seeds[rng.integers(len(seeds))].copy()
            centre = atoms.positions.mean(axis=0)
            atoms.positions = (atoms.positions - centre) @ random_rotation(rng).T
            atoms.positions += rng.normal(0, rng.uniform(0.01, 0.05), size=atoms.positions.shape)
            atoms.info = {"name": name, "smiles": MOLECULES[name]}
            atoms.calc = calculator
            energy = atoms.get_potential_energy()
            forces = atoms.get_forces()
            atoms.calc = None
            atoms.info["energy"] = float(energy)
            atoms.arrays["forces"] = forces
            out.append(atoms)
        print(f"{name}: {per_molecule} labelled ({len(seeds[0])} atoms), {time.time() - start:.0f} s", flush=True)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="extended XYZ file to write (reused when present)")
    parser.add_argument("--molecules", default=",".join(MOLECULES), help=f"comma-separated, from {list(MOLECULES)}")
    parser.add_argument("--conformers", type=int, default=10)
    parser.add_argument("--per-molecule", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    names = [n.strip() for n in args.molecules.split(",") if n.strip()]
    unknown = [n for n in names if n not in MOLECULES]
    if unknown:
        sys.exit(f"error: unknown molecule(s) {unknown}; known: {list(MOLECULES)}")
    settings = {"rattle": [0.01, 0.05], "molecules": names, "conformers": args.conformers, "per_molecule": args.per_molecule,
                "seed": args.seed, "teacher": "gfn2-xtb"}
    stamp = args.out + ".json"
    if os.path.exists(args.out) and os.path.exists(stamp) and json.load(open(stamp)) == settings:
        print(f"reusing {args.out}")
        return 0
    from ase.io import write

    frames = build(names, args.conformers, args.per_molecule, args.seed)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    partial = args.out + ".partial"
    write(partial, frames, format="extxyz")
    os.replace(partial, args.out)
    json.dump(settings, open(stamp, "w"))
    print(f"wrote {len(frames)} structures to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
