#!/usr/bin/env bash
# Benchmark (not a test): `medanon anonymize` on a synthetic tree of N DICOM
# files (default 2000) beside `cp -r` of the same tree, and peak memory at N
# and 2N files (it must not grow with the number of files).
#
#   scripts/bench-anonymize.sh [N] [JOBS]
#
# Needs ../shared/testdata/dicom (the source of the synthetic files).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
JOBS=${2:-$(nproc)}
SOURCE=${MEDANON_SHARED_TESTDATA:-../shared/testdata}/dicom
[ -d "$SOURCE" ] || { echo "bench needs $SOURCE" >&2; exit 1; }

cargo build --quiet --release -p medanon-cli
cargo build --quiet --release -p medanon-benches --example make_tree
BIN=target/release/medanon
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medanon-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

"$BIN" keygen --out "$WORK/bench.key" 2>/dev/null
make_tree() { # count dir
  target/release/examples/make_tree "$SOURCE/pydicom" "$2" "$1"
}
make_tree "$N" "$WORK/tree"
make_tree $((2 * N)) "$WORK/tree2"
BYTES=$(du -sb "$WORK/tree" | cut -f1)
FILES=$(find "$WORK/tree" -type f | wc -l)
# Warm the page cache so that both commands read from memory.
cat $(find "$WORK/tree" "$WORK/tree2" -type f) > /dev/null

# One timed run of "$@" after "$reset" and a sync: "seconds peak_kib".
timed() {
  local reset=$1; shift
  eval "$reset"
  sync
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" > /dev/null 2>&1
  cat "$WORK/time"
}

# Runs alternate (cp, anonymize, anonymize 2N, cp, ...) so that every
# command meets the same file system state (ext4 slows down inode allocation
# after many deletions); the median of 5 runs of each is reported.
: > "$WORK/cp.runs"; : > "$WORK/an.runs"; : > "$WORK/an2.runs"
for _ in 1 2 3 4 5; do
  timed "rm -rf '$WORK/cp'" cp -r "$WORK/tree" "$WORK/cp" >> "$WORK/cp.runs"
  timed "rm -rf '$WORK/out'" "$BIN" anonymize "$WORK/tree" "$WORK/out" --key "$WORK/bench.key" --jobs "$JOBS" --quiet >> "$WORK/an.runs"
  timed "rm -rf '$WORK/out2'" "$BIN" anonymize "$WORK/tree2" "$WORK/out2" --key "$WORK/bench.key" --jobs "$JOBS" --quiet >> "$WORK/an2.runs"
done
median() { sort -n "$1" | sed -n 3p; }
read -r CP_S CP_KIB < <(median "$WORK/cp.runs")
read -r AN_S AN_KIB < <(median "$WORK/an.runs")
read -r AN2_S AN2_KIB < <(median "$WORK/an2.runs")
OUT_FILES=$(find "$WORK/out" -name '*.dcm' | wc -l)

awk -v f="$FILES" -v b="$BYTES" -v cs="$CP_S" -v as="$AN_S" -v ck="$CP_KIB" -v ak="$AN_KIB" \
    -v a2s="$AN2_S" -v a2k="$AN2_KIB" -v of="$OUT_FILES" -v jobs="$JOBS" 'BEGIN {
  mb = b / 1e6
  printf "tree: %d files, %.1f MB (%d written by anonymize), %d jobs\n", f, mb, of, jobs
  printf "%-26s %9s %10s %9s %12s\n", "command", "seconds", "files/s", "MB/s", "peak RSS MB"
  printf "%-26s %9.3f %10.0f %9.1f %12.1f\n", "cp -r", cs, f / cs, mb / cs, ck / 1024
  printf "%-26s %9.3f %10.0f %9.1f %12.1f\n", "medanon anonymize", as, f / as, mb / as, ak / 1024
  printf "%-26s %9.3f %10.0f %9.1f %12.1f\n", "medanon anonymize (2N)", a2s, 2 * f / a2s, 2 * mb / a2s, a2k / 1024
  printf "anonymize / cp throughput: %.2f (goal >= 0.5)\n", cs / as
}'
