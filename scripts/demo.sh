#!/usr/bin/env bash
# The README's main command: medanon's main job on the bundled sample.
# Today that is the crypto workflow (key file, encryption of originals and their
# restoration); DICOM anonymization joins it when it lands.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p medanon-cli
bin=target/release/medanon
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" keygen --out "$work/project.key"
printf '%-16s  %-8s  %s\n' "original" "scheme" "token (restored)"
while IFS= read -r value; do
  for scheme in fernet aes-gcm; do
    token=$(printf '%s' "$value" | "$bin" encrypt --key "$work/project.key" --scheme "$scheme" -)
    back=$(printf '%s' "$token" | "$bin" decrypt --key "$work/project.key" -)
    [ "$back" = "$value" ] || { echo "round trip failed for a sample value" >&2; exit 1; }
    printf '%-16s  %-8s  %.40s... (%s)\n' "$value" "$scheme" "$token" "$back"
  done
done < samples/identifiers.txt
echo "All sample values encrypted and restored exactly."
