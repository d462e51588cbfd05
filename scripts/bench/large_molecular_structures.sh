#!/usr/bin/env bash
# A student trained on small molecules, run on 2,010-atom boxes of ethanol and water: time and
# peak memory (maximum resident set size, GNU time) of `mlff predict`, a short `mlff md`, and
# one epoch of `mlff train` on a set mixing the 9-24-atom molecules with the boxes, with and
# without an atom budget per batch. Figures in docs/benchmarks.md ("Large structures").
#
#   scripts/bench/large_molecular_structures.sh [SPLITS] [OUT]
#
# SPLITS (default runs/side-by-side-molecules): the folder of
# `scripts/train_schnetpack_side_by_side.py --system molecules`, with train/validation/test.xyz
# of the GFN2-xTB molecules and the student trained on them (mlff-run/model.safetensors).
# Needs .build/release/mlff and .venv (RDKit).
set -euo pipefail
cd "$(dirname "$0")/../.."
splits=${1:-runs/side-by-side-molecules} out=${2:-runs/large}
model=$splits/mlff-run/model.safetensors
mlff=${MLFF:-.build/release/mlff}
mkdir -p "$out"

peak() { # label command…: runs it under GNU time, prints wall time and peak RSS
  local label=$1; shift
  /usr/bin/time -v "$@" >"$out/$label.out" 2>"$out/$label.time" || { tail -20 "$out/$label.time"; exit 1; }
  printf '%-28s wall %8s  peak RSS %6.0f MB\n' "$label" \
    "$(grep 'Elapsed (wall' "$out/$label.time" | awk '{print $NF}')" \
    "$(grep 'Maximum resident' "$out/$label.time" | awk '{print $NF / 1024}')"
}

uptime
[ -f "$out/boxes.xyz" ] || .venv/bin/python scripts/make_molecular_box.py --out "$out/boxes.xyz" \
  --molecules ethanol:100,water:370 --copies 4 --seed 1

# Inference: the four boxes one at a time, and all four in one pass.
peak predict-1-per-pass "$mlff" predict "$out/boxes.xyz" --model "$model" -o "$out/boxes-predicted.xyz" --batch-size 1 --quiet
peak predict-4-per-pass "$mlff" predict "$out/boxes.xyz" --model "$model" -o "$out/boxes-predicted4.xyz" --batch-size 4 --quiet
# Dynamics: 20 NVE steps of 0.5 fs from 300 K on the first box.
peak md-20-steps "$mlff" md "$out/boxes.xyz" --model "$model" --steps 20 --every 10 --log-every 1 \
  --fresh --json -o "$out/md.xyz"

# Training on a mixed set: the training molecules plus the four boxes, labelled by the student
# itself (the labels do not matter for the cost of a step); validation and test on molecules.
cat "$splits/train.xyz" "$out/boxes-predicted.xyz" >"$out/mixed.xyz"
for run in "8" "8 2048" "128" "128 2048"; do
  set -- $run
  args=(--batch-size "$1"); name="train-batch$1"
  if [ $# -gt 1 ]; then args+=(--max-batch-atoms "$2"); name+="-max$2"; fi
  peak "$name" "$mlff" train "$out/mixed.xyz" -o "$out/$name" --fresh --preset small --epochs 1 \
    --validation "$splits/validation.xyz" --test "$splits/test.xyz" --threads 2 --seed 0 --stress-weight 0 --quiet "${args[@]}"
done
uptime
