"""Binary framing of the teacher protocol (docs/teacher-protocol.md).

Every frame is a 16-byte header -- magic ``MLFT``, one kind byte, three zero bytes, the payload
length as a little-endian u64 -- followed by the payload. Floats are little-endian f64.
"""

from __future__ import annotations

import json
import os
import struct

import numpy as np

MAGIC = b"MLFT"
PROTOCOL_VERSION = 1

HELLO = 1
STARTUP_ERROR = 2
REQUEST = 3
RESULT = 4
ERROR = 5

ENERGY = 1
FORCES = 2
STRESS = 4
CURVATURE = 8

_HEADER = struct.Struct("<4sB3xQ")
_REQUEST_HEAD = struct.Struct("<II3Bx")
_RESULT_HEAD = struct.Struct("<II")
MAX_PAYLOAD = 1 << 31


class ProtocolError(Exception):
    """The byte stream is not a sequence of protocol frames."""


def read_exactly(fd: int, count: int) -> bytes | None:
    """Reads ``count`` bytes from ``fd``; None on end of file before the first byte."""
    chunks = []
    remaining = count
    while remaining > 0:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            if remaining == count:
                return None
            raise ProtocolError(f"end of file inside a frame ({count - remaining} of {count} bytes)")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> tuple[int, bytes] | None:
    """Reads one frame as (kind, payload); None at a clean end of file."""
    header = read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    magic, kind, length = _HEADER.unpack(header)
    if magic != MAGIC:
        raise ProtocolError(f"bad magic {magic!r}, expected {MAGIC!r}")
    if length > MAX_PAYLOAD:
        raise ProtocolError(f"payload length {length} is too large")
    payload = read_exactly(fd, length) if length else b""
    if payload is None:
        raise ProtocolError("end of file after a frame header")
    return kind, payload


def write_frame(fd: int, kind: int, payload: bytes) -> None:
    """Writes one frame, all of it (retrying short writes)."""
    data = memoryview(_HEADER.pack(MAGIC, kind, len(payload)) + payload)
    while data:
        written = os.write(fd, data)
        data = data[written:]


def encode_hello(teacher: str, package: str, version: str, elements: list[int] | None) -> bytes:
    """The hello payload: a JSON object."""
    return json.dumps({
        "protocol": PROTOCOL_VERSION, "teacher": teacher, "package": package,
        "version": version, "elements": elements,
    }).encode()


def decode_request(payload: bytes):
    """Returns (numbers [n] int, positions [n, 3] Å, cell [3, 3] Å, pbc [3] bool, wanted mask)."""
    if len(payload) < _REQUEST_HEAD.size + 72:
        raise ProtocolError(f"request payload of {len(payload)} bytes is too short")
    n, wanted, p0, p1, p2 = _REQUEST_HEAD.unpack_from(payload, 0)
    expected = _REQUEST_HEAD.size + 72 + 4 * n + 24 * n
    if len(payload) != expected and not (wanted & CURVATURE and len(payload) > expected):
        raise ProtocolError(f"request for {n} atoms has {len(payload)} bytes, expected {expected}")
    offset = _REQUEST_HEAD.size
    cell = np.frombuffer(payload, "<f8", 9, offset).reshape(3, 3).astype(np.float64)
    offset += 72
    numbers = np.frombuffer(payload, "<i4", n, offset).astype(np.int64)
    offset += 4 * n
    positions = np.frombuffer(payload, "<f8", 3 * n, offset).reshape(n, 3).astype(np.float64)
    return numbers, positions, cell, [bool(p0), bool(p1), bool(p2)], wanted


def decode_curvature_request(payload: bytes):
    """The probes of a request with the CURVATURE bit: (probes [k, n, 3], step h in Å)."""
    n, wanted = _REQUEST_HEAD.unpack_from(payload, 0)[:2]
    offset = _REQUEST_HEAD.size + 72 + 4 * n + 24 * n
    if len(payload) < offset + 12:
        raise ProtocolError(f"a curvature request of {len(payload)} bytes has no probe header")
    (k,) = struct.unpack_from("<I", payload, offset)
    (step,) = struct.unpack_from("<d", payload, offset + 4)
    expected = offset + 12 + 24 * k * n
    if len(payload) != expected:
        raise ProtocolError(f"a curvature request for {n} atoms and {k} probes has {len(payload)} bytes, expected {expected}")
    if k < 1 or not step > 0:
        raise ProtocolError(f"a curvature request needs k >= 1 probes and a step h > 0 (got k = {k}, h = {step})")
    probes = np.frombuffer(payload, "<f8", 3 * k * n, offset + 12).reshape(k, n, 3).astype(np.float64)
    return probes, step


def encode_result(n: int, energy: float, forces=None, stress=None, products=None) -> bytes:
    """The result payload: energy eV, forces [n, 3] eV/Å, stress [6] eV/Å³ (Voigt), and the
    Hessian-vector products [k, n, 3] eV/Å² of a curvature request."""
    present = ENERGY
    parts = []
    if forces is not None:
        forces = np.ascontiguousarray(forces, dtype="<f8")
        if forces.shape != (n, 3):
            raise ValueError(f"the calculator returned forces of shape {forces.shape}, expected ({n}, 3)")
        present |= FORCES
        parts.append(forces.tobytes())
    if stress is not None:
        stress = np.ascontiguousarray(stress, dtype="<f8").reshape(-1)
        if stress.shape != (6,):
            raise ValueError(f"the calculator returned stress of shape {stress.shape}, expected (6,)")
        present |= STRESS
        parts.append(stress.tobytes())
    if products is not None:
        products = np.ascontiguousarray(products, dtype="<f8")
        if products.ndim != 3 or products.shape[1:] != (n, 3):
            raise ValueError(f"Hessian-vector products of shape {products.shape}, expected (k, {n}, 3)")
        present |= CURVATURE
        parts.append(products.tobytes())
    return _RESULT_HEAD.pack(n, present) + struct.pack("<d", float(energy)) + b"".join(parts)


def encode_request(numbers, positions, cell, pbc, wanted: int, probes=None, step: float = 0.01) -> bytes:
    """The request payload (used by Python clients and tests); ``probes`` [k, n, 3] with the
    step h (Å) ask for Hessian-vector products."""
    numbers = np.asarray(numbers, dtype="<i4")
    n = len(numbers)
    if probes is not None:
        wanted |= CURVATURE
    payload = (_REQUEST_HEAD.pack(n, wanted, *(int(bool(p)) for p in pbc))
               + np.ascontiguousarray(cell, dtype="<f8").tobytes()
               + numbers.tobytes()
               + np.ascontiguousarray(positions, dtype="<f8").reshape(n, 3).tobytes())
    if probes is not None:
        probes = np.ascontiguousarray(probes, dtype="<f8").reshape(-1, n, 3)
        payload += struct.pack("<Id", len(probes), float(step)) + probes.tobytes()
    return payload
