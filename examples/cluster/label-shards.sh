#!/usr/bin/env bash
# Label INPUT in N shards without a scheduler: JOBS shards at a time on this machine (or, with
# MLFF set to a wrapper such as "ssh node$K mlff", anywhere), then merge them.
#
#   examples/cluster/label-shards.sh INPUT N OUT [JOBS] [-- mlff label options]
#   examples/cluster/label-shards.sh candidates.xyz 8 shards 2 -- --teacher emt
#
# writes OUT/shard-K.h5 (K = 0 … N-1), each shard's log OUT/shard-K.log, and OUT/data.h5.
# It is the same as the Slurm array in label-array.slurm; the one-line form is
#   seq 0 $((N-1)) | xargs -P JOBS -I{} mlff label INPUT --shard {}/N -o OUT/shard-{}.h5 --teacher …
# A shard that stops (killed, or some structures failed: exit status 3) keeps its journal:
# run this again and every shard continues where it stopped; finished ones are skipped.
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 INPUT N OUT [JOBS] [-- mlff label options]" >&2
  exit 2
fi
input=$1 n=$2 out=$3
shift 3
jobs=$n
if [ $# -gt 0 ] && [ "$1" != "--" ]; then jobs=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; fi
extra=("$@")
mlff=${MLFF:-mlff}
mkdir -p "$out"

label_shard() { # K
  "$mlff" label "$input" --shard "$1/$n" -o "$out/shard-$1.h5" --quiet "${extra[@]}" >"$out/shard-$1.log" 2>&1
}

failed=()
shards=()
pids=()
for ((k = 0; k < n; k++)); do
  # At most $jobs at once: wait for the oldest before starting another.
  if ((${#pids[@]} >= jobs)); then
    wait "${pids[0]}" || failed+=("${shards[0]}")
    pids=("${pids[@]:1}")
    shards=("${shards[@]:1}")
  fi
  label_shard "$k" &
  pids+=($!)
  shards+=("$k")
done
for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed+=("${shards[$i]}"); done

if ((${#failed[@]})); then
  for k in "${failed[@]}"; do echo "shard $k/$n did not finish; see $out/shard-$k.log" >&2; done
  echo "run the same command again: each shard continues from its journal" >&2
  exit 1
fi
"$mlff" merge "$out"/shard-*.h5 -o "$out/data.h5"
