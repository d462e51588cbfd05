"""The worker loop: load one ASE calculator, then answer requests until stdin closes.

Start-up order matters: the real stdout is duplicated for the protocol and fd 1 is pointed at
stderr *before* any teacher package is imported, so nothing a library prints can reach the
protocol stream.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import traceback

import numpy as np

from . import protocol

#: The file descriptor that carries protocol frames to the parent (set by ``main``). Test
#: teachers use it to simulate a worker that corrupts the stream.
PROTOCOL_FD: int | None = None


def _claim_stdout() -> int:
    """Duplicates fd 1 for the protocol and sends fd 1 and ``sys.stdout`` to stderr."""
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return fd


def _watch_parent(interval: float = 1.0) -> None:
    """Exits the process when the parent dies (this process is re-parented)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _log(message: str) -> None:
    print(f"[mlff_teacher {os.getpid()}] {message}", file=sys.stderr, flush=True)


def _set_threads(threads: int | None) -> None:
    if not threads:
        return
    for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(key, str(threads))
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def hessian_vector_products(calc, atoms, probes, step: float):
    """H v_p for each probe v_p [n, 3] by central differences of the calculator's forces:

        H v ≈ −(F(R + h v) − F(R − h v)) / (2h),   error O(h² ‖∂³E‖) + O(δF / h)

    (two force calls per probe), for any ASE calculator. ``atoms`` is left at R.

    Why h = 0.01 Å by default: the truncation error is h²/6 · ∂³E/∂v³ (≈ 10 eV/Å³ for bonded
    atoms, so ≈ 2e-4 eV/Å² at h = 0.01 Å) and the noise error is δF/h, with δF the teacher's force
    noise: ~1e-6 eV/Å for a float32 network, ~1e-5 eV/Å for an SCF converged to 1e-6 Eh. Their sum
    is smallest near h = (3 δF / ∂³E)^(1/3) ≈ 0.007–0.015 Å; a smaller h only amplifies noise, a
    larger one leaves the harmonic region (an interatomic 0.01 Å is 0.4 % of a Cu–Cu bond).
    Returns [k, n, 3] in eV/Å².
    """
    base = atoms.get_positions()
    products = np.empty_like(probes)
    try:
        for p, v in enumerate(probes):
            calc.reset()
            atoms.set_positions(base + step * v)
            plus = atoms.get_forces()
            calc.reset()
            atoms.set_positions(base - step * v)
            minus = atoms.get_forces()
            products[p] = -(plus - minus) / (2.0 * step)
    finally:
        calc.reset()
        atoms.set_positions(base)
    return products


def compute(calc, numbers, positions, cell, pbc, wanted: int, curvature=None) -> bytes:
    """Evaluates one structure with ``calc`` and returns the result payload; ``curvature``
    (probes [k, n, 3], step h in Å) adds the Hessian-vector products."""
    from ase import Atoms

    atoms = Atoms(numbers=numbers, positions=positions, cell=cell, pbc=pbc)
    calc.reset()  # each structure on its own: results never depend on the previous request
    atoms.calc = calc
    energy = atoms.get_potential_energy()
    forces = atoms.get_forces() if wanted & protocol.FORCES else None
    stress = None
    if wanted & protocol.STRESS and all(pbc):
        stress = atoms.get_stress(voigt=True)
    products = None
    if curvature is not None:
        forces = None if forces is None else np.array(forces)
        stress = None if stress is None else np.array(stress)
        products = hessian_vector_products(calc, atoms, *curvature)
    return protocol.encode_result(len(numbers), energy, forces, stress, products)


def serve(model: str, device: str | None, threads: int | None) -> int:
    """Runs the worker: hello (or a start-up error), then one result per request."""
    global PROTOCOL_FD
    out = _claim_stdout()
    PROTOCOL_FD = out
    _watch_parent()
    _set_threads(threads)

    from . import teachers

    try:
        loaded = teachers.load(model, device)
    except teachers.TeacherUnavailable as error:
        protocol.write_frame(out, protocol.STARTUP_ERROR, str(error).encode())
        return 3
    except BaseException as error:  # noqa: BLE001 - any failure to load is reported, not raised
        traceback.print_exc()
        message = f"the teacher '{model}' failed to load: {type(error).__name__}: {error}"
        protocol.write_frame(out, protocol.STARTUP_ERROR, message.encode())
        return 3
    _set_threads(threads)
    protocol.write_frame(out, protocol.HELLO, protocol.encode_hello(
        model, loaded.package, loaded.version, loaded.elements))
    _log(f"ready: {model} ({loaded.package} {loaded.version})")

    while True:
        try:
            frame = protocol.read_frame(0)
        except protocol.ProtocolError as error:
            _log(f"stopping: the request stream is broken ({error})")
            return 4
        if frame is None:
            return 0
        kind, payload = frame
        if kind != protocol.REQUEST:
            _log(f"stopping: unexpected frame kind {kind} on the request stream")
            return 4
        numbers, positions, cell, pbc, wanted = protocol.decode_request(payload)
        try:
            curvature = protocol.decode_curvature_request(payload) if wanted & protocol.CURVATURE else None
            reply = (protocol.RESULT, compute(loaded.calculator, numbers, positions, cell, pbc, wanted, curvature))
        except Exception as error:  # noqa: BLE001 - the calculator's failure goes back as a reply
            traceback.print_exc()
            reply = (protocol.ERROR, f"{type(error).__name__}: {error}".encode())
        try:
            protocol.write_frame(out, *reply)
        except (BrokenPipeError, OSError):
            return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mlff_teacher",
        description="Serve an ASE calculator over the MLFF Distiller teacher protocol on stdin/stdout.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve_parser = sub.add_parser("serve", help="load a teacher and answer requests")
    serve_parser.add_argument("--model", required=True,
                              help="emt, lj, chgnet, sevennet-0, orb-v2, mace-mp-0, mace-off, gfn2-xtb, gfn1-xtb, or module:function")
    serve_parser.add_argument("--device", default=None, help="cpu or cuda (default: the teacher's choice)")
    serve_parser.add_argument("--threads", type=int, default=None, help="CPU threads for the teacher")
    sub.add_parser("list", help="print the named teachers")
    sub.add_parser("conformers", add_help=False,
                   help="3D conformers of SMILES (RDKit ETKDG + MMFF); see mlff_teacher/conformers.py")
    if argv[:1] == ["conformers"]:
        from . import conformers
        return conformers.main(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "list":
        from . import teachers
        for name in teachers.NAMED:
            print(name)
        return 0
    return serve(args.model, args.device, args.threads)
