"""Teachers that misbehave on purpose, for the failure-mode tests.

Each is ASE's EMT, except on structures of exactly three atoms, where it raises, crashes,
hangs, or writes garbage to the protocol stream. ``noisy`` prints to stdout (Python and the raw
fd 1) on every structure but is otherwise correct.
"""

import os
import sys
import time

from ase.calculators.emt import EMT

TRIGGER_ATOMS = 3


class _Faulty(EMT):
    def __init__(self, fault):
        super().__init__()
        self.fault = fault

    def calculate(self, atoms=None, properties=("energy",), system_changes=None):
        if atoms is not None and len(atoms) == TRIGGER_ATOMS:
            self.fault()
        if system_changes is None:
            super().calculate(atoms, properties)
        else:
            super().calculate(atoms, properties, system_changes)


def _raise():
    raise RuntimeError("deliberate failure for a 3-atom structure")


def _crash():
    print("about to crash on a 3-atom structure", file=sys.stderr, flush=True)
    os._exit(7)


def _hang():
    time.sleep(3600)


def _corrupt():
    from mlff_teacher import server
    os.write(server.PROTOCOL_FD, b"this is not a protocol frame, it is junk\n")


def raising():
    return _Faulty(_raise)


def crashing():
    return _Faulty(_crash)


def hanging():
    return _Faulty(_hang)


def corrupting():
    return _Faulty(_corrupt)


class _Noisy(EMT):
    def calculate(self, *args, **kwargs):
        print("noise from print() on stdout")
        sys.stdout.flush()
        os.write(1, b"MLFT noise written to the raw fd 1\n")
        super().calculate(*args, **kwargs)


def noisy():
    print("noise on stdout while the teacher loads")
    os.write(1, b"MLFT\x04\x00\x00\x00 raw noise while loading\n")
    return _Noisy()


def missing_package():
    import a_package_that_is_not_installed  # noqa: F401
    return EMT()


class _Slow(EMT):
    def calculate(self, *args, **kwargs):
        time.sleep(0.05)
        super().calculate(*args, **kwargs)


def slow():
    """EMT that takes 50 ms per structure, so a labelling job can be killed midway."""
    return _Slow()


def xtb_three_scf_cycles():
    """GFN2-xTB allowed only three SCF cycles: every structure fails to converge."""
    from mlff_teacher.teachers import xtb_calculator
    return xtb_calculator("GFN2-xTB", max_iterations=3)


class _NotANumber(EMT):
    """EMT, except that 3-atom structures get a NaN energy and an infinite force."""

    def calculate(self, atoms=None, properties=("energy",), system_changes=None):
        super().calculate(atoms, properties, system_changes or [])
        if atoms is not None and len(atoms) == TRIGGER_ATOMS:
            self.results["energy"] = float("nan")
            self.results["forces"][0, 0] = float("inf")


def not_a_number():
    return _NotANumber()
