#!/usr/bin/env python3
"""What curvature labels buy per teacher call: three students of the same size and training
budget, side by side.

    .venv/bin/python scripts/hessian_side_by_side.py --mlff .build/release/mlff \\
        --structures 60 --probes 2 --minutes 2 --out runs/hessian

1. Structures (`--system copper`, default): rattled and strained fcc Cu cells of 4 and 8
   atoms (ASE, seeded), teacher EMT; (`--system ethanol`): rotated and rattled copies of
   ethanol relaxed with GFN2-xTB, teacher gfn2-xtb (needs tblite). A pool of (1 + 2k)·N
   training structures, 20 validation and 40 test structures, all distinct.
2. Labels with `mlff label --teacher emt|gfn2-xtb`: the first N training structures with
   `--hessian-probes k` (energy, forces, stress and k Hessian-vector products: 1 + 2k teacher
   calls each); the whole pool of (1 + 2k)·N with energies and forces only (the same teacher
   calls); validation with energies and forces; test with `--hessian-probes k` so that every
   student's curvature error is measured on the same probes.
3. Trains, each for the same wall-clock budget with `mlff train --preset tiny`:
     EF(N)          energies + forces on the N structures (`--hessian-weight 0`),
     EFH(N, λ)      energies + forces + curvature on the same N structures, for each λ_H given,
     EF((1+2k)N)    energies + forces on the whole pool: the same number of teacher calls as EFH.
4. For each student: test force MAE, energy MAE, curvature (H v) RMSE and relative error, and
   the harmonic frequencies against the teacher's (`mlff frequencies`): Γ-point modes of a
   perfect 2×2×2 fcc supercell (copper), vibrations of relaxed ethanol (ethanol). Writes OUT/results.json and prints a Markdown table.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np


def make_copper(count, seed):
    from ase.build import bulk

    rng = np.random.default_rng(seed)
    repeats = [(1, 1, 1), (2, 1, 1)]
    out = []
    for k in range(count):
        atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(repeats[k % len(repeats)])
        strain = np.eye(3) + rng.uniform(-0.03, 0.03, size=(3, 3))
        atoms.set_cell(atoms.cell @ (0.5 * (strain + strain.T)), scale_atoms=True)
        atoms.positions += rng.normal(0, rng.uniform(0.03, 0.15), size=atoms.positions.shape)
        out.append(atoms)
    return out


def relaxed_ethanol():
    """Ethanol relaxed with GFN2-xTB (the teacher's own minimum, so its modes are real)."""
    from ase.build import molecule
    from ase.optimize import BFGS
    from mlff_teacher.teachers import xtb_calculator

    atoms = molecule("CH3CH2OH")
    atoms.calc = xtb_calculator()
    BFGS(atoms, logfile=None).run(fmax=1e-4, steps=500)
    atoms.calc = None
    return atoms


def make_ethanol(count, seed, relaxed):
    """Rotated copies of relaxed ethanol, rattled by σ drawn from 0.02–0.07 Å."""
    from scipy.spatial.transform import Rotation

    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        atoms = relaxed.copy()
        atoms.positions -= atoms.get_center_of_mass()
        atoms.positions = atoms.positions @ Rotation.random(random_state=int(rng.integers(1 << 31))).as_matrix().T
        atoms.positions += rng.normal(0, rng.uniform(0.02, 0.07), size=atoms.positions.shape)
        out.append(atoms)
    return out


def run(command, env, log, allowed=(0,)):
    """Runs a command; `allowed` exit statuses (label: 3, some labels rejected) go on."""
    start = time.time()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    with open(log, "a") as f:
        f.write("$ " + " ".join(command) + "\n" + result.stdout + result.stderr + "\n")
    if result.returncode not in allowed:
        sys.exit(f"failed ({result.returncode}): {' '.join(command)}\n{result.stdout}\n{result.stderr}")
    return result.stdout, time.time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mlff", default=".build/release/mlff")
    parser.add_argument("--out", default="runs/hessian")
    parser.add_argument("--structures", type=int, default=60, help="N, the curvature-labelled training structures")
    parser.add_argument("--probes", type=int, default=2, help="k, probes per structure")
    parser.add_argument("--weights", default="10,100", help="λ_H values of the curvature runs")
    parser.add_argument("--mode", default="finite-difference", choices=["finite-difference", "exact"])
    parser.add_argument("--minutes", type=float, default=2.0, help="training budget of each student")
    parser.add_argument("--epochs", type=int, default=0,
                        help="train every student for this many epochs instead of --minutes (same steps, not same time)")
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--system", default="copper", choices=["copper", "ethanol"],
                        help="copper: EMT Cu cells; ethanol: GFN2-xTB ethanol (needs tblite)")
    args = parser.parse_args()

    from ase.build import bulk
    from ase.io import write

    os.makedirs(args.out, exist_ok=True)
    log = os.path.join(args.out, "log.txt")
    env = dict(os.environ, MLFF_PYTHON=os.environ.get("MLFF_PYTHON", sys.executable))
    n, k = args.structures, args.probes
    teacher = "emt" if args.system == "copper" else "gfn2-xtb"
    if args.system == "copper":
        pool = make_copper((1 + 2 * k) * n + 60, args.seed)
        reference = bulk("Cu", "fcc", a=3.59, cubic=True).repeat((2, 2, 2))
    else:
        reference = relaxed_ethanol()
        pool = make_ethanol((1 + 2 * k) * n + 60, args.seed, reference)
    files = {}
    for name, frames in [("pool", pool[:(1 + 2 * k) * n]), ("same", pool[:n]),
                         ("validation", pool[(1 + 2 * k) * n:(1 + 2 * k) * n + 20]),
                         ("test", pool[(1 + 2 * k) * n + 20:])]:
        files[name] = os.path.join(args.out, f"{name}.xyz")
        write(files[name], frames, format="extxyz")
    data = {name: os.path.join(args.out, f"{name}.h5") for name in files}
    label = [args.mlff, "label", "--teacher", teacher, "--workers", "2", "--fresh", "--quiet"]
    curvature = ["--hessian-probes", str(k)]
    seconds = {}
    for name, extra in [("same", curvature), ("pool", []), ("validation", []), ("test", curvature)]:
        _, seconds[name] = run(label + [files[name], "-o", data[name], *extra], env, log, allowed=(0, 3))

    runs = [("EF(N)", data["same"], 0.0)]
    runs += [(f"EFH(N, λ={w:g})", data["same"], w) for w in map(float, args.weights.split(","))]
    runs.append((f"EF({1 + 2 * k}N)", data["pool"], 0.0))
    fcc = os.path.join(args.out, "frequency-structure.xyz")
    write(fcc, reference, format="extxyz")
    results = []
    for index, (name, train, weight) in enumerate(runs):
        folder = os.path.join(args.out, f"run{index}")
        out, _ = run([args.mlff, "train", train, "--validation", data["validation"], "--test", data["test"],
                      "-o", folder, "--fresh", "--preset", args.preset,
                      *(["--epochs", str(args.epochs)] if args.epochs else ["--max-time", f"{args.minutes * 60:g}s"]),
                      "--hessian-weight", f"{weight:g}", "--curvature-mode", args.mode, "--seed", str(args.seed),
                      "--quiet"], env, log)
        test = json.load(open(os.path.join(folder, "test_metrics.json")))
        hv = json.load(open(os.path.join(folder, "test_curvature.json")))
        history = [json.loads(line) for line in open(os.path.join(folder, "metrics.jsonl"))]
        freq_dir = os.path.join(folder, "frequencies")
        run([args.mlff, "frequencies", fcc, "--model", os.path.join(folder, "model.safetensors"), "--teacher", teacher,
             "-o", freq_dir], env, log)
        freq = json.load(open(os.path.join(freq_dir, "frequencies.json")))
        calls = (1 + 2 * k) * n
        results.append({
            "run": name, "train_structures": n if train == data["same"] else (1 + 2 * k) * n, "hessian_weight": weight,
            "teacher_calls": calls if (weight > 0 or train == data["pool"]) else n,
            "epochs": len(history),
            "test_force_mae_meV_per_A": test["force_mae_meV_per_A"],
            "test_energy_mae_meV_per_atom": test["energy_mae_meV_per_atom"],
            "test_hv_rmse_eV_per_A2": hv["hv_rmse_eV_per_A2"], "test_hv_relative_error": hv["hv_relative_error"],
            "teacher_hv_rms_eV_per_A2": hv["teacher_hv_rms_eV_per_A2"],
            "frequency_mae_per_cm": freq["meanAbsoluteErrorPerCm"], "frequency_max_error_per_cm": freq["maximumErrorPerCm"],
            "test_metrics": test,
        })
        print(f"{name}: done", file=sys.stderr)
    summary = {"system": args.system, "teacher": teacher, "structures": n, "probes": k, "minutes": args.minutes, "preset": args.preset, "mode": args.mode,
               "epochs_budget": args.epochs, "labelling_seconds": seconds, "runs": results}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(summary, f, indent=2)
    budget = f"{args.epochs} epochs" if args.epochs else f"{args.minutes:g} min"
    print(f"| {budget} each, {args.preset} | train structures | teacher calls | epochs | test force MAE (meV/Å) "
          "| test energy MAE (meV/atom) | test H v RMSE (eV/Å²) | H v relative error | frequency MAE (cm⁻¹) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['run']} | {r['train_structures']} | {r['teacher_calls']} | {r['epochs']} "
              f"| {r['test_force_mae_meV_per_A']:.1f} | {r['test_energy_mae_meV_per_atom']:.2f} "
              f"| {r['test_hv_rmse_eV_per_A2']:.3f} | {100 * r['test_hv_relative_error']:.1f} % "
              f"| {r['frequency_mae_per_cm']:.1f} |")


if __name__ == "__main__":
    main()
