"""The teacher worker spoken to directly over its pipes (docs/teacher-protocol.md)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from ase.calculators.emt import EMT

from mlff_teacher import protocol

HERE = Path(__file__).resolve().parent


def start(model):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE / "teachers"), str(HERE.parent)]))
    return subprocess.Popen([sys.executable, "-m", "mlff_teacher", "serve", "--model", model],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def ask(worker, atoms, wanted=protocol.ENERGY | protocol.FORCES | protocol.STRESS):
    payload = protocol.encode_request(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc, wanted)
    protocol.write_frame(worker.stdin.fileno(), protocol.REQUEST, payload)
    return protocol.read_frame(worker.stdout.fileno())


def decode_result(payload, n):
    _, present = np.frombuffer(payload, "<u4", 2)
    values = np.frombuffer(payload, "<f8", offset=8)
    energy, rest = values[0], values[1:]
    forces = rest[:3 * n].reshape(n, 3) if present & protocol.FORCES else None
    stress = rest[3 * n:] if present & protocol.STRESS else None
    return energy, forces, stress


def structures():
    rng = np.random.default_rng(0)
    out = []
    for k, element in enumerate(["Cu", "Ni", "Au", "Cu"]):
        atoms = bulk(element, "fcc", a=3.6 + 0.2 * k, cubic=True)
        atoms.rattle(0.1, seed=k)
        atoms.set_chemical_symbols(rng.choice(["Cu", "Ni", "Au"], len(atoms)))
        out.append(atoms)
    out.append(Atoms("Cu2Ni", positions=[[0, 0, 0], [2.5, 0.1, 0], [1.2, 2.2, 0.3]]))
    return out


def test_emt_over_the_protocol_equals_emt_in_process_bit_for_bit():
    worker = start("emt")
    try:
        kind, hello = protocol.read_frame(worker.stdout.fileno())
        assert kind == protocol.HELLO
        hello = json.loads(hello)
        assert hello["teacher"] == "emt" and hello["package"] == "ase" and 29 in hello["elements"]
        for atoms in structures():
            kind, payload = ask(worker, atoms)
            assert kind == protocol.RESULT
            energy, forces, stress = decode_result(payload, len(atoms))
            reference = atoms.copy()
            reference.calc = EMT()
            assert energy == reference.get_potential_energy()
            assert np.array_equal(forces, reference.get_forces())
            if all(atoms.pbc):
                assert np.array_equal(stress, reference.get_stress(voigt=True))
            else:
                assert stress is None
    finally:
        worker.stdin.close()
        assert worker.wait(timeout=10) == 0


def test_a_raising_teacher_replies_with_an_error_and_stays_alive():
    worker = start("faulty_teachers:raising")
    try:
        assert protocol.read_frame(worker.stdout.fileno())[0] == protocol.HELLO
        three = Atoms("Cu3", positions=[[0, 0, 0], [2.5, 0, 0], [0, 2.5, 0]])
        kind, message = ask(worker, three)
        assert kind == protocol.ERROR and b"deliberate failure" in message
        kind, _ = ask(worker, Atoms("Cu2", positions=[[0, 0, 0], [2.5, 0, 0]]))
        assert kind == protocol.RESULT
    finally:
        worker.kill()


def test_prints_on_stdout_go_to_stderr():
    worker = start("faulty_teachers:noisy")
    try:
        assert protocol.read_frame(worker.stdout.fileno())[0] == protocol.HELLO
        kind, _ = ask(worker, Atoms("Cu2", positions=[[0, 0, 0], [2.5, 0, 0]]))
        assert kind == protocol.RESULT
    finally:
        worker.stdin.close()
        worker.wait(timeout=10)
    assert b"noise from print()" in worker.stderr.read()


def test_worker_exits_on_end_of_input_and_on_a_broken_stream():
    worker = start("emt")
    protocol.read_frame(worker.stdout.fileno())
    worker.stdin.write(b"garbage that is not a frame....")
    worker.stdin.close()
    assert worker.wait(timeout=10) == 4
    assert b"broken" in worker.stderr.read()


@pytest.mark.parametrize("name, hint", [("orb-v2", "./python[orb]"), ("mace-mp-0", "./python[mace]")])
def test_a_missing_teacher_package_says_what_to_install(name, hint):
    module = {"orb-v2": "orb_models", "mace-mp-0": "mace"}[name]
    try:
        __import__(module)
        pytest.skip(f"{module} is installed here")
    except ImportError:
        pass
    worker = start(name)
    kind, message = protocol.read_frame(worker.stdout.fileno())
    assert kind == protocol.STARTUP_ERROR
    assert hint in message.decode()
    assert worker.wait(timeout=10) == 3
