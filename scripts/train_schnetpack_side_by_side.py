#!/usr/bin/env python3
"""`mlff train` and schnetpack's PaiNN trainer side by side, same data, size, loss and budget.

Run by hand (needs the benchmark environment, `make bench-setup`):

    .venv-bench/bin/python scripts/train_schnetpack_side_by_side.py \
        --mlff .build/release/mlff --minutes 5 --out runs/side-by-side
    .venv-bench/bin/python scripts/train_schnetpack_side_by_side.py --system molecules \
        --mlff .build/release/mlff --minutes 4 --out runs/side-by-side-molecules

1. `--system copper` (default): builds an EMT-labelled set of rattled and strained fcc Cu cells
   (4 to 32 atoms) with ASE. `--system molecules`: reads a GFN2-xTB-labelled set of rotated and
   rattled conformers of ethanol, paracetamol, aspirin and caffeine (9 to 24 atoms,
   non-periodic), made once by `scripts/make_molecule_set.py` with `--data-python` (a Python
   with RDKit and tblite, `scripts/bootstrap --teacher gfn2-xtb`) and cached in
   `--molecule-data`. Either set is split into train/validation/test extended XYZ files.
   Molecules have no stress: neither trainer has a stress term (mlff: `--stress-weight 0`).
2. Trains `mlff train --preset small` (F 64, 3 layers, 20 radial functions, 5 Å) for the
   wall-clock budget on 2 threads, then evaluates the best model on the test split.
3. Trains schnetpack's PaiNN of the same size (BesselRBF 20, cosine cutoff 5 Å, Atomwise
   F→F/2→1, forces by autograd) with schnetpack's AtomisticTask and PyTorch Lightning, on
   2 torch threads, AdamW, the same loss (MSE of energy per atom, weight 1; MSE of force
   components, weight 100) and batch size, for the same wall-clock budget; evaluates the
   last model on the same test split. Energy offsets: the mean energy per atom (copper), or
   per-element reference energies fitted by least squares to the training split (molecules,
   as `mlff train` fits its own).
4. Prints test force MAE (meV/Å), energy MAE (meV/atom) and training structures per second
   for both, with ratios.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import typing

import numpy as np


def make_copper(count, seed):
    from ase.build import bulk
    from ase.calculators.emt import EMT

    rng = np.random.default_rng(seed)
    repeats = [(1, 1, 1), (2, 1, 1), (2, 2, 1), (2, 2, 2)]
    out = []
    for k in range(count):
        atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(repeats[k % len(repeats)])
        strain = np.eye(3) + rng.uniform(-0.03, 0.03, size=(3, 3))
        atoms.set_cell(atoms.cell @ (0.5 * (strain + strain.T)), scale_atoms=True)
        atoms.positions += rng.normal(0, rng.uniform(0.03, 0.15), size=atoms.positions.shape)
        atoms.calc = EMT()
        atoms.info["energy"] = atoms.get_potential_energy()
        atoms.arrays["forces"] = atoms.get_forces()
        atoms.calc = None
        out.append(atoms)
    return out


def read_molecules(args):
    """The cached GFN2-xTB molecule set, made first when missing (with `--data-python`)."""
    from ase.io import read

    command = [args.data_python, os.path.join(os.path.dirname(__file__), "make_molecule_set.py"),
               "--out", args.molecule_data, "--per-molecule", str(args.structures // 4)]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, check=True)
    structures = read(args.molecule_data, index=":")
    for a in structures:  # ASE's reader may hand the labels over as a calculator's results
        if a.calc is not None:
            a.info["energy"] = a.calc.results.get("energy", a.info.get("energy"))
            if "forces" in a.calc.results:
                a.arrays["forces"] = a.calc.results["forces"]
            a.calc = None
    return structures


def reference_energies(structures):
    """Per-element μ_Z minimising Σ_s (E_s − Σ_Z n_sZ μ_Z)², eV, as {Z: μ_Z}."""
    elements = sorted({int(z) for a in structures for z in a.numbers})
    counts = np.array([[np.sum(a.numbers == z) for z in elements] for a in structures], dtype=float)
    energies = np.array([a.info["energy"] for a in structures])
    mu = np.linalg.lstsq(counts, energies, rcond=None)[0]
    return dict(zip(elements, mu))


def write_splits(structures, folder, seed):
    from ase.io import write

    rng = np.random.default_rng(seed)
    order = rng.permutation(len(structures))
    n_train = int(0.8 * len(order))
    n_val = int(0.1 * len(order))
    parts = {
        "train": order[:n_train],
        "validation": order[n_train:n_train + n_val],
        "test": order[n_train + n_val:],
    }
    paths = {}
    for name, idx in parts.items():
        paths[name] = os.path.join(folder, f"{name}.xyz")
        write(paths[name], [structures[i] for i in idx], format="extxyz")
    return paths, {k: [structures[i] for i in v] for k, v in parts.items()}


def run_mlff(args, paths, out):
    run = os.path.join(out, "mlff-run")
    if args.reuse_mlff:
        return mlff_figures(paths, run, wall=float("nan"))
    command = [
        args.mlff, "train", "--data", paths["train"], "--validation", paths["validation"],
        "--test", paths["test"], "--preset", "small", "-o", run,
        "--max-time", f"{args.minutes}m", "--batch-size", str(args.batch_size),
        "--lr", str(args.lr), "--energy-weight", "1", "--force-weight", "100",
        "--threads", "2", "--seed", "0", "--patience", "100000",
    ]
    if args.system == "molecules":
        command += ["--stress-weight", "0"]
    print("$", " ".join(command), flush=True)
    start = time.time()
    subprocess.run(command, check=True)
    return mlff_figures(paths, run, wall=time.time() - start)


def mlff_figures(paths, run, wall):
    metrics = [json.loads(line) for line in open(os.path.join(run, "metrics.jsonl"))]
    test = json.load(open(os.path.join(run, "test_metrics.json")))
    n_train = sum(1 for _ in read_xyz(paths["train"]))
    epochs = metrics[-1]["epoch"]
    # Steps × structures per step (the last epoch may stop part way at the time limit).
    seen = metrics[-1]["step"] * n_train / metrics[0]["step"]
    return {
        "force_mae": test["force_mae_meV_per_A"],
        "energy_mae": test["energy_mae_meV_per_atom"],
        "structures_per_second": seen / metrics[-1]["time"],
        "epochs": epochs,
        "wall": wall,
    }


def read_xyz(path):
    from ase.io import iread

    return iread(path, index=":")


def run_schnetpack(args, splits, out):
    import torch.utils.data.dataloader as dataloader

    # schnetpack 2.0.4 imports a name that newer torch no longer defines.
    if not hasattr(dataloader, "T_co"):
        dataloader.T_co = typing.TypeVar("T_co", covariant=True)
    import pytorch_lightning as pl
    import schnetpack as spk
    import schnetpack.transform as trn
    import torch

    torch.set_num_threads(2)
    torch.manual_seed(0)
    cutoff = 5.0
    folder = os.path.join(out, "schnetpack")
    os.makedirs(folder, exist_ok=True)
    db = os.path.join(folder, "data.db")
    if os.path.exists(db):
        os.remove(db)
    ordered = splits["train"] + splits["validation"] + splits["test"]
    atomrefs = None
    if args.system == "molecules":
        # Per-element reference energies from the training split, kept in the database where
        # schnetpack's offset transforms read them (the molecules differ in composition, so one
        # mean energy per atom would leave eV-sized offsets to learn).
        mu = reference_energies(splits["train"])
        atomrefs = {"energy": [float(mu.get(z, 0.0)) for z in range(100)]}
    dataset = spk.data.ASEAtomsData.create(
        db, distance_unit="Ang", property_unit_dict={"energy": "eV", "forces": "eV/Ang"}, atomrefs=atomrefs)
    dataset.add_systems(
        [{"energy": np.array([a.info["energy"]]), "forces": a.arrays["forces"]} for a in ordered],
        [a.copy() for a in ordered])
    n_train, n_val = len(splits["train"]), len(splits["validation"])
    split_file = os.path.join(folder, "split.npz")
    np.savez(split_file, train_idx=np.arange(n_train), val_idx=np.arange(n_train, n_train + n_val),
             test_idx=np.arange(n_train + n_val, len(ordered)))
    if atomrefs is not None:
        offsets = dict(remove_mean=False, remove_atomrefs=True)
        restore = dict(add_mean=False, add_atomrefs=True)
    else:
        offsets = dict(remove_mean=True, remove_atomrefs=False)
        restore = dict(add_mean=True, add_atomrefs=False)
    data = spk.data.AtomsDataModule(
        db, batch_size=args.batch_size, split_file=split_file, num_train=n_train, num_val=n_val,
        transforms=[
            # schnetpack's fastest CPU neighbour list (matscipy), as its docs recommend.
            trn.MatScipyNeighborList(cutoff=cutoff),
            trn.RemoveOffsets("energy", **offsets),
            trn.CastTo32(),
        ],
        num_workers=0, pin_memory=False)
    data.prepare_data()
    data.setup()

    class AtomCount(torch.nn.Module):
        """Passes the number of atoms per structure to the loss (an extra model output)."""

        model_outputs = ["atom_count"]

        def forward(self, inputs):
            inputs["atom_count"] = inputs["_n_atoms"]
            return inputs

    representation = spk.representation.PaiNN(
        n_atom_basis=64, n_interactions=3,
        radial_basis=spk.nn.BesselRBF(n_rbf=20, cutoff=cutoff),
        cutoff_fn=spk.nn.CosineCutoff(cutoff))
    model = spk.model.NeuralNetworkPotential(
        representation=representation,
        input_modules=[spk.atomistic.PairwiseDistances()],
        output_modules=[spk.atomistic.Atomwise(n_in=64, output_key="energy"),
                        spk.atomistic.Forces(energy_key="energy", force_key="forces"), AtomCount()],
        postprocessors=[trn.CastTo64(), trn.AddOffsets("energy", **restore)])

    class PerAtomEnergy(spk.task.ModelOutput):
        """MSE of the energy per atom, as `mlff train` uses."""

        def calculate_loss(self, pred, target):
            if self.loss_weight == 0:
                return 0.0
            n = pred["atom_count"].to(pred[self.name].dtype)
            return self.loss_weight * torch.mean(((pred[self.name] - target[self.name]) / n) ** 2)

    outputs = [
        PerAtomEnergy(name="energy", loss_fn=torch.nn.MSELoss(), loss_weight=1.0,
                      metrics={"MAE": __import__("torchmetrics").MeanAbsoluteError()}),
        spk.task.ModelOutput(name="forces", loss_fn=torch.nn.MSELoss(), loss_weight=100.0,
                             metrics={"MAE": __import__("torchmetrics").MeanAbsoluteError()}),
    ]
    task = spk.task.AtomisticTask(
        model=model, outputs=outputs, optimizer_cls=torch.optim.AdamW,
        optimizer_args={"lr": args.lr, "weight_decay": 0.01},
        scheduler_cls=torch.optim.lr_scheduler.ReduceLROnPlateau, scheduler_args={"factor": 0.5, "patience": 10},
        scheduler_monitor="val_loss")

    class Counter(pl.Callback):
        def __init__(self):
            self.structures = 0
            self.start = None

        def on_train_start(self, trainer, module):
            self.start = time.time()

        def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
            self.structures += int(batch["_n_atoms"].shape[0])

    counter = Counter()
    trainer = pl.Trainer(
        max_time={"minutes": args.minutes}, max_epochs=100000, accelerator="cpu", devices=1,
        callbacks=[counter], logger=False, enable_checkpointing=False, default_root_dir=folder,
        enable_progress_bar=False, enable_model_summary=False)
    start = time.time()
    trainer.fit(task, datamodule=data)
    fit_time = time.time() - start
    print(f"schnetpack: {trainer.current_epoch} epochs, {counter.structures} structures in {fit_time:.0f} s", flush=True)

    model.eval()
    model.do_postprocessing = True
    # References from the ASE structures (the loader's energies have the mean removed, and
    # the model writes its predictions into the batch dictionary).
    energy_errors, force_errors = [], []
    tests = iter(splits["test"])
    for batch in data.test_dataloader():
        counts = batch["_n_atoms"].tolist()
        result = model(batch)
        energies = result["energy"].detach().double().tolist()
        forces = result["forces"].detach().double().numpy()
        start = 0
        for n, e in zip(counts, energies):
            reference = next(tests)
            energy_errors.append(abs(e - reference.info["energy"]) / n)
            force_errors += np.abs(forces[start:start + n] - reference.arrays["forces"]).flatten().tolist()
            start += n
    return {
        "force_mae": 1000 * float(np.mean(force_errors)),
        "energy_mae": 1000 * float(np.mean(energy_errors)),
        "structures_per_second": counter.structures / fit_time,
        "epochs": trainer.current_epoch,
        "wall": fit_time,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--system", choices=["copper", "molecules"], default="copper")
    parser.add_argument("--molecule-data", default="runs/molecules/labelled.xyz",
                        help="cache of the GFN2-xTB molecule set (--system molecules)")
    parser.add_argument("--data-python", default=".venv/bin/python",
                        help="a Python with RDKit and tblite, to make the molecule set when it is not cached")
    parser.add_argument("--mlff", default=".build/release/mlff")
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--structures", type=int, default=400)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--out", default=None)
    parser.add_argument("--skip-schnetpack", action="store_true")
    parser.add_argument("--reuse-mlff", action="store_true",
                        help="read the mlff figures from an earlier run in --out instead of training again")
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="side-by-side-")
    os.makedirs(out, exist_ok=True)
    if args.system == "molecules":
        structures = read_molecules(args)
        kind = "GFN2-xTB molecules"
    else:
        structures = make_copper(args.structures, seed=0)
        kind = "EMT Cu cells"
    paths, splits = write_splits(structures, out, seed=0)
    sizes = sorted({len(a) for a in structures})
    print(f"data: {len(structures)} {kind} of {sizes} atoms; "
          f"{len(splits['train'])}/{len(splits['validation'])}/{len(splits['test'])} train/val/test; "
          f"budget {args.minutes} min each", flush=True)
    mine = run_mlff(args, paths, out)
    theirs = run_schnetpack(args, splits, out) if not args.skip_schnetpack else None
    print()
    print(f"{'':28}{'mlff':>12}{'schnetpack':>12}{'ratio':>8}")
    rows = [("test force MAE (meV/Å)", "force_mae", True), ("test energy MAE (meV/atom)", "energy_mae", True),
            ("training structures/s", "structures_per_second", False), ("epochs", "epochs", False)]
    for label, key, lower_is_better in rows:
        a = mine[key]
        b = theirs[key] if theirs else float("nan")
        ratio = (b / a if lower_is_better else a / b) if theirs and a and b else float("nan")
        print(f"{label:28}{a:12.2f}{b:12.2f}{ratio:8.2f}")
    print("(ratio > 1: mlff better)")
    json.dump({"mlff": mine, "schnetpack": theirs}, open(os.path.join(out, "side_by_side.json"), "w"), indent=2)


if __name__ == "__main__":
    sys.exit(main())
