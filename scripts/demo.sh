#!/usr/bin/env bash
# The README's main command: medanon's main job on the bundled sample.
# De-identifies samples/dicom (synthetic CT and report of "SAMPLE^JANE") with
# samples/recipe.toml, shows that no identifying value is left, then restores
# the originals with the key.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p medanon-cli
bin=target/release/medanon
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" keygen --out "$work/project.key" 2>/dev/null
echo "== medanon anonymize samples/dicom (recipe: samples/recipe.toml)"
"$bin" anonymize samples/dicom "$work/out" --key "$work/project.key" --recipe samples/recipe.toml
(cd "$work/out" && find . -type f | sort)

first=$(find "$work/out" -name '*.dcm' | sort | head -1)
echo; echo "== medanon inspect (a de-identified file)"
"$bin" inspect "$first" --key "$work/project.key" | sed -n '1,16p'

echo; echo "== identifying values left in the output (none expected)"
leaks=0
for value in SAMPLE Jane JANE 19800229 MRN-998877 ACC20240315 "General Hospital" "Jane Doe" Springfield "1.2.826.0.1.3680043.10.999"; do
  if grep -rlaF --include='*.dcm' -e "$value" "$work/out" >/dev/null; then
    echo "LEAK: $value"; leaks=1
  fi
done
[ "$leaks" = 0 ] && echo "none of the sample's names, IDs, dates, institution or UIDs"

echo; echo "== medanon reidentify (with the key)"
"$bin" reidentify "$work/out" "$work/restored" --key "$work/project.key"
restored=$(find "$work/restored" -name '*.dcm' | sort | head -1)
"$bin" inspect "$restored" --key "$work/project.key" | sed -n '1,4p'
[ "$leaks" = 0 ]
