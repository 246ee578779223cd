#!/usr/bin/env bash
# pg-restore-check.sh: proves the newest backup restores (CronJob pg-restore-check).
#
#   1. finds the newest complete backup (encrypted dump + checksum + signature) under
#      S3_PREFIX/pg-dump/, with a read-only access key;
#   2. downloads it, verifies the checksum's signature against RESTORE_VERIFY_KEY_FILE (only
#      pg-backup holds the signing key), that the checksum names this file, and the checksum;
#      then decrypts it with RESTORE_AGE_IDENTITY_FILE;
#   3. restores it into a throwaway PostgreSQL started in SCRATCH_DIR (initdb into the emptyDir,
#      unix socket only: no TCP listener, nothing outside the pod can connect), as RESTORE_ROLE,
#      the application's owner role without superuser rights (as the runbook restores), so SQL in
#      the dump that needs a superuser fails the check instead of running;
#   4. sanity queries: RESTORE_REQUIRED_TABLES exist, RESTORE_NONEMPTY_TABLES have rows, and the
#      backup is younger than RESTORE_MAX_AGE_HOURS.
# Any failure exits non-zero with the reason; it never writes to or deletes from the bucket.
#
# Environment: S3_ENDPOINT S3_REGION S3_BUCKET S3_PREFIX [S3_ADDRESSING_STYLE], AWS_ACCESS_KEY_ID
# AWS_SECRET_ACCESS_KEY or a web identity (see ops-lib.sh), PGDATABASE (whose backups), POSTGRES_MAJOR, SCRATCH_DIR,
# RESTORE_MAX_AGE_HOURS, RESTORE_REQUIRED_TABLES, RESTORE_NONEMPTY_TABLES (space-separated),
# RESTORE_ROLE, RESTORE_AGE_IDENTITY_FILE RESTORE_VERIFY_KEY_FILE BACKUP_SIGNATURE_NAMESPACE.
set -Eeuo pipefail
OPS_TASK=pg-restore-check
# shellcheck source=ops-lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/ops-lib.sh"

require_env S3_ENDPOINT S3_REGION S3_BUCKET S3_PREFIX \
  PGDATABASE POSTGRES_MAJOR SCRATCH_DIR RESTORE_MAX_AGE_HOURS RESTORE_REQUIRED_TABLES RESTORE_ROLE \
  RESTORE_AGE_IDENTITY_FILE RESTORE_VERIFY_KEY_FILE BACKUP_SIGNATURE_NAMESPACE
require_uint POSTGRES_MAJOR RESTORE_MAX_AGE_HOURS
require_s3_credentials
[[ "${RESTORE_ROLE}" =~ ^[a-z_][a-z0-9_]{0,62}$ && "${RESTORE_ROLE}" != restore_check ]] ||
  die "${EXIT_PERMANENT}" "RESTORE_ROLE \"${RESTORE_ROLE}\" must be a lower-case role name other than restore_check"
read -r -a required <<<"${RESTORE_REQUIRED_TABLES}"
read -r -a nonempty <<<"${RESTORE_NONEMPTY_TABLES:-}"
for table in "${required[@]}" "${nonempty[@]}"; do
  [[ "${table}" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "${EXIT_PERMANENT}" "\"${table}\" is not a lower-case table name"
done
export TMPDIR="${SCRATCH_DIR}"
umask 077
require_client_major pg_restore >/dev/null
require_client_major postgres >/dev/null
require_backup_tools
require_key_file RESTORE_AGE_IDENTITY_FILE '^AGE-SECRET-KEY-1[0-9A-Z]{58}$' 'an age identity ("AGE-SECRET-KEY-1...")'
require_key_file RESTORE_VERIFY_KEY_FILE '^ssh-ed25519 [A-Za-z0-9+/=]+( .*)?$' 'an OpenSSH Ed25519 public key ("ssh-ed25519 AAAA...")'

readonly BASE="${S3_PREFIX}/${DUMP_FOLDER}/${PGDATABASE}"
readonly WORK="${SCRATCH_DIR}/restore-check"
rm -rf "${WORK}"
mkdir -p "${WORK}"

# --- 1. the newest complete backup --------------------------------------------------------------
keys=$(s3_list "${BASE}-") || die "${EXIT_RETRY}" "cannot list s3://${S3_BUCKET}/${BASE}-*"
newest=''
while IFS= read -r key; do
  rest=${key#"${BASE}-"}
  [[ "${rest}" =~ ^([0-9]{8}T[0-9]{6}Z)\.dump\.age\.sha256\.sig$ ]] || continue
  stamp=${BASH_REMATCH[1]}
  grep -qxF "${BASE}-${stamp}.dump.age" <<<"${keys}" || continue
  grep -qxF "${BASE}-${stamp}.dump.age.sha256" <<<"${keys}" || continue
  if [[ "${stamp}" > "${newest}" ]]; then newest=${stamp}; fi
done <<<"${keys}"
[[ -n "${newest}" ]] || die "${EXIT_PERMANENT}" "no complete backup (.dump.age + .sha256 + .sig) under s3://${S3_BUCKET}/${BASE}-"
age_hours=$((($(date -u +%s) - $(stamp_epoch "${newest}")) / 3600))
name="${PGDATABASE}-${newest}.dump.age"
log "newest complete backup: ${name} (${age_hours} h old)"

# --- 2. download, signature, checksum, decryption -------------------------------------------------
started=${SECONDS}
s3_get "${BASE}-${newest}.dump.age" "${WORK}/${name}" || die "${EXIT_RETRY}" "cannot download ${name}"
s3_get "${BASE}-${newest}.dump.age.sha256" "${WORK}/${name}.sha256" || die "${EXIT_RETRY}" "cannot download ${name}.sha256"
s3_get "${BASE}-${newest}.dump.age.sha256.sig" "${WORK}/${name}.sha256.sig" || die "${EXIT_RETRY}" "cannot download ${name}.sha256.sig"
download_seconds=$((SECONDS - started))
verify_backup "${WORK}" "${name}" "${RESTORE_VERIFY_KEY_FILE}" "${BACKUP_SIGNATURE_NAMESPACE}"
size=$(stat -c %s "${WORK}/${name}")
dump="${WORK}/${name%.age}"
age --decrypt --identity="${RESTORE_AGE_IDENTITY_FILE}" --output="${dump}" "${WORK}/${name}" 2>"${WORK}/age.err" || {
  head -c 300 "${WORK}/age.err" >&2
  die "${EXIT_PERMANENT}" "age cannot decrypt ${name} with RESTORE_AGE_IDENTITY_FILE (another key pair than pg-backup's recipient?)"
}
rm -f "${WORK}/${name}"
pg_restore --list "${dump}" >"${WORK}/toc" 2>"${WORK}/toc.err" ||
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
export PGHOST="${socket}" PGUSER=restore_check PGDATABASE=postgres
# The application's owner role, as in the real cluster: no superuser, no CREATEROLE, no CREATEDB.
psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 \
  --command="CREATE ROLE \"${RESTORE_ROLE}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS" >/dev/null
createdb --owner="${RESTORE_ROLE}" restored
export PGUSER="${RESTORE_ROLE}" PGDATABASE=restored

# --- 4. restore (as the owner role) and sanity queries --------------------------------------------
started=${SECONDS}
pg_restore --dbname=restored --no-owner --no-privileges --exit-on-error "${dump}" 2>"${WORK}/restore.err" || {
  tail -n 20 "${WORK}/restore.err" >&2
  die "${EXIT_PERMANENT}" "${name} did not restore as the owner role ${RESTORE_ROLE} (no superuser): a dump that needs one is refused"
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
