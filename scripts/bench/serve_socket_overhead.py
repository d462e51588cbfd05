#!/usr/bin/env python
"""What the i-PI socket costs: ASE's SocketIOCalculator + `mlff serve` per call, against the
compute alone.

    scripts/bench/serve_socket_overhead.py [--mlff .build/release/mlff] [--preset small] [--calls 50]

For ethanol (9 atoms) and fcc Cu 7×7×7 (1,372 atoms, periodic) a random student of the preset is
written, `mlff serve` is started on a UNIX socket and TCP, and ASE asks it for energy and forces
`--calls` times, moving the atoms a little each time. The compute time is what `mlff serve`
itself measures inside `Potential.compute` (the same call `mlff predict` makes), printed on its
exit line; the per-call time is the wall time of `atoms.get_forces()` on the Python side. Both
are means over the same calls, the first (connecting, warming up) included. Prints one line per system and transport with both
and their ratio (per call / compute: 1 means the socket costs nothing).
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from ase.build import bulk, molecule
from ase.calculators.socketio import SocketIOCalculator
from ase.io import write


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_system(mlff, model, atoms, transport, calls, folder, threads):
    template = folder / "template.xyz"
    write(template, atoms)
    if transport == "unix":
        name = f"mlffbench-{os.getpid()}"
        server, address = dict(unixsocket=name), ["--unix", name]
    else:
        port = free_port()
        server, address = dict(port=port), ["--host", "127.0.0.1", "--port", str(port)]
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    rng = np.random.default_rng(0)
    times = []
    with SocketIOCalculator(timeout=600, **server) as calc:
        proc = subprocess.Popen([mlff, "serve", "--model", str(model), "--structure", str(template), *address],
                                stderr=subprocess.PIPE, text=True, env=env)
        atoms.calc = calc
        for _ in range(calls):
            atoms.positions += rng.normal(0, 0.002, atoms.positions.shape)
            start = time.perf_counter()
            atoms.get_forces()
            times.append(time.perf_counter() - start)
        calc.close()
        _, err = proc.communicate(timeout=600)
    found = re.search(r"served (\d+) requests .*mean ([0-9.e+-]+) ms per request computing", err)
    if proc.returncode != 0 or not found:
        raise SystemExit(f"mlff serve failed:\n{err}")
    compute_ms = float(found.group(2))
    per_call_ms = 1000 * statistics.mean(times)
    return per_call_ms, compute_ms


def main():
    root = Path(__file__).resolve().parents[2]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mlff", default=str(root / ".build/release/mlff"))
    parser.add_argument("--preset", default="small")
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    systems = [("ethanol", molecule("CH3CH2OH")), ("Cu 7x7x7", bulk("Cu", "fcc", a=3.61, cubic=True).repeat((7, 7, 7)))]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = folder / "student.safetensors"
        subprocess.run([args.mlff, "model", "new", "--preset", args.preset, "--elements", "H,C,O,Cu", "-o", str(model)],
                       check=True, capture_output=True)
        print(f"preset {args.preset}, {args.threads} thread(s), mean of {args.calls} calls")
        print(f"{'system':<10} {'atoms':>6} {'transport':>9} {'per call ms':>12} {'compute ms':>11} {'ratio':>7}")
        for label, atoms in systems:
            for transport in ["unix", "tcp"]:
                per_call, compute = time_system(args.mlff, model, atoms.copy(), transport, args.calls, folder,
                                                args.threads)
                print(f"{label:<10} {len(atoms):>6} {transport:>9} {per_call:>12.3f} {compute:>11.3f} "
                      f"{per_call / compute:>7.2f}")


if __name__ == "__main__":
    main()
