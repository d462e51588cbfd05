"""MLFF Distiller in Python: a distilled student as an ASE calculator, through libmlff.

    from mlff_distiller import MLFFCalculator
    atoms.calc = MLFFCalculator(model="student.safetensors")

See docs/deploy.md.
"""
from ._library import (
    InvalidArgumentError,
    InvalidStructureError,
    LibraryNotFoundError,
    MLFFError,
    ModelChangedError,
    ModelFileError,
    UnsupportedElementError,
    library,
)
from .calculator import MLFFCalculator
from .model import Model

__all__ = [
    "MLFFCalculator",
    "Model",
    "MLFFError",
    "LibraryNotFoundError",
    "ModelFileError",
    "UnsupportedElementError",
    "InvalidStructureError",
    "InvalidArgumentError",
    "ModelChangedError",
    "library",
]
