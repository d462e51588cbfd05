"""libmlff through ctypes: finding the shared library, its functions, and its errors.

The library is found at ``$MLFF_LIBRARY`` when it is set (a file, or a folder holding
libmlff_c.so; nowhere else then), else at the copy installed with this package (``mlff_distiller/lib/``, as a wheel
built by ``make wheel`` ships it), and at the repository's release build
(``.build/release/libmlff_c.so``, for a checkout installed with ``pip install -e python``).
"""
import ctypes
import os
import sys
from pathlib import Path

_NAME = "libmlff_c.dylib" if sys.platform == "darwin" else "libmlff_c.so"

# The status codes of include/mlff.h.
OK = 0
ERROR_NULL_ARGUMENT = 1
ERROR_INVALID_ARGUMENT = 2
ERROR_MODEL_FILE = 3
ERROR_UNSUPPORTED_ELEMENT = 4
ERROR_INVALID_STRUCTURE = 5
ERROR_MODEL_CHANGED = 6
ERROR_INTERNAL = 7

PRECISIONS = {"float": 0, "double": 1}
ABI_VERSION = 1


class MLFFError(RuntimeError):
    """A call into libmlff failed; ``status`` is the mlff_status code, the message says why."""

    def __init__(self, message, status=ERROR_INTERNAL):
        super().__init__(message)
        self.status = status


class LibraryNotFoundError(MLFFError, ImportError):
    """libmlff could not be found or loaded."""


class ModelFileError(MLFFError, OSError):
    """The model file is missing, unreadable, truncated or not a PaiNN model."""


class UnsupportedElementError(MLFFError, ValueError):
    """A structure contains an element the model was not trained on."""


class InvalidStructureError(MLFFError, ValueError):
    """A structure cannot be evaluated (non-finite positions or cell, a zero-volume cell)."""


class InvalidArgumentError(MLFFError, ValueError):
    """An argument is missing or out of range."""


class ModelChangedError(MLFFError):
    """The model file changed on disk after it was loaded."""


_ERRORS = {
    ERROR_MODEL_FILE: ModelFileError,
    ERROR_UNSUPPORTED_ELEMENT: UnsupportedElementError,
    ERROR_INVALID_STRUCTURE: InvalidStructureError,
    ERROR_MODEL_CHANGED: ModelChangedError,
    ERROR_NULL_ARGUMENT: InvalidArgumentError,
    ERROR_INVALID_ARGUMENT: InvalidArgumentError,
}


def error_for(status, message):
    """The exception for a status code and its message."""
    return _ERRORS.get(status, MLFFError)(message, status)


def candidate_paths():
    """Where the library is looked for, in order."""
    override = os.environ.get("MLFF_LIBRARY")
    if override:  # an explicit choice is the only one
        p = Path(override)
        return [p / _NAME if p.is_dir() else p]
    paths = []
    here = Path(__file__).resolve().parent
    paths.append(here / "lib" / _NAME)
    paths.append(here.parent.parent / ".build" / "release" / _NAME)
    return paths


_double_p = ctypes.POINTER(ctypes.c_double)
_int32_p = ctypes.POINTER(ctypes.c_int32)
_int64_p = ctypes.POINTER(ctypes.c_int64)
_error_p = ctypes.POINTER(ctypes.c_void_p)


def _declare(lib):
    lib.mlff_abi_version.restype = ctypes.c_int32
    lib.mlff_abi_version.argtypes = []
    lib.mlff_status_name.restype = ctypes.c_char_p
    lib.mlff_status_name.argtypes = [ctypes.c_int32]
    lib.mlff_string_free.restype = None
    lib.mlff_string_free.argtypes = [ctypes.c_void_p]
    lib.mlff_model_load.restype = ctypes.c_int32
    lib.mlff_model_load.argtypes = [ctypes.c_char_p, ctypes.c_int32, ctypes.POINTER(ctypes.c_void_p), _error_p]
    lib.mlff_model_free.restype = None
    lib.mlff_model_free.argtypes = [ctypes.c_void_p]
    lib.mlff_model_cutoff.restype = ctypes.c_double
    lib.mlff_model_cutoff.argtypes = [ctypes.c_void_p]
    lib.mlff_model_element_count.restype = ctypes.c_int32
    lib.mlff_model_element_count.argtypes = [ctypes.c_void_p]
    lib.mlff_model_elements.restype = ctypes.c_int32
    lib.mlff_model_elements.argtypes = [ctypes.c_void_p, _int32_p, ctypes.c_int32]
    lib.mlff_model_precision.restype = ctypes.c_int32
    lib.mlff_model_precision.argtypes = [ctypes.c_void_p]
    lib.mlff_compute.restype = ctypes.c_int32
    lib.mlff_compute.argtypes = [
        ctypes.c_void_p, ctypes.c_int64, _int32_p, _double_p, _double_p, _int32_p,
        _double_p, _double_p, _double_p, _double_p, _error_p,
    ]
    lib.mlff_compute_batch.restype = ctypes.c_int32
    lib.mlff_compute_batch.argtypes = [
        ctypes.c_void_p, ctypes.c_int64, _int64_p, _int32_p, _double_p, _double_p, _int32_p,
        _double_p, _double_p, _double_p, _double_p, _error_p,
    ]
    return lib


_library = None


def preferred_blas_core(flags):
    """The OpenBLAS kernels ``mlff`` runs on a CPU with these /proc/cpuinfo flags.

    "SkylakeX" with the AVX-512 subsets those kernels use, "Haswell" with AVX2 and FMA, else
    None (OpenBLAS's own choice). The same rule as the ``mlff`` executable's
    (Sources/mlff/BLASKernels.swift), so that the library in this process and ``mlff`` run the
    same kernels and compute the same numbers.
    """
    if {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"} <= flags:
        return "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Haswell"
    return None


def _blas_core_for_loading():
    """The OPENBLAS_CORETYPE to set while libmlff (and with it OpenBLAS) loads, or None.

    OpenBLAS reads OPENBLAS_CORETYPE once, when it loads, and releases older than the CPU fall
    back to old kernels (Debian 12's 0.3.21 runs SSE3 kernels on some current Xeons). Nothing
    is set when the user chose (OPENBLAS_CORETYPE or MLFF_NO_BLAS_REEXEC in the environment),
    off x86-64 Linux, or when this process has loaded OpenBLAS already (it would not read it).
    """
    if not sys.platform.startswith("linux") or "OPENBLAS_CORETYPE" in os.environ or "MLFF_NO_BLAS_REEXEC" in os.environ:
        return None
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags_line = next((line for line in cpuinfo if line.startswith("flags")), None)
        with open("/proc/self/maps") as maps:
            if any("libopenblas" in line for line in maps):
                return None
    except OSError:
        return None
    if flags_line is None:
        return None
    return preferred_blas_core(set(flags_line.split(":", 1)[-1].split()))


def _load(path):
    """ctypes.CDLL(path) with the BLAS kernels of ``_blas_core_for_loading`` (the environment is
    restored afterwards)."""
    core = _blas_core_for_loading()
    if core is None:
        return ctypes.CDLL(str(path))
    os.environ["OPENBLAS_CORETYPE"] = core
    try:
        return ctypes.CDLL(str(path))
    finally:
        del os.environ["OPENBLAS_CORETYPE"]


def library():
    """The loaded libmlff (loaded once per process).

    Raises:
        LibraryNotFoundError: naming every place looked at and how to get the library.
    """
    global _library
    if _library is not None:
        return _library
    tried = []
    for path in candidate_paths():
        if not path.is_file():
            tried.append(f"{path} (absent)")
            continue
        try:
            lib = _load(path)
        except OSError as error:
            tried.append(f"{path} ({error})")
            continue
        _declare(lib)
        version = lib.mlff_abi_version()
        if version != ABI_VERSION:
            tried.append(f"{path} (ABI version {version}, this package needs {ABI_VERSION})")
            continue
        lib.path = path
        _library = lib
        return lib
    raise LibraryNotFoundError(
        "libmlff was not found: looked at " + "; ".join(tried) + ". Build it in the repository with "
        "`swift build -c release` (it writes .build/release/libmlff_c.so), install a wheel that includes it "
        "(`make wheel`, then `pip install dist/mlff_distiller-*.whl`), or set MLFF_LIBRARY to the library's path."
    )


def take_message(pointer):
    """The text of a message returned through ``char **error``, which is then freed."""
    if not pointer.value:
        return ""
    text = ctypes.string_at(pointer.value).decode("utf-8", "replace")
    library().mlff_string_free(pointer.value)
    return text
