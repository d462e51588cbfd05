"""What the libmlff / MLFFCalculator tests share: finding libmlff and mlff, and making models.

libmlff is required when ``MLFF_LIBRARY`` is set (``make test`` sets it): a missing library is
then a failure, not a skip. Without it the tests skip only when the library cannot be found
where ``mlff_distiller`` looks (its package folder, the repository's release build).
"""
import os
import subprocess

import pytest

MLFF = os.environ.get("MLFF_BIN")


def require_library():
    """libmlff, or a skip saying why it is absent."""
    from mlff_distiller import LibraryNotFoundError, library

    if os.environ.get("MLFF_LIBRARY"):
        return library()
    try:
        return library()
    except LibraryNotFoundError as error:
        pytest.skip(f"libmlff is not built ({error})")


def require_mlff():
    if not MLFF or not os.path.exists(MLFF):
        pytest.skip("MLFF_BIN is not set to a built mlff")
    return MLFF


def run_mlff(*args):
    out = subprocess.run([require_mlff(), *map(str, args)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr + out.stdout
    return out.stdout


def make_model(path, elements="H,C,O,Si,Cu", seed=3, extra=()):
    """A random tiny student (``mlff model new``): good for numbers, not for minima."""
    run_mlff("model", "new", "--preset", "tiny", "--elements", elements, "--seed", seed, "-o", path, *extra)
    return path
