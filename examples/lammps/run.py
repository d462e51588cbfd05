"""Runs a LAMMPS input with an MLFF student giving the forces (``fix external pf/callback``).

    python run.py --model student.safetensors --elements Cu --steps 100 in.cu.lmp

The input declares ``fix mlff all external pf/callback 1 1`` and
``fix_modify mlff energy yes virial yes`` and everything else but the ``run``; this script
attaches the student to the fix and runs ``--steps`` steps. One MPI rank (see docs/deploy.md).
Python needs both mlff_distiller (with ASE) and the lammps module: Debian's python3-lammps is
found from a virtual environment too.
"""
import argparse

from mlff_distiller import MLFFCalculator
from mlff_distiller.lammps import LAMMPSCallback, import_lammps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="LAMMPS input script (without the run command)")
    parser.add_argument("--model", required=True, nargs="+", help="student model file(s); several make a committee")
    parser.add_argument("--elements", required=True, nargs="+", help="element of LAMMPS atom type 1, 2, …")
    parser.add_argument("--steps", type=int, default=100, help="MD steps")
    parser.add_argument("--precision", default="float", choices=["float", "double"])
    parser.add_argument("--log", default="none", help="LAMMPS log file")
    args = parser.parse_args()

    lammps = import_lammps()
    lmp = lammps.lammps(cmdargs=["-log", args.log, "-echo", "none"])
    lmp.file(args.input)
    calculator = MLFFCalculator(model=args.model if len(args.model) > 1 else args.model[0], precision=args.precision)
    callback = LAMMPSCallback(lmp, calculator, args.elements, fix_id="mlff")
    lmp.command(f"run {args.steps}")
    callback.check()
    lmp.close()


if __name__ == "__main__":
    main()
