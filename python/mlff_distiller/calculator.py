"""The ASE calculator over libmlff."""
import os

import numpy as np
from ase.calculators.calculator import Calculator, all_changes

from .model import Model


class MLFFCalculator(Calculator):
    """A distilled PaiNN student (or a committee of them) as an ASE calculator.

    Args:
        model: a model file (.safetensors), or a list of them for a committee.
        precision: network arithmetic, ``"float"`` (default, as ``mlff``) or ``"double"``.

    Results, in ASE's units and conventions: ``energy`` and ``free_energy`` (eV, equal: the
    student has no electronic entropy), ``energies`` (per-atom, eV, summing to the energy),
    ``forces`` (eV/Å) and, for cells periodic in all three directions, ``stress`` (eV/Å³, Voigt
    xx yy zz yz xz xy, positive is tensile).

    A committee gives the members' means (so forces stay the gradient of the mean energy) and
    its disagreement: ``results["force_deviation"]`` is max_i √((1/K) Σ_k |F_i^k − F̄_i|²) in
    eV/Å (DP-GEN's max_devi_f, as ``mlff md --committee`` logs it), and
    ``results["force_deviations"]`` the same per atom, (N,).

    Raises (when created): ``ModelFileError`` for a missing or bad model file,
    ``LibraryNotFoundError`` when libmlff cannot be found; (when computing)
    ``UnsupportedElementError``, ``InvalidStructureError``, ``ModelChangedError``.
    """

    implemented_properties = ["energy", "free_energy", "energies", "forces", "stress"]

    def __init__(self, model="student.safetensors", precision="float", **kwargs):
        super().__init__(**kwargs)
        paths = [model] if isinstance(model, (str, os.PathLike)) else list(model)
        if not paths:
            raise ValueError("MLFFCalculator needs at least one model file")
        self.models = [Model(p, precision=precision) for p in paths]
        self.precision = precision
        elements = set(self.models[0].elements)
        for m in self.models[1:]:
            if set(m.elements) != elements:
                raise ValueError(
                    f"committee members know different elements: {self.models[0].path} has "
                    f"{sorted(elements)}, {m.path} has {sorted(m.elements)}; use students trained on the same elements")

    @property
    def cutoff(self):
        """The largest member cutoff, Å."""
        return max(m.cutoff for m in self.models)

    @property
    def elements(self):
        """The atomic numbers the model knows."""
        return list(self.models[0].elements)

    def check_state(self, atoms, tol=1e-15):
        """What changed since the last call, of what the student depends on: positions,
        numbers, cell and pbc, compared exactly.

        ASE's own check compares a dozen arrays with ``np.isclose`` at 1e-15 (about 0.2 ms on
        ethanol, more than the rest of a call's overhead together); exact equality is stricter,
        so a result is never reused for a structure that differs, and changes the student cannot
        see (magnetic moments, charges, tags, masses, velocities, ``info``) do not recompute.
        """
        old = self.atoms
        if old is None or len(old) != len(atoms):
            return list(all_changes)
        changes = []
        if not np.array_equal(old.positions, atoms.positions):
            changes.append("positions")
        if not np.array_equal(old.numbers, atoms.numbers):
            changes.append("numbers")
        if not np.array_equal(old.cell.array, atoms.cell.array):
            changes.append("cell")
        if not np.array_equal(old.pbc, atoms.pbc):
            changes.append("pbc")
        return changes

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        atoms = self.atoms
        gradients = len(self.models) > 1 or any(p in properties for p in ("forces", "stress"))
        members = [
            m.compute(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc, forces=gradients,
                      stress=gradients and atoms.pbc.all())
            for m in self.models
        ]
        k = len(members)
        energy = sum(r["energy"] for r in members) / k
        self.results = {
            "energy": energy,
            "free_energy": energy,
            "energies": sum(r["energies"] for r in members) / k,
        }
        if gradients:
            forces = sum(r["forces"] for r in members) / k
            self.results["forces"] = forces
            if "stress" in members[0]:
                self.results["stress"] = sum(r["stress"] for r in members) / k
        if k > 1:
            spread = np.sqrt(sum(((r["forces"] - forces) ** 2).sum(axis=1) for r in members) / k)
            self.results["force_deviations"] = spread
            self.results["force_deviation"] = float(spread.max()) if len(spread) else 0.0
            energies = np.array([r["energy"] for r in members])
            self.results["energy_deviation"] = float(energies.std())
