#!/usr/bin/env bash
# pg-restore-check.sh: proves the newest backup restores (CronJob pg-restore-check).
#
#   1. finds the newest complete backup (dump + checksum) under S3_PREFIX/postgres/;
#   2. downloads it and verifies the checksum;
#   3. restores it into a throwaway PostgreSQL started in SCRATCH_DIR (initdb into the emptyDir,
#      unix socket only: no TCP listener, nothing outside the pod can connect);
#   4. sanity queries: RESTORE_REQUIRED_TABLES exist, RESTORE_NONEMPTY_TABLES have rows, and the
#      backup is younger than RESTORE_MAX_AGE_HOURS.
# Any failure exits non-zero with the reason; it never writes to or deletes from the bucket.
#
# Environment: S3_ENDPOINT S3_REGION S3_BUCKET S3_PREFIX [S3_ADDRESSING_STYLE] AWS_ACCESS_KEY_ID
# AWS_SECRET_ACCESS_KEY, PGDATABASE (whose backups), POSTGRES_MAJOR, SCRATCH_DIR,
# RESTORE_MAX_AGE_HOURS, RESTORE_REQUIRED_TABLES, RESTORE_NONEMPTY_TABLES (space-separated).
set -Eeuo pipefail
OPS_TASK=pg-restore-check
# shellcheck source=ops-lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/ops-lib.sh"

require_env S3_ENDPOINT S3_REGION S3_BUCKET S3_PREFIX AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY \
  PGDATABASE POSTGRES_MAJOR SCRATCH_DIR RESTORE_MAX_AGE_HOURS RESTORE_REQUIRED_TABLES
require_uint POSTGRES_MAJOR RESTORE_MAX_AGE_HOURS
read -r -a required <<<"${RESTORE_REQUIRED_TABLES}"
read -r -a nonempty <<<"${RESTORE_NONEMPTY_TABLES:-}"
for table in "${required[@]}" "${nonempty[@]}"; do
  [[ "${table}" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "${EXIT_PERMANENT}" "\"${table}\" is not a lower-case table name"
done
export TMPDIR="${SCRATCH_DIR}"
umask 077
require_client_major pg_restore >/dev/null
require_client_major postgres >/dev/null

readonly BASE="${S3_PREFIX}/postgres/${PGDATABASE}"
readonly WORK="${SCRATCH_DIR}/restore-check"
rm -rf "${WORK}"
mkdir -p "${WORK}"

# --- 1. the newest complete backup --------------------------------------------------------------
keys=$(s3_list "${BASE}-") || die "${EXIT_RETRY}" "cannot list s3://${S3_BUCKET}/${BASE}-*"
newest=''
while IFS= read -r key; do
  rest=${key#"${BASE}-"}
  [[ "${rest}" =~ ^([0-9]{8}T[0-9]{6}Z)\.dump\.sha256$ ]] || continue
  stamp=${BASH_REMATCH[1]}
  grep -qxF "${BASE}-${stamp}.dump" <<<"${keys}" || continue
  if [[ "${stamp}" > "${newest}" ]]; then newest=${stamp}; fi
done <<<"${keys}"
[[ -n "${newest}" ]] || die "${EXIT_PERMANENT}" "no complete backup (dump + .sha256) under s3://${S3_BUCKET}/${BASE}-"
age_hours=$((($(date -u +%s) - $(stamp_epoch "${newest}")) / 3600))
name="${PGDATABASE}-${newest}.dump"
log "newest complete backup: ${name} (${age_hours} h old)"

# --- 2. download and checksum -------------------------------------------------------------------
started=${SECONDS}
s3_get "${BASE}-${newest}.dump" "${WORK}/${name}" || die "${EXIT_RETRY}" "cannot download ${name}"
s3_get "${BASE}-${newest}.dump.sha256" "${WORK}/${name}.sha256" || die "${EXIT_RETRY}" "cannot download ${name}.sha256"
download_seconds=$((SECONDS - started))
(cd "${WORK}" && sha256sum --check --status "${name}.sha256") ||
  die "${EXIT_PERMANENT}" "checksum mismatch: ${name} is not the file that was backed up (corrupt or truncated)"
size=$(stat -c %s "${WORK}/${name}")
pg_restore --list "${WORK}/${name}" >"${WORK}/toc" 2>"${WORK}/toc.err" ||
  die "${EXIT_PERMANENT}" "pg_restore cannot read ${name}: $(head -c 300 "${WORK}/toc.err")"

# --- 3. a throwaway PostgreSQL in the pod --------------------------------------------------------
pgdata="${WORK}/pgdata"
socket="${WORK}/socket"
mkdir -m 0700 "${socket}"
# Only this process's own socket exists; no variable may point psql anywhere else.
unset PGHOST PGHOSTADDR PGPORT PGSERVICE PGSERVICEFILE PGPASSWORD PGPASSFILE PGSSLMODE PGOPTIONS
initdb --pgdata="${pgdata}" --username=restore_check --auth=trust --encoding=UTF8 --locale=C \
  --no-sync >"${WORK}/initdb.log" 2>&1 || {
  cat "${WORK}/initdb.log" >&2
  die "${EXIT_PERMANENT}" "initdb failed"
}
stop_postgres() {
  pg_ctl --pgdata="${pgdata}" --mode=immediate stop >/dev/null 2>&1 || true
}
trap stop_postgres EXIT
# Durability is pointless for a database deleted in a minute: fsync off makes the restore fast.
pg_ctl --pgdata="${pgdata}" --log="${WORK}/postgres.log" --wait --timeout=120 \
  --options="-c listen_addresses='' -c unix_socket_directories='${socket}' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off -c max_wal_size=4GB" \
  start >/dev/null || {
  cat "${WORK}/postgres.log" >&2
  die "${EXIT_PERMANENT}" "the throwaway PostgreSQL did not start"
}
export PGHOST="${socket}" PGUSER=restore_check PGDATABASE=restored
createdb --maintenance-db=postgres restored

# --- 4. restore and sanity queries --------------------------------------------------------------
started=${SECONDS}
pg_restore --dbname=restored --no-owner --no-privileges --exit-on-error "${WORK}/${name}" 2>"${WORK}/restore.err" || {
  tail -n 20 "${WORK}/restore.err" >&2
  die "${EXIT_PERMANENT}" "${name} did not restore"
}
restore_seconds=$((SECONDS - started))

sql() {
  psql --no-psqlrc --no-align --tuples-only --quiet --set=ON_ERROR_STOP=1 --command="$1"
}
failures=()
for table in "${required[@]}" "${nonempty[@]}"; do
  [[ "$(sql "SELECT to_regclass('public.${table}') IS NOT NULL")" == t ]] || failures+=("table ${table} is missing")
done
summary=()
for table in "${nonempty[@]}"; do
  [[ "$(sql "SELECT to_regclass('public.${table}') IS NOT NULL")" == t ]] || continue
  rows=$(sql "SELECT count(*) FROM public.${table}")
  summary+=("${table}=${rows}")
  ((rows > 0)) || failures+=("table ${table} is empty")
done
if [[ "$(sql "SELECT to_regclass('public.alembic_version') IS NOT NULL")" == t ]]; then
  summary+=("revision=$(sql 'SELECT string_agg(version_num, $$,$$) FROM public.alembic_version')")
fi
database_size=$(sql "SELECT pg_size_pretty(pg_database_size('restored'))")
((age_hours <= RESTORE_MAX_AGE_HOURS)) ||
  failures+=("the newest backup is ${age_hours} h old, more than ${RESTORE_MAX_AGE_HOURS} h: are the backups failing?")

log "restored ${name} (${size} bytes -> ${database_size}): download ${download_seconds} s, restore ${restore_seconds} s; ${summary[*]}"
if ((${#failures[@]} > 0)); then
  for f in "${failures[@]}"; do log "FAILED: ${f}"; done
  die "${EXIT_PERMANENT}" "restore check of ${name} failed (${#failures[@]} problem(s))"
fi
log "restore check passed"
