#!/bin/sh
# The migration Job: wait until what superset_config.py connects to answers (an empty cluster
# starts Postgres and Redis after this Job), then `superset db upgrade` and `superset init`, both
# idempotent. The wait is bounded by WAIT_TIMEOUT_SECONDS, below the Job's activeDeadlineSeconds.
set -eu

here=$(dirname "$0")
superset=${SUPERSET_BIN:-superset}
log() { printf '%s superset-migrate: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

sh "$here/superset-wait.sh" reachable
log "superset db upgrade"
"$superset" db upgrade
log "superset init"
"$superset" init
log "done"
