#!/usr/bin/env bash
# npm run check:fresh: fails when the committed dist/ or the generated sections of docs/ differ
# from what the code produces now (a stale dist/ is a bug). Used by .ci/run and the GitHub workflow.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent synth
npm run --silent docs >/dev/null
if [ -n "$(git status --porcelain -- dist docs)" ]; then
  echo "dist/ or docs/ is stale: run 'npm run synth && npm run docs' and commit the result." >&2
  git status --porcelain -- dist docs >&2
  git --no-pager diff --stat -- dist docs >&2
  exit 1
fi
echo "dist/ and docs/ are in sync with the code"
