#!/usr/bin/env bash
# walg-basebackup.sh: the WAL-G base backups that make the archived WAL restorable (point-in-time
# recovery). Runs as a sidecar of every Patroni member; only the current primary takes a backup,
# when the last one it took is older than BASEBACKUP_INTERVAL_SECONDS. A member that becomes
# primary after a failover has no recent marker, so it takes one at once (its timeline starts
# there). It never deletes: the Patroni pods' object-storage key has no delete permission, and
# pruning old base backups is the walg-retention CronJob's job (walg-retention.sh).
#
# Environment: PGDATA PATRONI_API [PATRONI_API_CAFILE] BASEBACKUP_INTERVAL_SECONDS
# BASEBACKUP_MARKER (on the member's volume, outside PGDATA) HEARTBEAT_FILE, [BASEBACKUP_CHECK_SECONDS],
# plus WAL-G's own (WALG_S3_PREFIX, AWS_*) and libpq's (PGHOST, PGUSER).
# `--once`: one round, then exit with its status (for tests).
set -Eeuo pipefail

log() { printf '%s walg-basebackup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

for var in PGDATA PATRONI_API BASEBACKUP_INTERVAL_SECONDS BASEBACKUP_MARKER HEARTBEAT_FILE; do
  if [[ -z "${!var:-}" ]]; then
    log "${var} is not set"
    exit 2
  fi
done

# Patroni answers 200 on /primary only on the leader. Over HTTPS (PATRONI_API_CAFILE set) the
# certificate must come from that CA; its names are the Services', not 127.0.0.1.
is_primary() {
  python3 -c '
import ssl, sys, urllib.request
context = None
if sys.argv[2]:
    context = ssl.create_default_context(cafile=sys.argv[2])
    context.check_hostname = False
try:
    sys.exit(0 if urllib.request.urlopen(sys.argv[1] + "/primary", timeout=5, context=context).status == 200 else 1)
except Exception:
    sys.exit(1)
' "${PATRONI_API}" "${PATRONI_API_CAFILE:-}"
}

backup_due() {
  [[ ! -f "${BASEBACKUP_MARKER}" ]] && return 0
  (($(date +%s) - $(stat -c %Y "${BASEBACKUP_MARKER}") >= BASEBACKUP_INTERVAL_SECONDS))
}

round() {
  touch "${HEARTBEAT_FILE}"
  is_primary || return 0
  backup_due || return 0
  log "this member is the primary and its last base backup is due: wal-g backup-push ${PGDATA}"
  local started=${SECONDS}
  if ! wal-g backup-push "${PGDATA}"; then
    log "base backup failed; the next round retries (older base backups are kept)"
    return 1
  fi
  touch "${BASEBACKUP_MARKER}"
  log "base backup done in $((SECONDS - started)) s"
}

if [[ "${1:-}" == --once ]]; then
  round
  exit $?
fi
while true; do
  round || true
  sleep "${BASEBACKUP_CHECK_SECONDS:-60}"
done
