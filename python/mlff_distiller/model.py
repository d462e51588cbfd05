"""One loaded student model: libmlff's ``mlff_model`` as a Python object."""
import ctypes
import os

import numpy as np

from ._library import ERROR_NULL_ARGUMENT, PRECISIONS, InvalidArgumentError, error_for, library, take_message

_double_p = ctypes.POINTER(ctypes.c_double)
_int32_p = ctypes.POINTER(ctypes.c_int32)
_int64_p = ctypes.POINTER(ctypes.c_int64)


def _pointer(array, kind):
    return None if array is None else array.ctypes.data_as(kind)


class Model:
    """A student model file loaded into libmlff.

    Args:
        path: the model file (.safetensors, from ``mlff train`` or ``mlff model new``).
        precision: network arithmetic, ``"float"`` (default, as ``mlff``) or ``"double"``.

    Raises:
        ModelFileError: the file is missing, truncated, corrupt or not a PaiNN model.
        LibraryNotFoundError: libmlff is not installed or built.

    A model is immutable and may be used from several threads at once (libmlff releases the
    GIL: ctypes calls run without it).
    """

    def __init__(self, path, precision="float"):
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be 'float' or 'double', got {precision!r}")
        self._lib = library()
        self.path = os.fspath(path)
        self.precision = precision
        handle = ctypes.c_void_p()
        error = ctypes.c_void_p()
        status = self._lib.mlff_model_load(
            self.path.encode(), PRECISIONS[precision], ctypes.byref(handle), ctypes.byref(error))
        if status != 0:
            message = take_message(error)
            raise error_for(status, message or f"cannot load {self.path}")
        self._handle = handle
        count = self._lib.mlff_model_element_count(handle)
        elements = (ctypes.c_int32 * max(count, 1))()
        self._lib.mlff_model_elements(handle, elements, count)
        self.elements = [int(z) for z in elements[:count]]
        self.cutoff = float(self._lib.mlff_model_cutoff(handle))

    def close(self):
        """Releases the model (also done when it is garbage-collected)."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            self._lib.mlff_model_free(handle)

    def __del__(self):
        self.close()

    def __repr__(self):
        return f"Model({self.path!r}, precision={self.precision!r})"

    def compute(self, numbers, positions, cell=None, pbc=False, forces=True, energies=True, stress=True):
        """Energy and, when asked, per-atom energies, forces and stress of one structure.

        Args:
            numbers: atomic numbers, (N,).
            positions: Cartesian positions, (N, 3), Å.
            cell: lattice vectors as rows, (3, 3), Å (None for a molecule).
            pbc: periodic along a1, a2, a3: a bool or three.

        Returns:
            dict with ``energy`` (eV), ``energies`` (N,) eV, ``forces`` (N, 3) eV/Å and
            ``stress`` (6,) eV/Å³ in Voigt order xx yy zz yz xz xy with ASE's sign (only for
            structures periodic in all three directions).

        Raises:
            UnsupportedElementError, InvalidStructureError, ModelChangedError: naming what is
            wrong.
        """
        if self._handle is None:
            raise InvalidArgumentError(f"the model {self.path} was closed; load it again", ERROR_NULL_ARGUMENT)
        z = np.ascontiguousarray(numbers, dtype=np.int32).reshape(-1)
        n = len(z)
        r = np.ascontiguousarray(positions, dtype=np.float64).reshape(n, 3)
        periodic = np.ascontiguousarray(np.broadcast_to(np.asarray(pbc, dtype=bool), 3), dtype=np.int32)
        c = None if cell is None else np.ascontiguousarray(cell, dtype=np.float64).reshape(3, 3)
        energy = np.zeros(1)
        out_energies = np.zeros(n) if energies else None
        out_forces = np.zeros((n, 3)) if forces else None
        out_stress = np.zeros(6) if stress else None
        error = ctypes.c_void_p()
        status = self._lib.mlff_compute(
            self._handle, n, _pointer(z, _int32_p), _pointer(r, _double_p), _pointer(c, _double_p),
            _pointer(periodic, _int32_p), _pointer(energy, _double_p), _pointer(out_energies, _double_p),
            _pointer(out_forces, _double_p), _pointer(out_stress, _double_p), ctypes.byref(error))
        if status != 0:
            raise error_for(status, take_message(error))
        results = {"energy": float(energy[0])}
        if energies:
            results["energies"] = out_energies
        if forces:
            results["forces"] = out_forces
        if stress and periodic.all():
            results["stress"] = out_stress
        return results

    def compute_batch(self, structures):
        """Energies, per-atom energies, forces and stresses of many structures in one pass.

        Args:
            structures: a list of ASE ``Atoms``.

        Returns:
            a list of dicts, one per structure, as ``compute`` returns them.
        """
        counts = np.array([len(a) for a in structures], dtype=np.int64)
        total = int(counts.sum())
        z = np.ascontiguousarray(np.concatenate([a.numbers for a in structures]) if total else np.zeros(0), dtype=np.int32)
        r = np.ascontiguousarray(np.concatenate([a.positions for a in structures]) if total else np.zeros((0, 3)), dtype=np.float64)
        cells = np.ascontiguousarray([a.cell.array for a in structures], dtype=np.float64)
        periodic = np.ascontiguousarray([a.pbc for a in structures], dtype=np.int32)
        s = len(structures)
        energy, energies, forces, stress = np.zeros(s), np.zeros(total), np.zeros((total, 3)), np.zeros((s, 6))
        error = ctypes.c_void_p()
        status = self._lib.mlff_compute_batch(
            self._handle, s, _pointer(counts, _int64_p), _pointer(z, _int32_p), _pointer(r, _double_p),
            _pointer(cells, _double_p), _pointer(periodic, _int32_p), _pointer(energy, _double_p),
            _pointer(energies, _double_p), _pointer(forces, _double_p), _pointer(stress, _double_p),
            ctypes.byref(error))
        if status != 0:
            raise error_for(status, take_message(error))
        out, first = [], 0
        for k, n in enumerate(counts):
            results = {"energy": float(energy[k]), "energies": energies[first:first + n],
                       "forces": forces[first:first + n]}
            if periodic[k].all():
                results["stress"] = stress[k]
            out.append(results)
            first += n
        return out
