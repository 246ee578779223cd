# shellcheck shell=sh
# Helpers shared by the redis-cache and redis-queue scripts (sourced, never run).
#
# Every setting comes from the environment, with the in-pod value as the default, so the
# integration tests run these exact scripts against local servers by overriding paths and ports.
# The password is read from the Secret-mounted file and handed to redis-cli via REDISCLI_AUTH:
# it never appears on a command line (ps) or in a rendered file.

# shellcheck disable=SC2034 # used by the scripts that source this file
SCRIPT_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
: "${REDIS_CLI:=valkey-cli}"
: "${REDIS_SERVER:=valkey-server}"
: "${REDIS_PORT:=6379}"
: "${REDIS_AUTH_FILE:=/etc/redis-auth/password}"
: "${RUN_DIR:=/run/redis}"
# Seconds one redis-cli call may take; a stalled peer must not stall the caller.
: "${CLI_TIMEOUT:=5}"

log() {
  printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(basename -- "$0" .sh)" "$*" >&2
}

die() {
  log "$*"
  exit 1
}

# Exports the password from the mounted Secret as REDISCLI_AUTH (redis-cli) and VALKEYCLI_AUTH
# (valkey-cli). Refuses characters that would need escaping in redis.conf, so the password can
# be written there verbatim between double quotes.
load_password() {
  [ -r "$REDIS_AUTH_FILE" ] || die "cannot read $REDIS_AUTH_FILE: is the password Secret mounted?"
  REDISCLI_AUTH=$(cat -- "$REDIS_AUTH_FILE")
  [ -n "$REDISCLI_AUTH" ] || die "$REDIS_AUTH_FILE is empty"
  case "$REDISCLI_AUTH" in
    *[!A-Za-z0-9._~+/=:@%^,-]*) die "the password in $REDIS_AUTH_FILE has characters other than letters, digits and ._~+/=:@%^,- (generate it with: openssl rand -hex 32)" ;;
  esac
  VALKEYCLI_AUTH=$REDISCLI_AUTH
  export REDISCLI_AUTH VALKEYCLI_AUTH
}

# rcli HOST PORT COMMAND... : one redis-cli call with a deadline. redis-cli exits 0 on error
# replies, so callers check the output, not only the status.
rcli() {
  _host=$1
  _port=$2
  shift 2
  timeout "$CLI_TIMEOUT" "$REDIS_CLI" -h "$_host" -p "$_port" "$@" 2>/dev/null | tr -d '\r'
}

# field NAME: the value of "NAME:value" in INFO-style text on stdin.
field() {
  sed -n "s/^$1://p" | head -n 1
}

# resolve HOST: its first address (IP literals are returned as they are); fails if unknown.
resolve() {
  case "$1" in
    *[!0-9.]*) ;;
    *) printf '%s\n' "$1"; return 0 ;;
  esac
  _addr=$(getent hosts "$1" | awk 'NR == 1 { print $1 }')
  [ -n "$_addr" ] || return 1
  printf '%s\n' "$_addr"
}

# host_of / port_of HOST:PORT
host_of() { printf '%s\n' "${1%:*}"; }
port_of() { printf '%s\n' "${1##*:}"; }

# write_file PATH: replaces PATH with stdin atomically, readable by this user only.
write_file() {
  (umask 077 && cat > "$1.tmp") && mv -f -- "$1.tmp" "$1"
}

# ask_sentinels MASTER_NAME HOST:PORT... : "host:port" of the master as the first Sentinel that
# answers knows it; fails when none does.
ask_sentinels() {
  _name=$1
  shift
  for _sentinel in "$@"; do
    _ip=$(resolve "$(host_of "$_sentinel")") || continue
    _found=$(CLI_TIMEOUT=2 rcli "$_ip" "$(port_of "$_sentinel")" SENTINEL get-master-addr-by-name "$_name" |
      awk 'NR == 1 { h = $0 } NR == 2 { p = $0 } END { if (h != "" && p ~ /^[0-9]+$/) print h ":" p }')
    if [ -n "$_found" ]; then
      printf '%s\n' "$_found"
      return 0
    fi
  done
  return 1
}

# persisted_master FILE MASTER_NAME: "host:port" from a Sentinel config file Sentinel rewrote.
persisted_master() {
  [ -f "$1" ] || return 1
  _found=$(awk -v n="$2" '$1 == "sentinel" && $2 == "monitor" && $3 == n { print $4 ":" $5; exit }' "$1")
  [ -n "$_found" ] || return 1
  printf '%s\n' "$_found"
}

# first WORD...: the first word.
first() { printf '%s\n' "$1"; }
