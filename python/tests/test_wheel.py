"""The self-contained wheel (`make wheel`) in a fresh venv, with no Swift in sight.

Skipped unless dist/ holds a wheel (``make wheel`` builds one and runs this test). The wheel
is installed into a new venv; there, with MLFF_LIBRARY unset, mlff_distiller must load the
library it carries (not the repository's build), that library must need no Swift runtime
(ldd), and its numbers must equal those of the repository's library on the same model.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from deploy_support import make_model, require_library

REPOSITORY = Path(__file__).resolve().parents[2]
WHEELS = sorted((REPOSITORY / "dist").glob("mlff_distiller-*.whl"), key=lambda p: p.stat().st_mtime)

pytestmark = pytest.mark.skipif(not WHEELS, reason="no wheel in dist/ (make wheel builds one)")

CHECK = """
import json, os, subprocess, sys
import numpy as np
from ase.build import bulk, molecule
import mlff_distiller
from mlff_distiller import MLFFCalculator
lib = mlff_distiller.library().path
out = {"library": str(lib), "ldd": subprocess.run(["ldd", str(lib)], capture_output=True, text=True).stdout}
calc = MLFFCalculator(model=sys.argv[1], precision="double")
results = []
for atoms in (molecule("CH3CH2OH"), bulk("Cu", "fcc", a=3.6, cubic=True)):
    atoms.calc = calc
    r = {"energy": atoms.get_potential_energy(), "forces": atoms.get_forces().tolist()}
    if atoms.pbc.all():
        r["stress"] = atoms.get_stress().tolist()
    results.append(r)
out["results"] = results
print(json.dumps(out))
"""


def test_wheel_installs_and_runs_without_swift(tmp_path):
    require_library()
    model = make_model(tmp_path / "student.safetensors", elements="H,C,O,Cu")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(WHEELS[-1])],
                         capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("MLFF_LIBRARY", "PYTHONPATH", "LD_LIBRARY_PATH")}
    out = subprocess.run([str(venv / "bin" / "python"), "-c", CHECK, str(model)], capture_output=True, text=True,
                         env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["library"].startswith(str(venv)), report["library"]
    assert "swift" not in report["ldd"].lower(), report["ldd"]

    from ase.build import bulk, molecule
    from mlff_distiller import MLFFCalculator

    calc = MLFFCalculator(model=model, precision="double")
    for atoms, theirs in zip((molecule("CH3CH2OH"), bulk("Cu", "fcc", a=3.6, cubic=True)), report["results"]):
        atoms.calc = calc
        assert theirs["energy"] == pytest.approx(atoms.get_potential_energy(), rel=1e-12)
        np.testing.assert_allclose(theirs["forces"], atoms.get_forces(), atol=1e-10)
        if "stress" in theirs:
            np.testing.assert_allclose(theirs["stress"], atoms.get_stress(), atol=1e-12)
