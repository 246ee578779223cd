#!/usr/bin/env bash
# shellcheck shell=bash
# Helpers shared by the ops scripts (sourced, never run on its own): logging, exit codes, and a
# small S3 client built on curl's SigV4 signing (no AWS CLI in the image).
#
# Exit codes, read by the Jobs' podFailurePolicy:
#   1  failed, worth retrying (database or object storage unreachable, upload refused)
#   3  permanent: bad configuration, corrupt backup, failed sanity check; retrying cannot help,
#      so the Job fails at once and its pod's log says why.

# shellcheck disable=SC2034 # used by the scripts that source this file
readonly EXIT_RETRY=1
readonly EXIT_PERMANENT=3
# SHA-256 of an empty payload (GET, HEAD, DELETE).
readonly EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
# Folder of the dumps under S3_PREFIX (lib/ops/rules.ts DUMP_FOLDER): WAL-G and the dashboard
# exports live elsewhere, so each key's bucket policy names exactly its own prefix.
readonly DUMP_FOLDER=pg-dump
# One PUT carries at most 5 GiB (S3's single-request limit; multipart is not implemented).
readonly S3_MAX_PUT_BYTES=$((5 * 1024 * 1024 * 1024))

log() {
  printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${OPS_TASK:-ops}" "$*" >&2
}

# die <exit code> <message>
die() {
  local code=$1
  shift
  log "ERROR: $*"
  exit "${code}"
}

# require_env NAME...: every variable must be set and non-empty.
require_env() {
  local name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || die "${EXIT_PERMANENT}" "${name} is not set (see the CronJob's env and the README)"
  done
}

# require_uint NAME...: every variable must be a whole number.
require_uint() {
  local name
  for name in "$@"; do
    [[ "${!name:-}" =~ ^[0-9]+$ ]] || die "${EXIT_PERMANENT}" "${name} must be a whole number, not \"${!name:-}\""
  done
}

# Major version of a PostgreSQL program: "pg_dump (PostgreSQL) 18.1 (Debian ...)" -> 18.
pg_program_major() {
  local version
  version=$("$1" --version) || return 1
  version=${version#* (PostgreSQL) }
  version=${version%% *}
  printf '%s\n' "${version%%[^0-9]*}"
}

# require_client_major PROGRAM: the image's PostgreSQL tools must be POSTGRES_MAJOR.
require_client_major() {
  local major
  major=$(pg_program_major "$1") || die "${EXIT_PERMANENT}" "$1 is not installed"
  [[ "${major}" == "${POSTGRES_MAJOR}" ]] ||
    die "${EXIT_PERMANENT}" "$1 is PostgreSQL ${major} but the server is configured as ${POSTGRES_MAJOR} (postgres.majorVersion): use the ops image built for ${POSTGRES_MAJOR}"
  printf '%s\n' "${major}"
}

# age encrypts the dumps, ssh-keygen -Y signs and verifies their checksums (images/ops/Dockerfile).
require_backup_tools() {
  command -v age >/dev/null || die "${EXIT_PERMANENT}" "age is not installed: use the ops image of images/ops/Dockerfile"
  command -v ssh-keygen >/dev/null || die "${EXIT_PERMANENT}" "ssh-keygen is not installed: use the ops image of images/ops/Dockerfile"
}

# require_key_file NAME REGEX WHAT: the file named by $NAME holds one line matching REGEX.
require_key_file() {
  local name=$1 pattern=$2 what=$3 file line
  file=${!name}
  [[ -s "${file}" ]] || die "${EXIT_PERMANENT}" "${name} ${file} is missing or empty: it must hold ${what} (see the CronJob's Secret volume)"
  line=$(head -n 1 "${file}")
  line=${line%$'\r'}
  [[ "${line}" =~ ${pattern} ]] || die "${EXIT_PERMANENT}" "${name} ${file} does not hold ${what}"
}

# verify_backup DIR NAME VERIFY_KEY_FILE NAMESPACE: NAME.sha256.sig must be a valid signature of
# NAME.sha256 by the holder of the signing key (the allowed-signers entry is built from the
# public key), NAME.sha256 must name exactly NAME, and NAME must match it. Exits 3 otherwise.
verify_backup() {
  local dir=$1 name=$2 key=$3 namespace=$4 manifest expected
  printf '%s namespaces="%s" %s\n' pg-backup "${namespace}" "$(head -n 1 "${key}")" >"${dir}/allowed-signers"
  ssh-keygen -q -Y verify -f "${dir}/allowed-signers" -I pg-backup -n "${namespace}" -s "${dir}/${name}.sha256.sig" \
    <"${dir}/${name}.sha256" >"${dir}/verify.out" 2>&1 || {
    log "ssh-keygen: $(head -c 300 "${dir}/verify.out")"
    die "${EXIT_PERMANENT}" "the signature of ${name}.sha256 does not verify against the verify key: not written by pg-backup (forged or tampered); refusing ${name}"
  }
  manifest=$(cat "${dir}/${name}.sha256")
  expected="^[0-9a-f]{64}  ${name//./\\.}\$"
  [[ "${manifest}" =~ ${expected} ]] ||
    die "${EXIT_PERMANENT}" "the signed checksum names another file than ${name} (a signed checksum of another backup, replayed?); refusing ${name}"
  (cd "${dir}" && sha256sum --check --status "${name}.sha256") ||
    die "${EXIT_PERMANENT}" "checksum mismatch: ${name} is not the file that was backed up (corrupt, truncated or replaced)"
}

sha256_of() {
  local sum
  sum=$(sha256sum "$1") || return 1
  printf '%s\n' "${sum%% *}"
}

# Seconds since the epoch of a backup timestamp such as 20260101T021500Z.
stamp_epoch() {
  local s=$1
  date -u -d "${s:0:4}-${s:4:2}-${s:6:2}T${s:9:2}:${s:11:2}:${s:13:2}Z" +%s
}

# Percent-encoding as SigV4 canonicalizes query values: only A-Z a-z 0-9 - _ . ~ stay as they are.
urlencode() {
  local text=$1 out='' c i
  local LC_ALL=C
  for ((i = 0; i < ${#text}; i++)); do
    c=${text:i:1}
    case "${c}" in
      [A-Za-z0-9._~-]) out+=${c} ;;
      *) out+=$(printf '%%%02X' "'${c}") ;;
    esac
  done
  printf '%s\n' "${out}"
}

# xml_values TAG < document: the text of every <TAG>...</TAG>, one a line, entities decoded.
xml_values() {
  { grep -o "<$1>[^<]*</$1>" || true; } |
    sed -e "s|^<$1>||" -e "s|</$1>\$||" -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&amp;/\&/g'
}

# Keys are built by the scripts from validated config: refuse anything that would need encoding.
s3_check_key() {
  [[ "$1" =~ ^[A-Za-z0-9._/-]*$ ]] || die "${EXIT_PERMANENT}" "object key \"$1\" has characters outside [A-Za-z0-9._/-]"
}

# s3_url KEY [QUERY]: path-style https://endpoint/bucket/key or virtual-hosted https://bucket.endpoint/key.
s3_url() {
  local key=$1 query=${2:-} url
  if [[ "${S3_ADDRESSING_STYLE:-path}" == virtual ]]; then
    url="${S3_ENDPOINT%%://*}://${S3_BUCKET}.${S3_ENDPOINT#*://}/${key}"
  else
    url="${S3_ENDPOINT}/${S3_BUCKET}/${key}"
  fi
  printf '%s%s\n' "${url}" "${query:+?${query}}"
}

# require_s3_credentials: a stored access key (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), or a
# web identity (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_STS_ENDPOINT) to get temporary
# credentials with.
require_s3_credentials() {
  if [[ -n "${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ]]; then
    require_env AWS_ROLE_ARN AWS_STS_ENDPOINT
    [[ "${AWS_STS_ENDPOINT}" == https://* ]] || die "${EXIT_PERMANENT}" "AWS_STS_ENDPOINT ${AWS_STS_ENDPOINT} is not https: the token would travel in clear"
    [[ -r "${AWS_WEB_IDENTITY_TOKEN_FILE}" ]] || die "${EXIT_PERMANENT}" "the web identity token ${AWS_WEB_IDENTITY_TOKEN_FILE} is not readable (is the projected volume mounted?)"
    # Once here, in the script's own shell: requests made in a subshell reuse these credentials.
    local rc=0
    s3_session || rc=$?
    ((rc == 0)) || die "${rc}" "no object storage credentials from ${AWS_STS_ENDPOINT} for ${AWS_ROLE_ARN}"
  else
    require_env AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  fi
}

# The temporary credentials of the web identity: shell variables only (never exported, so no
# child process sees them), fetched again 5 minutes before they expire.
S3_SESSION_ID='' S3_SESSION_SECRET='' S3_SESSION_TOKEN='' S3_SESSION_RENEW_AT=0

# s3_session: with a web identity, make sure the temporary credentials are fresh (AWS STS
# AssumeRoleWithWebIdentity: an unsigned POST; the token goes in the body, read by curl from its
# file, never on a command line). Returns 1 when the token service cannot be reached or fails
# (5xx), 3 when it refuses (4xx: a role, trust policy or token problem retrying cannot fix).
s3_session() {
  [[ -n "${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ]] || return 0
  (( $(date +%s) < S3_SESSION_RENEW_AT )) && return 0
  local reply status rc=0 expires
  reply=$(mktemp "${TMPDIR:-/tmp}/sts.XXXXXX")
  status=$(curl --silent --show-error --proto '=https' --proto-redir '=https' --connect-timeout 10 \
    --retry 3 --retry-delay 2 --retry-max-time 60 --output "${reply}" --write-out '%{http_code}' \
    --data 'Action=AssumeRoleWithWebIdentity' --data 'Version=2011-06-15' \
    --data-urlencode "RoleArn=${AWS_ROLE_ARN}" --data-urlencode "RoleSessionName=${AWS_ROLE_SESSION_NAME:-superset-ops}" \
    --data "DurationSeconds=${AWS_SESSION_DURATION_SECONDS:-3600}" \
    --data-urlencode "WebIdentityToken@${AWS_WEB_IDENTITY_TOKEN_FILE}" "${AWS_STS_ENDPOINT}/") || rc=$?
  if [[ ${rc} -ne 0 ]]; then
    rm -f "${reply}"
    log "AssumeRoleWithWebIdentity: no answer from ${AWS_STS_ENDPOINT} (curl exit ${rc})"
    return 1
  fi
  if [[ "${status}" != 2?? ]]; then
    log "AssumeRoleWithWebIdentity ${AWS_ROLE_ARN}: HTTP ${status} ($(xml_values Code <"${reply}" | head -n 1): $(xml_values Message <"${reply}" | head -n 1))"
    rm -f "${reply}"
    [[ "${status}" == 4?? ]] && return "${EXIT_PERMANENT}"
    return 1
  fi
  S3_SESSION_ID=$(xml_values AccessKeyId <"${reply}" | head -n 1)
  S3_SESSION_SECRET=$(xml_values SecretAccessKey <"${reply}" | head -n 1)
  S3_SESSION_TOKEN=$(xml_values SessionToken <"${reply}" | head -n 1)
  expires=$(xml_values Expiration <"${reply}" | head -n 1)
  rm -f "${reply}"
  if [[ -z "${S3_SESSION_ID}" || -z "${S3_SESSION_SECRET}" || -z "${S3_SESSION_TOKEN}" ]] || ! expires=$(date -d "${expires}" +%s 2>/dev/null); then
    log "AssumeRoleWithWebIdentity ${AWS_ROLE_ARN}: the answer has no usable credentials"
    return 1
  fi
  S3_SESSION_RENEW_AT=$((expires - 300))
  log "assumed ${AWS_ROLE_ARN} (temporary credentials ${S3_SESSION_ID:0:4}..., until $(date -u -d "@${expires}" +%Y-%m-%dT%H:%M:%SZ))"
}

# The key (and a session's token) go to curl as a config file on stdin, so they are never on a
# command line.
s3_credentials() {
  local id=${AWS_ACCESS_KEY_ID:-} secret=${AWS_SECRET_ACCESS_KEY:-}
  if [[ -n "${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ]]; then
    id=${S3_SESSION_ID} secret=${S3_SESSION_SECRET}
    printf 'header = "x-amz-security-token: %s"\n' "${S3_SESSION_TOKEN//\"/\\\"}"
  fi
  id=${id//\\/\\\\} secret=${secret//\\/\\\\}
  printf 'user = "%s:%s"\n' "${id//\"/\\\"}" "${secret//\"/\\\"}"
}

# s3_request METHOD KEY QUERY PAYLOAD_FILE OUTPUT_FILE
# Signed request; the response body (headers for HEAD) goes to OUTPUT_FILE. Sends the payload's
# real SHA-256, which S3 checks against the bytes it receives. Transient errors are retried by
# curl; returns 0 on a 2xx status, 1 otherwise (status and S3 error code logged), and sets
# S3_STATUS to the HTTP status (000 when there was no response).
S3_STATUS=000
s3_request() {
  local method=$1 key=$2 query=$3 payload=$4 out=$5 hash rc=0
  s3_check_key "${key}"
  # Only the configured endpoint's scheme (https unless an http:// endpoint was set on purpose):
  # never another protocol, and never a downgrade from https.
  local proto="=${S3_ENDPOINT%%://*}"
  [[ "${proto}" == "=https" || "${proto}" == "=http" ]] || { log "S3_ENDPOINT ${S3_ENDPOINT} is not an http(s) URL"; return 1; }
  local args=(--config - --silent --show-error --proto "${proto}" --proto-redir "${proto}" --connect-timeout 10
    --retry 3 --retry-delay 2 --retry-max-time 120
    --aws-sigv4 "aws:amz:${S3_REGION}:s3" --output "${out}" --write-out '%{http_code}')
  if [[ -n "${payload}" ]]; then
    hash=$(sha256_of "${payload}") || return 1
    args+=(--upload-file "${payload}")
  else
    hash=${EMPTY_SHA256}
  fi
  case "${method}" in
    HEAD) args+=(--head) ;;
    PUT) ;;
    *) args+=(--request "${method}") ;;
  esac
  if ! s3_session; then
    S3_STATUS=000
    return 1
  fi
  S3_STATUS=$(s3_credentials | curl "${args[@]}" --header "x-amz-content-sha256: ${hash}" "$(s3_url "${key}" "${query}")") || rc=$?
  if [[ ${rc} -ne 0 ]]; then
    log "${method} ${key:-/}: no answer from ${S3_ENDPOINT} (curl exit ${rc})"
    S3_STATUS=000
    return 1
  fi
  if [[ "${S3_STATUS}" != 2?? ]]; then
    local code=''
    [[ "${method}" != HEAD && -s "${out}" ]] && code=$(xml_values Code <"${out}" | head -n 1)
    log "${method} ${key:-/}: HTTP ${S3_STATUS}${code:+ (${code})}"
    return 1
  fi
}

# s3_put FILE KEY: upload, then check the stored size.
s3_put() {
  local file=$1 key=$2 size scratch
  size=$(stat -c %s "${file}")
  ((size <= S3_MAX_PUT_BYTES)) || die "${EXIT_PERMANENT}" "${file} is ${size} bytes, above the 5 GiB a single PUT takes"
  scratch=$(mktemp "${TMPDIR:-/tmp}/s3.XXXXXX")
  if ! s3_request PUT "${key}" '' "${file}" "${scratch}"; then
    rm -f "${scratch}"
    return 1
  fi
  if ! s3_request HEAD "${key}" '' '' "${scratch}"; then
    rm -f "${scratch}"
    return 1
  fi
  local stored
  stored=$(tr -d '\r' <"${scratch}" | sed -n 's/^[Cc]ontent-[Ll]ength: *//p' | tail -n 1)
  rm -f "${scratch}"
  if [[ "${stored}" != "${size}" ]]; then
    log "PUT ${key}: stored ${stored:-unknown} bytes, sent ${size}"
    return 1
  fi
}

# s3_get KEY FILE: download; returns 1 on failure (S3_STATUS tells a missing object, 404, apart).
s3_get() {
  s3_request GET "$1" '' '' "$2"
}

s3_delete() {
  local scratch rc=0
  scratch=$(mktemp "${TMPDIR:-/tmp}/s3.XXXXXX")
  s3_request DELETE "$1" '' '' "${scratch}" || rc=$?
  rm -f "${scratch}"
  return "${rc}"
}

# s3_list PREFIX: every key under PREFIX, one a line, in S3's lexicographic order (all pages).
s3_list() {
  local prefix=$1 token='' page query
  page=$(mktemp "${TMPDIR:-/tmp}/s3-list.XXXXXX")
  while :; do
    # Parameters in canonical (sorted) order, already encoded the way SigV4 expects.
    query="list-type=2&prefix=$(urlencode "${prefix}")"
    [[ -n "${token}" ]] && query="continuation-token=$(urlencode "${token}")&${query}"
    if ! s3_request GET '' "${query}" '' "${page}"; then
      rm -f "${page}"
      return 1
    fi
    xml_values Key <"${page}"
    [[ "$(xml_values IsTruncated <"${page}")" == true ]] || break
    token=$(xml_values NextContinuationToken <"${page}")
    if [[ -z "${token}" ]]; then
      log "listing of ${prefix} is truncated but has no continuation token"
      rm -f "${page}"
      return 1
    fi
  done
  rm -f "${page}"
}
