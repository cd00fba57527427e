#!/usr/bin/env bash
# Brain extraction speed and memory on one core: the 1 mm test head (and
# any NIfTI files given as arguments), with peak resident memory.
#   scripts/bench-bet.sh [MORE.nii.gz ...]
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${MEDANON_SHARED:-../shared}"
cargo build --release -q -p medanon-benches --example bet_run
cargo build --release -q -p medanon-cli
files=("$shared/testdata/nifti/head_t1_mean_1mm.nii.gz" "$@")
for f in "${files[@]}"; do
  [ -f "$f" ] || { echo "SKIPPED: $f not found"; continue; }
  echo "== $f"
  # One core: the measure the goal is set in.
  taskset -c 0 target/release/examples/bet_run "$f"
  out=$(mktemp -d)
  /usr/bin/time -f "medanon skull-strip: %e s wall, peak RSS %M KiB" \
    taskset -c 0 target/release/medanon skull-strip "$f" "$out/brain.nii.gz" 2>&1 | tail -2
  rm -rf "$out"
done
