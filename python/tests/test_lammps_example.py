"""The student in LAMMPS through fix external (examples/lammps/).

Runs when LAMMPS and its Python module are installed (``scripts/bootstrap --lammps``): the
example itself for a few steps, then a sheared copper cell in LAMMPS whose energy, forces and
pressure tensor must be those MLFFCalculator gives for the same atoms (checking the virial's
sign, order and units), and a bad element that must stop the run with a message.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from deploy_support import make_model, require_library

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLE = REPOSITORY / "examples" / "lammps"


@pytest.fixture(scope="module")
def lammps():
    require_library()
    from mlff_distiller.lammps import import_lammps

    try:
        return import_lammps()
    except ImportError as error:
        pytest.skip(f"LAMMPS is not installed ({error})")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return make_model(tmp_path_factory.mktemp("model") / "cu.safetensors", elements="Cu,Au", seed=4)


def test_example_runs(lammps, model, tmp_path):
    out = subprocess.run(
        [sys.executable, str(EXAMPLE / "run.py"), "--model", str(model), "--elements", "Cu", "--steps", "3",
         str(EXAMPLE / "in.cu.lmp")], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Step Temp PotEng" in out.stdout and "Loop time" in out.stdout, out.stdout


SHEARED = """
units metal
atom_style atomic
boundary p p p
lattice fcc 3.61
region box prism 0 2 0 2 0 2 0.4 0.3 -0.2 units lattice
create_box 2 box
create_atoms 1 box
set type 1 type/fraction 2 0.25 7
mass 1 63.546
mass 2 196.97
displace_atoms all random 0.1 0.1 0.1 99 units box
fix mlff all external pf/callback 1 1
fix_modify mlff energy yes virial yes
thermo_style custom step pe press pxx pyy pzz pxy pxz pyz
"""


def new_lammps(lammps, script):
    lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none"])
    lmp.commands_string(script)
    return lmp


def test_energy_forces_and_pressure_equal_the_calculator(lammps, model):
    from mlff_distiller import MLFFCalculator
    from mlff_distiller.lammps import EV_PER_A3_IN_BAR, LAMMPSCallback

    lmp = new_lammps(lammps, SHEARED)
    callback = LAMMPSCallback(lmp, MLFFCalculator(model=model, precision="double"), ["Cu", "Au"])
    for steps in (0, 3):  # at rest (the pressure is the virial alone), then after a few steps of NVE
        if steps:
            lmp.commands_string("velocity all create 600 5 mom yes\nfix md all nve\nrun 3")
            lmp.command("run 0")  # thermo of the current positions
        else:
            lmp.command("run 0")
        callback.check()
        atoms = callback.atoms(lmp.get_natoms(), lmp.numpy.extract_atom("x", nelem=lmp.get_natoms()))
        assert set(atoms.numbers) == {29, 79} and atoms.cell.angles()[2] != 90
        atoms.calc = MLFFCalculator(model=model, precision="double")
        assert lmp.get_thermo("pe") == pytest.approx(atoms.get_potential_energy(), rel=1e-10)
        forces = lmp.numpy.extract_atom("f", nelem=len(atoms))
        np.testing.assert_allclose(forces, atoms.get_forces(), atol=1e-9)
        if not steps:
            sigma = atoms.get_stress() * EV_PER_A3_IN_BAR  # xx yy zz yz xz xy, bar
            pressure = [lmp.get_thermo(k) for k in ("pxx", "pyy", "pzz", "pyz", "pxz", "pxy")]
            # LAMMPS 2021 converts eV/Å³ to bar with 1.6021765e6 (CODATA 2018: 1.602176634e6).
            np.testing.assert_allclose(pressure, -sigma, rtol=1e-6, atol=1e-6 * np.abs(sigma).max())
            assert lmp.get_thermo("press") == pytest.approx(-sigma[:3].mean(), rel=1e-6)
    assert callback.calls >= 5
    lmp.close()


def test_an_unknown_element_stops_the_run(lammps, model):
    from mlff_distiller import MLFFCalculator
    from mlff_distiller.lammps import LAMMPSCallback

    lmp = new_lammps(lammps, SHEARED)
    callback = LAMMPSCallback(lmp, MLFFCalculator(model=model), ["Cu", "Ni"])
    lmp.command("fix md all nve")
    lmp.command("run 50")
    with pytest.raises(RuntimeError, match=r"stopped.*Ni"):
        callback.check()
    assert callback.calls < 5
    lmp.close()
