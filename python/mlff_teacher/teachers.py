"""Named teachers and ``module:function`` factories, each giving one ASE calculator.

A teacher whose Python package or weights are missing raises ``TeacherUnavailable`` with a
message that says what to install, or which file to download and where to put it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable


class TeacherUnavailable(Exception):
    """The teacher cannot start on this machine; the message says what to do."""


@dataclass
class LoadedTeacher:
    calculator: Any
    package: str
    version: str
    elements: list[int] | None


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _missing(teacher: str, module: str, extra: str, error: ImportError) -> TeacherUnavailable:
    return TeacherUnavailable(
        f"the teacher '{teacher}' needs the Python package '{module}', which cannot be imported by "
        f"{sys.executable} ({error}). Install it into that environment: "
        f"pip install './python[{extra}]' from the repository root "
        f"(or give another interpreter with --python / MLFF_PYTHON).")


def _weights_missing(teacher: str, url: str, place: Path, how: str, error: BaseException) -> TeacherUnavailable:
    return TeacherUnavailable(
        f"the teacher '{teacher}' could not load its weights ({type(error).__name__}: {error}). "
        f"It downloads them on first use, which needs internet. On a machine without it, download "
        f"{url} on another machine and put the file at {place}{how}.")


# -- ASE's own calculators -------------------------------------------------------------------

def _emt(device: str | None) -> LoadedTeacher:
    from ase.calculators.emt import EMT, parameters
    from ase.data import atomic_numbers
    elements = sorted(atomic_numbers[symbol] for symbol in parameters)
    return LoadedTeacher(EMT(), "ase", _version("ase"), elements)


#: Argon parameters for ``lj``: σ (Å), ε (eV), cutoff 3σ.
LJ_SIGMA = 3.405
LJ_EPSILON = 0.0104


def _lj(device: str | None) -> LoadedTeacher:
    from ase.calculators.lj import LennardJones
    calculator = LennardJones(sigma=LJ_SIGMA, epsilon=LJ_EPSILON, rc=3 * LJ_SIGMA)
    return LoadedTeacher(calculator, "ase", _version("ase"), None)


# -- universal machine-learned force fields ------------------------------------------------------

def _chgnet(device: str | None) -> LoadedTeacher:
    try:
        from chgnet.model.dynamics import CHGNetCalculator
    except ImportError as error:
        raise _missing("chgnet", "chgnet", "chgnet", error) from error
    calculator = CHGNetCalculator(use_device=device)
    # CHGNet embeds atomic numbers 1..94; its calculator returns stress in eV/Å³ (ASE's sign).
    return LoadedTeacher(calculator, "chgnet", _version("chgnet"), list(range(1, 95)))


def _sevennet0(device: str | None) -> LoadedTeacher:
    try:
        from sevenn.calculator import SevenNetCalculator
    except ImportError as error:
        raise _missing("sevennet-0", "sevenn", "sevennet", error) from error
    calculator = SevenNetCalculator("7net-0", device=device or "auto")
    elements = sorted(int(z) for z in getattr(calculator, "type_map", {}) or []) or None
    return LoadedTeacher(calculator, "sevenn", _version("sevenn"), elements)


ORB_V2_URL = ("https://orbitalmaterials-public-models.s3.us-west-1.amazonaws.com/"
              "forcefields/orb-v2-20241011.ckpt")
ORB_V2_FILE = Path.home() / ".cache" / "mlff_teacher" / "orb-v2-20241011.ckpt"


def _orb_v2(device: str | None) -> LoadedTeacher:
    try:
        from orb_models.forcefield import pretrained
        from orb_models.forcefield.calculator import ORBCalculator
    except ImportError as error:
        raise _missing("orb-v2", "orb_models", "orb", error) from error
    weights = os.environ.get("MLFF_ORB_V2_WEIGHTS") or (str(ORB_V2_FILE) if ORB_V2_FILE.exists() else ORB_V2_URL)
    if weights != ORB_V2_URL and not Path(weights).exists():
        raise TeacherUnavailable(
            f"the teacher 'orb-v2': MLFF_ORB_V2_WEIGHTS names {weights}, which does not exist; "
            f"download {ORB_V2_URL} and point MLFF_ORB_V2_WEIGHTS at it")
    try:
        model = pretrained.orb_v2(weights_path=weights, device=device)
    except Exception as error:  # noqa: BLE001 - the download is the usual failure
        if weights != ORB_V2_URL:
            raise
        raise _weights_missing("orb-v2", ORB_V2_URL, ORB_V2_FILE,
                               " (or anywhere, with MLFF_ORB_V2_WEIGHTS=/path/to/file)", error) from error
    calculator = ORBCalculator(model, device=device)
    return LoadedTeacher(calculator, "orb-models", _version("orb-models"), None)


# MACE's loaders cache a download under ~/.cache/mace/ with a name made of the URL's last path
# component, keeping only letters, digits and '_'; a file put there by hand is used as is.
MACE_MP_0_URL = ("https://github.com/ACEsuit/mace-mp/releases/download/mace_mp_0/"
                 "2023-12-03-mace-128-L1_epoch-199.model")
MACE_OFF_URL = "https://github.com/ACEsuit/mace-off/raw/main/mace_off23/MACE-OFF23_medium.model?raw=true"


def _mace_cache_file(url: str) -> Path:
    name = "".join(c for c in os.path.basename(url) if c.isalnum() or c == "_")
    return Path.home() / ".cache" / "mace" / name


def _mace(teacher: str, loader_name: str, url: str, device: str | None) -> LoadedTeacher:
    try:
        import mace.calculators as calculators
    except ImportError as error:
        raise _missing(teacher, "mace", "mace", error) from error
    loader = getattr(calculators, loader_name)
    try:
        calculator = loader(model="medium", device=device or "cpu", default_dtype="float64")
    except Exception as error:  # noqa: BLE001 - the download is the usual failure
        raise _weights_missing(teacher, url, _mace_cache_file(url), "", error) from error
    table = getattr(calculator, "z_table", None)
    elements = sorted(int(z) for z in table.zs) if table is not None else None
    return LoadedTeacher(calculator, "mace-torch", _version("mace-torch"), elements)


def _mace_mp_0(device: str | None) -> LoadedTeacher:
    return _mace("mace-mp-0", "mace_mp", MACE_MP_0_URL, device)


def _mace_off(device: str | None) -> LoadedTeacher:
    return _mace("mace-off", "mace_off", MACE_OFF_URL, device)


# -- semi-empirical tight binding (no weights, no PyTorch) ---------------------------------------

#: SCF accuracy handed to tblite (its ``accuracy``; 1 is tblite's default). At 1 a calculator
#: reused across structures shifts forces by up to 2e-4 eV/Å run to run; 0.01 tightens the SCF
#: convergence so that labels agree to about 1e-6 eV/Å at a few per cent more time.
XTB_ACCURACY = 0.01
#: GFN1-xTB and GFN2-xTB are parametrised for H…Rn.
XTB_ELEMENTS = list(range(1, 87))


def load_system_openblas() -> bool:
    """Loads the system OpenBLAS with RTLD_GLOBAL, so that tblite (whose wheel carries the
    reference BLAS) binds its BLAS and LAPACK symbols to it: 3-4x faster, identical numbers.

    Must run before ``tblite`` is imported; returns False when no OpenBLAS is installed (tblite
    then uses its own BLAS).
    """
    import ctypes
    for name in ("libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"):
        try:
            ctypes.CDLL(name, mode=ctypes.RTLD_GLOBAL)
            return True
        except OSError:
            continue
    return False


def xtb_calculator(method: str = "GFN2-xTB", max_iterations: int = 250, accuracy: float = XTB_ACCURACY):
    """tblite's ASE calculator set up as a teacher: quiet (``verbosity=0``), a tight SCF
    (``accuracy``), and a fresh tblite calculator and wavefunction for every structure
    (``cache_api=False``: every ``reset`` drops them), so a structure's label never depends on
    what was labelled before it.

    An SCF that does not converge raises ``CalculationFailed`` ("SCF not converged in N cycles"),
    which the worker sends back as that structure's error; elements beyond Rn raise
    ``InputError``. Charge and spin come from the atoms' initial charges and magnetic moments,
    which the teacher protocol does not carry: every structure is neutral and closed-shell
    where its electron count allows.
    """
    try:
        from tblite.ase import TBLite
    except ImportError as error:
        teacher = method.lower()
        raise TeacherUnavailable(
            f"the teacher '{teacher}' needs the Python package 'tblite', which cannot be imported by "
            f"{sys.executable} ({error}). Install it with scripts/bootstrap --teacher {teacher} "
            f"(or pip install './python[xtb]'; the wheel needs the system library libgomp1: "
            f"apt-get install libgomp1)") from error
    return TBLite(method=method, verbosity=0, accuracy=accuracy, max_iterations=max_iterations,
                  cache_api=False)


def _xtb(method: str) -> Callable[[str | None], LoadedTeacher]:
    def load_xtb(device: str | None) -> LoadedTeacher:
        if "tblite" not in sys.modules:
            load_system_openblas()
        calculator = xtb_calculator(method)
        return LoadedTeacher(calculator, "tblite", _version("tblite"), XTB_ELEMENTS)
    return load_xtb


NAMED: dict[str, Callable[[str | None], LoadedTeacher]] = {
    "emt": _emt,
    "lj": _lj,
    "chgnet": _chgnet,
    "sevennet-0": _sevennet0,
    "orb-v2": _orb_v2,
    "mace-mp-0": _mace_mp_0,
    "mace-off": _mace_off,
    "gfn2-xtb": _xtb("GFN2-xTB"),
    "gfn1-xtb": _xtb("GFN1-xTB"),
}


def _factory(spec: str) -> LoadedTeacher:
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        raise TeacherUnavailable(f"'{spec}' is not of the form module:function")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise TeacherUnavailable(
            f"cannot import the module '{module_name}' for the teacher '{spec}' ({error}); "
            f"put its folder on PYTHONPATH or install it into {sys.executable}") from error
    factory = getattr(module, function_name, None)
    if not callable(factory):
        raise TeacherUnavailable(f"the module '{module_name}' ({getattr(module, '__file__', '?')}) "
                                 f"has no function '{function_name}'")
    calculator = factory()
    top = module_name.split(".")[0]
    version = _version(top)
    if version == "unknown":
        version = str(getattr(sys.modules[top], "__version__", "unknown"))
    return LoadedTeacher(calculator, top, version, None)


def load(name: str, device: str | None = None) -> LoadedTeacher:
    """Loads the named teacher or ``module:function`` factory."""
    if name in NAMED:
        return NAMED[name](device)
    if ":" in name:
        return _factory(name)
    raise TeacherUnavailable(
        f"unknown teacher '{name}': use one of {', '.join(NAMED)}, or module:function for a "
        f"function that returns an ASE calculator")
