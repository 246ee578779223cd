#!/usr/bin/env bash
# pg-backup.sh: logical backup of the Superset metadata database (CronJob pg-backup).
#
#   1. checks that pg_dump's major is the server's (postgres.majorVersion);
#   2. pg_dump -Fc from the Patroni primary (PGHOST/PGPORT, never PgBouncer) into SCRATCH_DIR;
#   3. pg_restore --list: the archive must be readable and hold table data;
#   4. encrypts it with age to BACKUP_AGE_RECIPIENT_FILE (a public key: this job cannot decrypt
#      what it wrote) and deletes the plain dump;
#   5. writes <name>.dump.age.sha256 and signs it with BACKUP_SIGNING_KEY_FILE (ssh-keygen -Y sign,
#      a key only this job holds), then uploads the encrypted dump, the checksum and the signature
#      (the signature is the commit marker: a dump without it is an incomplete backup);
#   6. prunes: backups older than BACKUP_RETENTION_DAYS go, the newest BACKUP_KEEP_LAST complete
#      ones always stay.
# Any failure exits non-zero before step 6, so a failed run never deletes an older backup.
#
# Environment: PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD, S3_ENDPOINT S3_REGION S3_BUCKET
# S3_PREFIX [S3_ADDRESSING_STYLE], AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY or a web identity
# (AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_STS_ENDPOINT, see ops-lib.sh), BACKUP_RETENTION_DAYS
# BACKUP_KEEP_LAST [BACKUP_LOCK_WAIT_TIMEOUT_SECONDS] POSTGRES_MAJOR SCRATCH_DIR,
# BACKUP_AGE_RECIPIENT_FILE BACKUP_SIGNING_KEY_FILE BACKUP_SIGNATURE_NAMESPACE.
# Objects: s3://$S3_BUCKET/$S3_PREFIX/pg-dump/$PGDATABASE-<UTC yyyymmddThhmmssZ>.dump.age[.sha256[.sig]]
set -Eeuo pipefail
OPS_TASK=pg-backup
# shellcheck source=ops-lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/ops-lib.sh"

require_env PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD S3_ENDPOINT S3_REGION S3_BUCKET S3_PREFIX \
  BACKUP_RETENTION_DAYS BACKUP_KEEP_LAST POSTGRES_MAJOR SCRATCH_DIR \
  BACKUP_AGE_RECIPIENT_FILE BACKUP_SIGNING_KEY_FILE BACKUP_SIGNATURE_NAMESPACE
require_uint BACKUP_RETENTION_DAYS BACKUP_KEEP_LAST POSTGRES_MAJOR
require_s3_credentials
((BACKUP_KEEP_LAST >= 1)) || die "${EXIT_PERMANENT}" "BACKUP_KEEP_LAST must be at least 1"
: "${BACKUP_LOCK_WAIT_TIMEOUT_SECONDS:=120}"
: "${PGCONNECT_TIMEOUT:=10}"
: "${PGAPPNAME:=pg-backup}"
export PGCONNECT_TIMEOUT PGAPPNAME
export TMPDIR="${SCRATCH_DIR}"
umask 077

readonly BASE="${S3_PREFIX}/${DUMP_FOLDER}/${PGDATABASE}"

# --- 1. versions and keys ------------------------------------------------------------------------
client_major=$(require_client_major pg_dump)
require_backup_tools
require_key_file BACKUP_AGE_RECIPIENT_FILE '^age1[0-9a-z]{58}$' 'an age recipient ("age1...")'
[[ -s "${BACKUP_SIGNING_KEY_FILE}" ]] || die "${EXIT_PERMANENT}" "BACKUP_SIGNING_KEY_FILE ${BACKUP_SIGNING_KEY_FILE} is missing or empty (Secret ops.backup.keysSecretName, key signing-key)"
server_num=$(psql --no-psqlrc --no-align --tuples-only --quiet --set=ON_ERROR_STOP=1 \
  --command='SHOW server_version_num') ||
  die "${EXIT_RETRY}" "cannot query ${PGHOST}:${PGPORT}/${PGDATABASE} as ${PGUSER}; nothing was uploaded or deleted"
[[ "${server_num}" =~ ^[0-9]+$ ]] || die "${EXIT_RETRY}" "unexpected server_version_num \"${server_num}\""
server_major=$((server_num / 10000))
if ((server_major > client_major)); then
  die "${EXIT_PERMANENT}" "the server is PostgreSQL ${server_major}, pg_dump is ${client_major}: set postgres.majorVersion to ${server_major} and use the matching ops image"
elif ((server_major < client_major)); then
  log "warning: the server is PostgreSQL ${server_major}, pg_dump ${client_major} (works, but postgres.majorVersion says ${POSTGRES_MAJOR})"
fi

# --- 2. dump ------------------------------------------------------------------------------------
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dump="${SCRATCH_DIR}/${PGDATABASE}-${stamp}.dump"
name="${PGDATABASE}-${stamp}.dump.age"
encrypted="${SCRATCH_DIR}/${name}"
signing_key="${SCRATCH_DIR}/signing-key"
trap 'rm -f "${dump}" "${dump}.toc" "${encrypted}" "${encrypted}.sha256" "${encrypted}.sha256.sig" "${signing_key}"' EXIT

log "dumping ${PGDATABASE} from ${PGHOST}:${PGPORT} (PostgreSQL ${server_major}, pg_dump ${client_major})"
started=${SECONDS}
pg_dump --format=custom --no-password --lock-wait-timeout="${BACKUP_LOCK_WAIT_TIMEOUT_SECONDS}s" \
  --file="${dump}" ||
  die "${EXIT_RETRY}" "pg_dump failed; nothing was uploaded or deleted"
dump_seconds=$((SECONDS - started))

# --- 3. the archive must be restorable-listable -------------------------------------------------
pg_restore --list "${dump}" >"${dump}.toc" 2>/dev/null ||
  die "${EXIT_RETRY}" "pg_restore cannot read the new archive (corrupt); nothing was uploaded or deleted"
tables=$(grep -c ' TABLE DATA ' "${dump}.toc" || true)
((tables > 0)) ||
  die "${EXIT_PERMANENT}" "the archive lists no table data: is ${PGDATABASE} the Superset database? nothing was uploaded or deleted"

# --- 4. encrypt ---------------------------------------------------------------------------------
age --encrypt --recipients-file="${BACKUP_AGE_RECIPIENT_FILE}" --output="${encrypted}" "${dump}" ||
  die "${EXIT_PERMANENT}" "age could not encrypt the dump to ${BACKUP_AGE_RECIPIENT_FILE}; nothing was uploaded or deleted"
rm -f "${dump}"
size=$(stat -c %s "${encrypted}")
((size <= S3_MAX_PUT_BYTES)) ||
  die "${EXIT_PERMANENT}" "the encrypted dump is ${size} bytes, above the 5 GiB a single PUT takes; nothing was uploaded or deleted"

# --- 5. checksum, signature and upload -----------------------------------------------------------
(cd "${SCRATCH_DIR}" && sha256sum "${name}" >"${name}.sha256")
checksum=$(sha256_of "${encrypted}")
# ssh-keygen refuses a key file others can read; the Secret volume's file is group-readable.
install -m 0600 "${BACKUP_SIGNING_KEY_FILE}" "${signing_key}"
ssh-keygen -q -Y sign -f "${signing_key}" -n "${BACKUP_SIGNATURE_NAMESPACE}" "${encrypted}.sha256" 2>"${SCRATCH_DIR}/sign.err" || {
  cat "${SCRATCH_DIR}/sign.err" >&2
  die "${EXIT_PERMANENT}" "ssh-keygen could not sign the checksum with ${BACKUP_SIGNING_KEY_FILE} (an OpenSSH private key?); nothing was uploaded or deleted"
}
rm -f "${signing_key}"
started=${SECONDS}
s3_put "${encrypted}" "${BASE}-${stamp}.dump.age" ||
  die "${EXIT_RETRY}" "upload of ${BASE}-${stamp}.dump.age failed; older backups are untouched"
s3_put "${encrypted}.sha256" "${BASE}-${stamp}.dump.age.sha256" ||
  die "${EXIT_RETRY}" "upload of the checksum failed (the dump without it counts as incomplete); older backups are untouched"
s3_put "${encrypted}.sha256.sig" "${BASE}-${stamp}.dump.age.sha256.sig" ||
  die "${EXIT_RETRY}" "upload of the signature failed (the dump without it counts as incomplete); older backups are untouched"
upload_seconds=$((SECONDS - started))
log "stored s3://${S3_BUCKET}/${BASE}-${stamp}.dump.age: ${size} bytes encrypted, ${tables} tables with data, sha256 ${checksum} (signed), dump ${dump_seconds} s, upload ${upload_seconds} s"

# --- 6. retention --------------------------------------------------------------------------------
# Timestamps of our objects: complete = dump, checksum and signature all present.
prune() {
  local key rest stamp keys
  local -A has_dump=() has_sum=() has_sig=()
  keys=$(s3_list "${BASE}-") || return 1
  while IFS= read -r key; do
    [[ -n "${key}" ]] || continue
    rest=${key#"${BASE}-"}
    [[ "${rest}" =~ ^([0-9]{8}T[0-9]{6}Z)\.dump\.age(\.sha256(\.sig)?)?$ ]] || continue
    if [[ -n "${BASH_REMATCH[3]}" ]]; then
      has_sig[${BASH_REMATCH[1]}]=1
    elif [[ -n "${BASH_REMATCH[2]}" ]]; then
      has_sum[${BASH_REMATCH[1]}]=1
    else
      has_dump[${BASH_REMATCH[1]}]=1
    fi
  done <<<"${keys}"

  if [[ -z "${has_dump[${stamp_now}]:-}" || -z "${has_sum[${stamp_now}]:-}" || -z "${has_sig[${stamp_now}]:-}" ]]; then
    log "the new backup is not in the listing yet: not pruning anything this time"
    return 1
  fi

  local -a all complete keep
  mapfile -t all < <(printf '%s\n' "${!has_dump[@]}" "${!has_sum[@]}" "${!has_sig[@]}" | LC_ALL=C sort -u -r)
  complete=()
  for stamp in "${all[@]}"; do
    if [[ -n "${has_dump[${stamp}]:-}" && -n "${has_sum[${stamp}]:-}" && -n "${has_sig[${stamp}]:-}" ]]; then complete+=("${stamp}"); fi
  done
  keep=("${complete[@]:0:BACKUP_KEEP_LAST}")

  local cutoff deleted=0 kept=0
  cutoff=$(($(date -u +%s) - BACKUP_RETENTION_DAYS * 86400))
  for stamp in "${all[@]}"; do
    if [[ " ${keep[*]} " == *" ${stamp} "* ]] || (($(stamp_epoch "${stamp}") >= cutoff)); then
      kept=$((kept + 1))
      continue
    fi
    # Signature first: a dump left without one is an incomplete backup, never mistaken for a good one.
    if [[ -n "${has_sig[${stamp}]:-}" ]]; then s3_delete "${BASE}-${stamp}.dump.age.sha256.sig" || return 1; fi
    if [[ -n "${has_sum[${stamp}]:-}" ]]; then s3_delete "${BASE}-${stamp}.dump.age.sha256" || return 1; fi
    if [[ -n "${has_dump[${stamp}]:-}" ]]; then s3_delete "${BASE}-${stamp}.dump.age" || return 1; fi
    log "deleted the backup of ${stamp} (older than ${BACKUP_RETENTION_DAYS} days)"
    deleted=$((deleted + 1))
  done
  log "retention: ${kept} backups kept (${#complete[@]} complete, the newest ${#keep[@]} always), ${deleted} deleted"
}
stamp_now=${stamp}
prune || die "${EXIT_RETRY}" "pruning failed; the new backup is stored"
log "backup complete"
