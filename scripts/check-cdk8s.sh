#!/usr/bin/env bash
# npm run check:cdk8s [-- <dir>]: runs `cdk8s synth` (cdk8s.yaml, main.ts) into a scratch folder
# and fails unless its manifests are byte for byte the ones in <dir> (default dist/), so the
# cdk8s CLI path and `npm run synth` cannot drift apart. Used by .ci/run after check:fresh.
set -euo pipefail
cd "$(dirname "$0")/.."
expected=${1:-dist}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Its output (warnings included) is shown only when it fails.
if ! CDK8S_CHECK_UPGRADE=false npx --no-install cdk8s synth --output "$scratch/out" >"$scratch/log" 2>&1; then
  cat "$scratch/log" >&2
  echo "cdk8s synth failed" >&2
  exit 1
fi
if ! diff -r -q "$expected" "$scratch/out" >"$scratch/report"; then
  echo "cdk8s synth and $expected/ differ:" >&2
  sed "s#$scratch/out#cdk8s synth output#g" "$scratch/report" >&2
  exit 1
fi
echo "cdk8s synth writes the same $(find "$expected" -type f | wc -l) files as $expected/"
