#!/usr/bin/env python3
"""Writes the reference files that the Swift extxyz, element and unit tests compare against.

Run from the repository root with any Python that has ASE and NumPy:

    .venv/bin/python scripts/make_extxyz_fixtures.py

Everything lands in Tests/AtomisticTests/Fixtures/extxyz/ and is committed, so the Swift tests
need no Python. The structures are random but seeded, so the files are reproducible.

- elements.json      ASE's chemical symbols, atomic masses (amu) and covalent radii (Å), Z = 0…118
- units.json         ASE's unit constants expressed in eV, Å, amu, fs
- ase-written.extxyz frames written by ASE: every info type, per-atom arrays, energy/forces/
                     stress, partial and no periodicity, a molecule, a REF_-labelled frame
- ase-written.json   what ASE reads back from ase-written.extxyz (the Swift reader must agree)
"""
import json
import os
import sys

import numpy as np
import ase
import ase.data
import ase.units as units
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import read, write

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "AtomisticTests", "Fixtures", "extxyz")


def elements():
    return {
        "ase_version": ase.__version__,
        "symbols": list(ase.data.chemical_symbols),
        "masses": [float(m) for m in ase.data.atomic_masses],
        "covalent_radii": [float(r) for r in ase.data.covalent_radii],
    }


def unit_constants():
    return {
        "codata": units.__codata_version__,
        "kB": units.kB,
        "ase_time_unit_fs": 1 / units.fs,
        "hartree": units.Hartree,
        "bohr": units.Bohr,
        "atomic_time_fs": units._aut * 1e15,
        "electron_mass_amu": units._me / units._amu,
        "gpa": units.GPa,
        "bar": units.bar,
        "kJ_per_mol": units.kJ / units.mol,
        "kcal_per_mol": units.kcal / units.mol,
    }


def labelled(atoms, energy=None, forces=None, stress=None):
    results = {}
    if energy is not None:
        results["energy"] = energy
    if forces is not None:
        results["forces"] = forces
    if stress is not None:
        results["stress"] = stress
    atoms.calc = SinglePointCalculator(atoms, **results)
    return atoms


def frames():
    rng = np.random.default_rng(20260101)
    out = []

    # 1. Periodic bulk with every info type, arrays of every type, and all three labels.
    a = Atoms("Si3OCu", positions=rng.uniform(0, 5, (5, 3)),
              cell=[[5.1, 0.2, 0.0], [0.3, 4.9, 0.1], [-0.2, 0.4, 5.3]], pbc=True)
    a.info["step"] = 17
    a.info["temperature"] = 300.25
    a.info["converged"] = True
    a.info["failed"] = False
    a.info["config_type"] = "bulk"
    a.info["note"] = "two words"
    a.info["ints"] = np.array([1, -2, 3])
    a.info["reals"] = np.array([0.1, 2.5e-9, -3.0, 1e22])
    a.info["flags"] = np.array([True, False, True])
    a.info["tiny"] = 1e-300
    a.new_array("partial_charge", rng.normal(size=5))
    a.new_array("tags3", rng.integers(-5, 5, size=(5, 3)))
    a.new_array("fixed", np.array([True, False, False, True, False]))
    a.new_array("label", np.array(["a", "bb", "c", "dd", "e"]))
    a.new_array("vel", rng.normal(size=(5, 3)))
    out.append(labelled(a, energy=float(rng.normal() * 10), forces=rng.normal(size=(5, 3)),
                        stress=rng.normal(size=6) * 0.01))

    # 2. Partially periodic slab (pbc T T F), energy and forces only.
    b = Atoms("Cu4", positions=rng.uniform(0, 3, (4, 3)),
              cell=[[3.6, 0, 0], [0, 3.6, 0], [0, 0, 20.0]], pbc=[True, True, False])
    out.append(labelled(b, energy=-12.5, forces=rng.normal(size=(4, 3))))

    # 3. A molecule without a cell, no labels, with a string info value holding quotes.
    c = Atoms("CH4", positions=rng.normal(size=(5, 3)))
    c.info["name"] = 'methane "CH4"'
    out.append(c)

    # 4. Random positions with awkward magnitudes, a single atom, a big integer.
    d = Atoms("H", positions=[[1e-17, -123456.789, 3.0000000000000004]], cell=[10, 11, 12], pbc=True)
    d.info["big"] = 2**62
    out.append(labelled(d, energy=-0.0))

    return out


def describe(atoms):
    """What ASE reads, as JSON: every number as a float or int, info typed."""
    def value(v):
        if isinstance(v, (bool, np.bool_)):
            return {"bool": bool(v)}
        if isinstance(v, (int, np.integer)):
            return {"int": int(v)}
        if isinstance(v, (float, np.floating)):
            return {"double": float(v)}
        if isinstance(v, str):
            return {"string": v}
        v = np.asarray(v)
        if v.dtype.kind == "b":
            return {"bools": [bool(x) for x in v.ravel()]}
        if v.dtype.kind == "i":
            return {"ints": [int(x) for x in v.ravel()]}
        if v.dtype.kind == "f":
            return {"doubles": [float(x) for x in v.ravel()]}
        raise TypeError(type(v))

    calc = atoms.calc
    results = calc.results if calc is not None else {}
    arrays = {}
    for k, v in atoms.arrays.items():
        if k in ("numbers", "positions"):
            continue
        v = np.asarray(v)
        cols = 1 if v.ndim == 1 else v.shape[1]
        kind = {"f": "doubles", "i": "ints", "b": "bools", "U": "strings", "O": "strings"}[v.dtype.kind]
        flat = v.ravel().tolist()
        arrays[k] = {"columns": cols, kind: [str(x) if kind == "strings" else x for x in flat]}
    return {
        "numbers": [int(z) for z in atoms.numbers],
        "positions": atoms.positions.ravel().tolist(),
        "cell": atoms.cell.array.ravel().tolist(),
        "pbc": [bool(p) for p in atoms.pbc],
        "energy": float(results["energy"]) if "energy" in results else None,
        "forces": np.asarray(results["forces"]).ravel().tolist() if "forces" in results else None,
        "stress": np.asarray(results["stress"]).ravel().tolist() if "stress" in results else None,
        "info": [[k, value(v)] for k, v in atoms.info.items()],
        "arrays": [[k, v] for k, v in arrays.items()],
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "elements.json"), "w") as f:
        json.dump(elements(), f, indent=1)
    with open(os.path.join(OUT, "units.json"), "w") as f:
        json.dump(unit_constants(), f, indent=1)
    path = os.path.join(OUT, "ase-written.extxyz")
    write(path, frames(), format="extxyz")
    back = read(path, index=":", format="extxyz")
    with open(os.path.join(OUT, "ase-written.json"), "w") as f:
        json.dump([describe(a) for a in back], f, indent=1)
    print(f"wrote fixtures to {os.path.normpath(OUT)} with ASE {ase.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
