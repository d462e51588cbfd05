"""`mlff serve` as an i-PI driver, checked against the programs that speak the protocol.

ASE's SocketIOCalculator (over a UNIX socket and over TCP, for a molecule and a triclinic
crystal) must get the energy, forces and stress `mlff predict` writes for the same frames; i-PI
itself must run NVE with `mlff serve` as its driver and conserve energy; a server that goes
away mid-message, a wrong atom count and other bad input must end the driver with a message
naming what was wrong and a non-zero status. Every subprocess and socket has a timeout.
"""

import contextlib
import itertools
import os
import shutil
import socket
import struct
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("ase")
from ase.build import bulk, molecule  # noqa: E402
from ase.calculators.socketio import SocketIOCalculator  # noqa: E402
from ase.io import read, write  # noqa: E402

MLFF = os.environ.get("MLFF_BIN")
pytestmark = pytest.mark.skipif(not MLFF or not os.path.exists(MLFF), reason="MLFF_BIN not set to a built mlff")

TIMEOUT = 60  # seconds any one subprocess or socket may take before the test fails
_names = itertools.count()


def socket_name():
    """A UNIX socket name no other test (or test run) uses; the socket is /tmp/ipi_<name>."""
    return f"mlfftest-{os.getpid()}-{next(_names)}"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("serve") / "student.safetensors"
    subprocess.run([MLFF, "model", "new", "--preset", "tiny", "--elements", "H,C,O,Cu", "--seed", "3",
                    "-o", str(path)], check=True, capture_output=True, timeout=TIMEOUT)
    return path


def ethanol():
    atoms = molecule("CH3CH2OH")
    atoms.rattle(0.05, seed=2)
    return atoms


def triclinic_copper():
    """8 Cu atoms in a sheared primitive fcc supercell: no lattice vector along an axis."""
    atoms = bulk("Cu", "fcc", a=3.61).repeat((2, 2, 2))
    shear = np.array([[1.0, 0.04, -0.03], [0.02, 1.01, 0.05], [-0.04, 0.03, 0.98]])
    atoms.set_cell(atoms.cell.array @ shear, scale_atoms=True)
    atoms.rattle(0.05, seed=3)
    return atoms


@contextlib.contextmanager
def serve(model, template, address, *extra):
    """`mlff serve` running in the background; killed if it is still running at the end."""
    proc = subprocess.Popen([MLFF, "serve", "--model", str(model), "--structure", str(template), *address,
                             "--wait", "20", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=TIMEOUT)


def finish(proc):
    """Exit status and standard error of a driver that should be ending now."""
    _, err = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, err


def predict(model, frames, tmp_path, precision):
    inp, out = tmp_path / "frames.xyz", tmp_path / "predicted.xyz"
    write(inp, frames)
    subprocess.run([MLFF, "predict", str(inp), "--model", str(model), "--precision", precision, "-o", str(out),
                    "--quiet"], check=True, capture_output=True, timeout=TIMEOUT)
    return read(out, ":")


def relative(a, b):
    return np.abs(np.asarray(a) - np.asarray(b)).max() / max(np.abs(np.asarray(b)).max(), 1e-12)


@pytest.mark.parametrize("transport", ["unix", "tcp"])
@pytest.mark.parametrize("system", ["molecule", "crystal"])
@pytest.mark.parametrize("precision", ["double", "float"])
def test_ase_socket_calculator_matches_predict(model, tmp_path, transport, system, precision):
    atoms = ethanol() if system == "molecule" else triclinic_copper()
    template = tmp_path / "template.xyz"
    write(template, atoms)
    if transport == "unix":
        name = socket_name()
        server, address = dict(unixsocket=name), ["--unix", name]
    else:
        port = free_port()
        server, address = dict(port=port), ["--host", "127.0.0.1", "--port", str(port)]

    frames, results = [], []
    with SocketIOCalculator(timeout=TIMEOUT, **server) as calc:
        with serve(model, template, address, "--precision", precision) as proc:
            atoms.calc = calc
            for step in range(3):
                atoms.positions += np.random.default_rng(step).normal(0, 0.03, atoms.positions.shape)
                if system == "crystal":
                    atoms.set_cell(atoms.cell.array * (1 + 0.01 * step), scale_atoms=True)
                frame = atoms.copy()
                frames.append(frame)
                results.append((atoms.get_potential_energy(), atoms.get_forces().copy(),
                                atoms.get_stress().copy() if system == "crystal" else None))
            calc.close()  # ASE closes without EXIT: the driver sees the end of the stream
            status, err = finish(proc)
    assert status == 0, err
    assert "connecting to" in err and ("served 3 requests" in err), err
    assert f"{len(atoms)} atoms" in err, err

    expected = predict(model, frames, tmp_path, precision)
    for (energy, forces, stress), ref in zip(results, expected):
        assert energy == pytest.approx(ref.get_potential_energy(), rel=1e-6)
        assert relative(forces, ref.get_forces()) < 1e-6
        if stress is not None:
            assert relative(stress, ref.get_stress()) < 1e-6
    assert len({round(r[0], 8) for r in results}) == 3  # the frames differ, so the check has teeth


def ipi_input(name, structure, steps, timestep_fs):
    return f"""<simulation verbosity='low' safe_stride='100000'>
  <output prefix='sim'>
    <properties stride='1' filename='out'> [ step, conserved{{electronvolt}}, kinetic_md{{electronvolt}}, potential{{electronvolt}} ] </properties>
  </output>
  <total_steps> {steps} </total_steps>
  <prng><seed> 31415 </seed></prng>
  <ffsocket name='mlff' mode='unix'>
    <address> {name} </address>
  </ffsocket>
  <system>
    <initialize nbeads='1'>
      <file mode='ase'> {structure} </file>
      <velocities mode='thermal' units='kelvin'> 300 </velocities>
    </initialize>
    <forces><force forcefield='mlff'/></forces>
    <ensemble><temperature units='kelvin'> 300 </temperature></ensemble>
    <motion mode='dynamics'>
      <dynamics mode='nve'>
        <timestep units='femtosecond'> {timestep_fs} </timestep>
      </dynamics>
    </motion>
  </system>
</simulation>
"""


def test_ipi_runs_nve_with_mlff_serve_and_conserves_energy(model, tmp_path):
    ipi = shutil.which("i-pi", path=os.path.dirname(sys.executable)) or shutil.which("i-pi")
    if ipi is None:
        pytest.skip("i-PI is not installed (pip install ipi)")
    atoms = triclinic_copper()
    write(tmp_path / "init.xyz", atoms)
    name = socket_name()
    steps = 30
    (tmp_path / "input.xml").write_text(ipi_input(name, "init.xyz", steps, 1.0))
    server = subprocess.Popen([ipi, "input.xml"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        with serve(model, tmp_path / "init.xyz", ["--unix", name], "--precision", "double") as proc:
            status, err = finish(proc)
        log, _ = server.communicate(timeout=TIMEOUT)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate(timeout=TIMEOUT)
    assert status == 0, err + log
    assert "the server sent EXIT" in err and f"served {steps + 1} requests" in err, err
    assert server.returncode == 0, log

    step, conserved, kinetic, potential = np.loadtxt(tmp_path / "sim.out", unpack=True)
    assert len(step) == steps + 1
    # Energy flows between kinetic and potential, while their sum stays put.
    assert kinetic.std() > 0.02, kinetic
    drift = np.abs(conserved - conserved[0]).max()
    assert drift < 0.01 * kinetic.std(), (drift, kinetic.std())
    # i-PI's conserved quantity is K + U up to a constant (printed to 8 digits).
    assert np.ptp(potential + kinetic - conserved) < 1e-5


def test_atom_count_that_disagrees_with_the_template(model, tmp_path):
    template = tmp_path / "ethanol.xyz"
    write(template, ethanol())
    name = socket_name()
    wrong = molecule("H2O")
    with SocketIOCalculator(unixsocket=name, timeout=TIMEOUT) as calc:
        with serve(model, template, ["--unix", name]) as proc:
            wrong.calc = calc
            with pytest.raises(Exception):
                wrong.get_potential_energy()
            status, err = finish(proc)
    assert status == 1
    assert "the server sent 3 atoms but the template structure has 9" in err, err
    assert "--structure" in err


@contextlib.contextmanager
def raw_server(name):
    """A bare UNIX-socket server at /tmp/ipi_<name> that the test drives byte by byte."""
    path = "/tmp/ipi_" + name
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    listener.settimeout(TIMEOUT)
    try:
        yield listener
    finally:
        listener.close()
        os.unlink(path)


def header(text):
    return text.encode("ascii").ljust(12)


def posdata(atoms):
    bohr = 0.5291772105638411
    h = atoms.cell.array.T / bohr
    return (header("POSDATA") + h.tobytes() + np.linalg.pinv(h).tobytes() + struct.pack("<i", len(atoms))
            + (atoms.positions / bohr).tobytes())


def test_server_that_disconnects_mid_message(model, tmp_path):
    atoms = ethanol()
    write(tmp_path / "t.xyz", atoms)
    name = socket_name()
    with raw_server(name) as listener:
        with serve(model, tmp_path / "t.xyz", ["--unix", name]) as proc:
            conn, _ = listener.accept()
            conn.settimeout(TIMEOUT)
            conn.sendall(header("STATUS"))
            assert conn.recv(12) == header("READY")
            message = posdata(atoms)
            conn.sendall(message[:200])
            conn.close()
            status, err = finish(proc)
    assert status == 1
    assert f"closed the connection in the middle of POSDATA message 1 (200 of {len(message)} bytes arrived)" in err, err


def test_nan_positions(model, tmp_path):
    atoms = ethanol()
    write(tmp_path / "t.xyz", atoms)
    atoms.positions[4, 1] = np.nan
    name = socket_name()
    with raw_server(name) as listener:
        with serve(model, tmp_path / "t.xyz", ["--unix", name]) as proc:
            conn, _ = listener.accept()
            conn.settimeout(TIMEOUT)
            conn.sendall(posdata(atoms) + header("GETFORCE"))
            status, err = finish(proc)
            conn.close()
    assert status == 1
    assert "non-finite position (NaN or infinity) for atom 4" in err, err


def test_exit_message_ends_cleanly(model, tmp_path):
    atoms = ethanol()
    write(tmp_path / "t.xyz", atoms)
    name = socket_name()
    with raw_server(name) as listener:
        with serve(model, tmp_path / "t.xyz", ["--unix", name]) as proc:
            conn, _ = listener.accept()
            conn.settimeout(TIMEOUT)
            conn.sendall(posdata(atoms) + header("GETFORCE"))
            assert conn.recv(12, socket.MSG_WAITALL) == header("FORCEREADY")
            energy, natoms = struct.unpack("<di", conn.recv(12, socket.MSG_WAITALL))
            assert natoms == len(atoms) and np.isfinite(energy)
            conn.recv(24 * natoms + 72 + 4, socket.MSG_WAITALL)
            conn.recv(1, socket.MSG_WAITALL)
            conn.sendall(header("EXIT"))
            status, err = finish(proc)
            conn.close()
    assert status == 0, err
    assert "the server sent EXIT; served 1 request" in err, err


def test_unknown_element_is_refused_before_connecting(model, tmp_path):
    atoms = molecule("CH3CH2OH")
    atoms.numbers[0] = 92
    write(tmp_path / "u.xyz", atoms)
    out = subprocess.run([MLFF, "serve", "--model", str(model), "--structure", str(tmp_path / "u.xyz"),
                          "--unix", socket_name(), "--wait", "0"], capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 1
    assert "contains U" in out.stderr and "u.xyz" in out.stderr, out.stderr


def test_truncated_model_file(model, tmp_path):
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(model.read_bytes()[:5000])
    write(tmp_path / "t.xyz", ethanol())
    out = subprocess.run([MLFF, "serve", "--model", str(broken), "--structure", str(tmp_path / "t.xyz"),
                          "--unix", socket_name(), "--wait", "0"], capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode != 0
    assert "broken.safetensors" in out.stderr, out.stderr


def test_no_server_listening(model, tmp_path):
    write(tmp_path / "t.xyz", ethanol())
    name = socket_name()
    out = subprocess.run([MLFF, "serve", "--model", str(model), "--structure", str(tmp_path / "t.xyz"),
                          "--unix", name, "--wait", "0.3"], capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 1
    assert f"cannot connect to UNIX socket /tmp/ipi_{name} after waiting 0.3 s" in out.stderr, out.stderr
    assert "start the server first" in out.stderr


def test_address_is_required(model, tmp_path):
    write(tmp_path / "t.xyz", ethanol())
    out = subprocess.run([MLFF, "serve", "--model", str(model), "--structure", str(tmp_path / "t.xyz")],
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 64
    assert "--unix NAME" in out.stderr and "--port PORT" in out.stderr, out.stderr
