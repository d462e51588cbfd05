"""The student in LAMMPS through ``fix external pf/callback``, on one MPI rank.

LAMMPS calls back into Python every step with the positions of its atoms; the callback
evaluates them with an ``MLFFCalculator`` and hands LAMMPS the forces, the energy and the
virial. The input script declares the fix (any ID; ``mlff`` below) and asks for its energy and
virial to be counted::

    fix mlff all external pf/callback 1 1
    fix_modify mlff energy yes virial yes

Units must be ``metal`` (Å, eV, ps). LAMMPS types map to elements by position in
``elements`` (type 1 is ``elements[0]``). Only one MPI rank is supported: with domain
decomposition each rank would see only its own atoms and their ghosts, which the calculator
cannot use yet; the callback refuses to run on more than one rank.

The lammps Python module of Debian's ``python3-lammps`` lives in the system Python's
dist-packages; ``import_lammps`` finds it there from a virtual environment too.
"""
import glob
import os
import sys

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

#: Where Debian's python3-lammps installs the module.
SYSTEM_PACKAGES = ["/usr/lib/python3/dist-packages"]


def import_lammps():
    """The ``lammps`` module: importable as is, or from the system Python's packages.

    The system folder is appended at the end of ``sys.path``, so the environment's own
    packages (NumPy, ASE) still come first.

    Raises:
        ImportError: saying how to install LAMMPS.
    """
    try:
        import lammps
        return lammps
    except ImportError:
        pass
    for folder in SYSTEM_PACKAGES + glob.glob("/usr/lib/python3*/site-packages"):
        if os.path.isdir(os.path.join(folder, "lammps")) and folder not in sys.path:
            sys.path.append(folder)
            try:
                import lammps
                return lammps
            except ImportError:
                sys.path.remove(folder)
    raise ImportError(
        "the lammps Python module was not found: install LAMMPS with `scripts/bootstrap --lammps` "
        "(Debian: apt-get install lammps python3-lammps liblammps-dev), or make a venv with "
        "--system-site-packages where `import lammps` works")


#: 1 eV/Å³ in bar (LAMMPS metal units give pressure in bar).
EV_PER_A3_IN_BAR = 1.602176634e6


class LAMMPSCallback:
    """Forces, energy and virial from an ASE calculator for a LAMMPS ``fix external``.

    Args:
        lmp: a ``lammps.lammps`` instance, with the fix declared.
        calculator: an ASE calculator (``MLFFCalculator``).
        elements: chemical symbols of LAMMPS atom types 1, 2, ….
        fix_id: the fix's ID in the input script.

    After a run, ``error`` holds the exception that stopped it, if any; ``check()`` raises it.
    """

    def __init__(self, lmp, calculator, elements, fix_id="mlff"):
        self.lmp = lmp
        self.calculator = calculator
        self.fix_id = fix_id
        self.numbers = np.array([0] + [atomic_numbers[e] for e in elements])
        self.error = None
        self.calls = 0
        ranks = lmp.extract_setting("world_size")
        if ranks != 1:
            raise RuntimeError(
                f"LAMMPS runs on {ranks} MPI ranks; the MLFF fix external callback supports one rank only "
                "(domain decomposition is not supported yet): run LAMMPS without mpirun")
        units = lmp.extract_global("units")
        if units != "metal":
            raise RuntimeError(f"the LAMMPS input uses `units {units}`; MLFF needs `units metal` (Å, eV, ps)")
        lmp.set_fix_external_callback(fix_id, self, None)

    def atoms(self, nlocal, x):
        """The LAMMPS atoms as ASE ``Atoms`` (positions relative to the box's lower corner)."""
        types = self.lmp.numpy.extract_atom("type", nelem=nlocal)
        if types.max(initial=0) >= len(self.numbers):
            raise ValueError(
                f"LAMMPS has atom type {types.max()} but only {len(self.numbers) - 1} elements were given; "
                "give one element per atom type")
        lo, hi, xy, yz, xz, periodicity, _ = self.lmp.extract_box()
        cell = [[hi[0] - lo[0], 0, 0], [xy, hi[1] - lo[1], 0], [xz, yz, hi[2] - lo[2]]]
        return Atoms(numbers=self.numbers[types], positions=np.array(x) - lo, cell=cell,
                     pbc=[bool(p) for p in periodicity])

    def __call__(self, caller, step, nlocal, tag, x, f):
        self.calls += 1
        if self.error is not None:
            f[:] = np.nan
            return
        try:
            total = self.lmp.get_natoms()
            if nlocal != total:
                raise RuntimeError(
                    f"this rank holds {nlocal} of {total} atoms; the MLFF callback needs all atoms on one rank")
            atoms = self.atoms(nlocal, x)
            atoms.calc = self.calculator
            energy = atoms.get_potential_energy()
            f[:] = atoms.get_forces()
            self.lmp.fix_external_set_energy_global(self.fix_id, energy)
            if atoms.pbc.all():
                s = atoms.get_stress() * atoms.get_volume()  # ASE: xx yy zz yz xz xy, (1/V) ∂E/∂ε
                # LAMMPS's virial W = Σ r ⊗ f = −V σ, ordered xx yy zz xy xz yz.
                self.lmp.fix_external_set_virial_global(self.fix_id, [-s[0], -s[1], -s[2], -s[5], -s[4], -s[3]])
        except Exception as error:  # an exception must not vanish inside LAMMPS: stop the run
            self.error = error
            f[:] = np.nan
            self.lmp.force_timeout()

    def check(self):
        """Raises the error that stopped the run, if any."""
        if self.error is not None:
            raise RuntimeError(f"the LAMMPS run was stopped: {self.error}") from self.error
