#!/usr/bin/env bash
# npm run check:fresh: fails when the committed dist/ or the generated README sections differ from
# what the code produces now (a stale dist/ is a bug). Used by .ci/run and the GitHub workflow.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent synth
npm run --silent docs >/dev/null
if [ -n "$(git status --porcelain -- dist README.md)" ]; then
  echo "dist/ or README.md is stale: run 'npm run synth && npm run docs' and commit the result." >&2
  git status --porcelain -- dist README.md >&2
  git --no-pager diff --stat -- dist README.md >&2
  exit 1
fi
echo "dist/ and README.md are in sync with the code"
