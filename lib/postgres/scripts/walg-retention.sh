#!/usr/bin/env bash
# walg-retention.sh: prunes the WAL-G archive (CronJob walg-retention): keeps the newest
# BASEBACKUP_RETAIN_FULL full base backups and the WAL they need, deletes the rest. It is the
# only WAL-G process with a key that may delete (the Patroni pods' key may list, get and put),
# so a compromised database pod cannot erase the archive. Needs no database and no encryption
# key: WAL-G decides from the listing and the backups' (unencrypted) sentinel files.
#
# Environment: BASEBACKUP_RETAIN_FULL, plus WAL-G's own (WALG_S3_PREFIX, AWS_*).
# Exit codes: 1 retry (WAL-G or the store failed), 3 permanent (bad configuration).
set -Eeuo pipefail

log() { printf '%s walg-retention: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

for var in BASEBACKUP_RETAIN_FULL WALG_S3_PREFIX AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; do
  if [[ -z "${!var:-}" ]]; then
    log "ERROR: ${var} is not set (see the CronJob's env)"
    exit 3
  fi
done
if ! [[ "${BASEBACKUP_RETAIN_FULL}" =~ ^[1-9][0-9]*$ ]]; then
  log "ERROR: BASEBACKUP_RETAIN_FULL must be a whole number of at least 1, not \"${BASEBACKUP_RETAIN_FULL}\""
  exit 3
fi

# Never prune an archive that holds no base backup yet: "retain FULL N" would have nothing to keep.
if ! listing=$(wal-g backup-list 2>&1); then
  log "ERROR: wal-g backup-list failed: ${listing:0:300}"
  exit 1
fi
full=$(grep -c '^base_' <<<"${listing}" || true)
if ((full == 0)); then
  log "no base backup under ${WALG_S3_PREFIX} yet: nothing pruned"
  exit 0
fi
log "${full} base backup(s) under ${WALG_S3_PREFIX}: keeping the newest ${BASEBACKUP_RETAIN_FULL} full ones and the WAL they need"
if ! wal-g delete retain FULL "${BASEBACKUP_RETAIN_FULL}" --confirm; then
  log "ERROR: wal-g delete retain FULL ${BASEBACKUP_RETAIN_FULL} failed; nothing else was tried"
  exit 1
fi
log "retention done"
