"""MLFFCalculator driving ASE's optimisers, cell filter and molecular dynamics.

A random student (``mlff model new``) has genuine minima for small molecules and crystals near
their usual geometry; the checks below do not trust the optimisers' word for it: two different
optimisers must find the same minimum, the finite-difference Hessian there must have no
negative mode, and the relaxed cell's stress must be the finite strain derivative of the energy.
"""
import numpy as np
import pytest
from ase.build import bulk, molecule
from ase.filters import FrechetCellFilter
from ase.md.langevin import Langevin
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
from ase.md.verlet import VelocityVerlet
from ase.optimize import BFGS, FIRE
from ase import units

from deploy_support import make_model, require_library

pytestmark = pytest.mark.usefixtures("library")


@pytest.fixture(scope="module")
def library():
    return require_library()


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return make_model(tmp_path_factory.mktemp("model") / "student.safetensors", elements="H,C,O,Cu")


def calculator(model, precision="double"):
    from mlff_distiller import MLFFCalculator

    return MLFFCalculator(model=str(model), precision=precision)


def hessian(atoms, eps=1e-4):
    """Central finite differences of the forces, (3N, 3N), eV/Å²."""
    x0 = atoms.positions.copy()
    n = len(atoms)
    h = np.zeros((3 * n, 3 * n))
    for k in range(3 * n):
        for sign in (1, -1):
            x = x0.copy()
            x[k // 3, k % 3] += sign * eps
            atoms.positions = x
            h[k] -= sign * atoms.get_forces().reshape(-1) / (2 * eps)
    atoms.positions = x0
    return 0.5 * (h + h.T)


def test_bfgs_and_fire_find_the_same_minimum(model):
    minima = {}
    for optimizer in (BFGS, FIRE):
        atoms = molecule("H2O")
        atoms.calc = calculator(model)
        start = atoms.get_potential_energy()
        assert optimizer(atoms, logfile=None).run(fmax=0.005, steps=400), optimizer.__name__
        assert atoms.get_potential_energy() < start
        assert np.abs(atoms.get_forces()).max() < 0.005
        minima[optimizer.__name__] = atoms
    a, b = minima["BFGS"], minima["FIRE"]
    assert a.get_potential_energy() == pytest.approx(b.get_potential_energy(), abs=1e-4)
    np.testing.assert_allclose(a.get_all_distances(), b.get_all_distances(), atol=5e-3)
    # Bound (every atom within the cutoff of another) and a minimum: the Hessian's six smallest
    # eigenvalues are the rigid motions (near zero), the others positive.
    d = a.get_all_distances() + 99 * np.eye(len(a))
    assert d.min(axis=1).max() < a.calc.cutoff
    eigenvalues = np.linalg.eigvalsh(hessian(a))
    assert np.all(eigenvalues[:6] > -0.05), eigenvalues
    assert np.all(eigenvalues[6:] > 0.1), eigenvalues


def test_cell_filter_relaxes_a_crystal(model):
    from ase.calculators.fd import calculate_numerical_stress

    atoms = bulk("Cu", "fcc", a=3.61, cubic=True)
    atoms.rattle(0.02, seed=1)
    atoms.calc = calculator(model)
    np.testing.assert_allclose(atoms.get_stress(), calculate_numerical_stress(atoms, eps=1e-5), atol=1e-7)
    volume = atoms.get_volume()
    assert BFGS(FrechetCellFilter(atoms), logfile=None).run(fmax=0.01, steps=200)
    assert abs(atoms.get_volume() - volume) > 0.05 * volume  # it did move the cell
    stress = atoms.get_stress()
    assert np.abs(stress).max() < 2e-3  # eV/Å³
    np.testing.assert_allclose(stress, calculate_numerical_stress(atoms, eps=1e-5), atol=1e-7)


def test_velocity_verlet_conserves_energy(model):
    atoms = molecule("CH3CH2OH")
    atoms.calc = calculator(model)
    BFGS(atoms, logfile=None).run(fmax=0.05, steps=200)
    MaxwellBoltzmannDistribution(atoms, temperature_K=100, rng=np.random.default_rng(0))
    total = []
    dyn = VelocityVerlet(atoms, timestep=0.25 * units.fs)
    dyn.attach(lambda: total.append(atoms.get_total_energy()), interval=5)
    dyn.run(200)
    drift = max(total) - min(total)
    assert drift < 2e-3, f"total energy moved by {drift} eV over 50 fs"


def test_langevin_md_thermalises(model):
    atoms = bulk("Cu", "fcc", a=3.23, cubic=True) * (2, 2, 2)
    atoms.calc = calculator(model, precision="float")
    MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(1))
    dyn = Langevin(atoms, timestep=2 * units.fs, temperature_K=300, friction=0.05, rng=np.random.default_rng(2))
    temperatures = []
    dyn.attach(lambda: temperatures.append(atoms.get_temperature()), interval=10)
    dyn.run(100)
    assert np.all(np.isfinite(atoms.positions))
    assert 100 < np.mean(temperatures[3:]) < 600, temperatures
