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

# The Secret is mounted as a directory: "password" (required) is what this pod and its clients
# authenticate with; "next-password" and "previous-password" (optional) are accepted as well
# while a password is rotated (docs/redis.md, "Rotating the password"). Every file is read
# again by each call of load_password, so long-lived loops pick up a rotated Secret.
: "${REDIS_NEXT_AUTH_FILE:=${REDIS_AUTH_FILE%/*}/next-password}"
: "${REDIS_PREVIOUS_AUTH_FILE:=${REDIS_AUTH_FILE%/*}/previous-password}"

# read_password FILE: its content; refuses characters that would need escaping in redis.conf
# (the password is written there verbatim between double quotes) or in a redis-cli command line.
read_password() {
  _pw=$(cat -- "$1")
  case "$_pw" in
    *[!A-Za-z0-9._~+/=:@%^,-]*) die "the password in $1 has characters other than letters, digits and ._~+/=:@%^,- (generate it with: openssl rand -hex 32)" ;;
  esac
  printf '%s' "$_pw"
}

# Exports the password as REDISCLI_AUTH (redis-cli) and VALKEYCLI_AUTH (valkey-cli), and every
# accepted password, current first, as AUTH_CANDIDATES (space-separated; they contain none).
load_password() {
  [ -r "$REDIS_AUTH_FILE" ] || die "cannot read $REDIS_AUTH_FILE: is the password Secret mounted?"
  REDISCLI_AUTH=$(read_password "$REDIS_AUTH_FILE")
  [ -n "$REDISCLI_AUTH" ] || die "$REDIS_AUTH_FILE is empty"
  AUTH_CANDIDATES=$REDISCLI_AUTH
  for _file in "$REDIS_NEXT_AUTH_FILE" "$REDIS_PREVIOUS_AUTH_FILE"; do
    [ -r "$_file" ] || continue
    _extra=$(read_password "$_file")
    case " $AUTH_CANDIDATES " in *" $_extra "*) ;; *) [ -z "$_extra" ] || AUTH_CANDIDATES="$AUTH_CANDIDATES $_extra" ;; esac
  done
  VALKEYCLI_AUTH=$REDISCLI_AUTH
  export REDISCLI_AUTH VALKEYCLI_AUTH
}

# The number of accepted passwords, and the ACL rule of the default user that accepts exactly
# them (written to the runtime config at start, applied by the agents while running).
accepted_count() {
  # shellcheck disable=SC2086 # split on purpose: the passwords contain no spaces
  set -- $AUTH_CANDIDATES
  printf '%s\n' "$#"
}
default_user_rule() {
  printf 'on resetpass'
  for _pw in $AUTH_CANDIDATES; do printf ' >%s' "$_pw"; done
  printf ' ~* &* +@all'
}

# rcli HOST PORT COMMAND... : one redis-cli call with a deadline, authenticated with the first
# accepted password the server takes (during a rotation a server may still know only the old
# one). redis-cli exits 0 on error replies, so callers check the output, not only the status.
rcli() {
  _host=$1
  _port=$2
  shift 2
  _out=""
  for _pw in $AUTH_CANDIDATES; do
    _out=$(REDISCLI_AUTH=$_pw VALKEYCLI_AUTH=$_pw timeout "$CLI_TIMEOUT" "$REDIS_CLI" -h "$_host" -p "$_port" "$@" 2>/dev/null | tr -d '\r')
    case "$_out" in NOAUTH* | WRONGPASS* | *"invalid username-password"*) continue ;; esac
    break
  done
  printf '%s\n' "$_out"
}

# working_password HOST PORT: the first accepted password the server takes (PONG, or LOADING /
# MASTERDOWN: it authenticated); fails when it takes none or does not answer.
working_password() {
  for _pw in $AUTH_CANDIDATES; do
    _reply=$(REDISCLI_AUTH=$_pw VALKEYCLI_AUTH=$_pw timeout "$CLI_TIMEOUT" "$REDIS_CLI" -h "$1" -p "$2" PING 2>/dev/null | tr -d '\r')
    case "$_reply" in PONG | LOADING* | MASTERDOWN*) printf '%s' "$_pw"; return 0 ;; esac
  done
  return 1
}

# rcli_input HOST PORT PASSWORD: redis-cli reading its commands from stdin, so that a password
# in a command (ACL SETUSER, CONFIG SET masterauth) is never on a command line.
rcli_input() {
  REDISCLI_AUTH=$3 VALKEYCLI_AUTH=$3 timeout "$CLI_TIMEOUT" "$REDIS_CLI" -h "$1" -p "$2" 2>/dev/null | tr -d '\r'
}

# password_hashes: the SHA-256 of each accepted password, sorted (how ACL GETUSER lists them).
password_hashes() {
  for _pw in $AUTH_CANDIDATES; do printf '%s' "$_pw" | sha256sum | cut -d ' ' -f 1; done | sort
}

# sync_auth HOST PORT KIND: makes a running server (KIND "server") or Sentinel ("sentinel")
# accept exactly the accepted passwords, and authenticate outward (replication: masterauth; a
# Sentinel: to the monitored nodes and to the other Sentinels) with the current one. Changes
# only what differs; logs what it changed, never a password. Fails when no accepted password
# gets in (the caller's heartbeat then stops).
sync_auth() {
  _sa_pw=$(working_password "$1" "$2") || { log "cannot authenticate to $1:$2 with any of the $(accepted_count) password(s) of $REDIS_AUTH_FILE and the files next to it"; return 1; }
  _actual=$(REDISCLI_AUTH=$_sa_pw VALKEYCLI_AUTH=$_sa_pw timeout "$CLI_TIMEOUT" "$REDIS_CLI" -h "$1" -p "$2" ACL GETUSER default 2>/dev/null | tr -d '\r' |
    awk '/^passwords$/ { on = 1; next } on && /^[0-9a-f]+$/ { print; next } on { exit }' | sort)
  if [ "$_actual" != "$(password_hashes)" ]; then
    _reply=$(printf 'ACL SETUSER default %s\n' "$(default_user_rule)" | rcli_input "$1" "$2" "$_sa_pw")
    [ "$_reply" = OK ] || { log "ACL SETUSER default on $1:$2 answered: ${_reply:-nothing}"; return 1; }
    log "$1:$2 now accepts $(accepted_count) password(s)"
    _sa_pw=$REDISCLI_AUTH
  fi
  case "$3" in
    server)
      _current=$(REDISCLI_AUTH=$_sa_pw VALKEYCLI_AUTH=$_sa_pw timeout "$CLI_TIMEOUT" "$REDIS_CLI" -h "$1" -p "$2" CONFIG GET masterauth 2>/dev/null | tr -d '\r' | sed -n 2p)
      if [ "$_current" != "$REDISCLI_AUTH" ]; then
        _reply=$(printf 'CONFIG SET masterauth %s\n' "$REDISCLI_AUTH" | rcli_input "$1" "$2" "$_sa_pw")
        [ "$_reply" = OK ] || { log "CONFIG SET masterauth on $1:$2 answered: ${_reply:-nothing}"; return 1; }
        log "$1:$2 replicates with the current password"
      fi
      ;;
    sentinel)
      : "${MASTER_NAME:?}"
      _current=$(REDISCLI_AUTH=$_sa_pw VALKEYCLI_AUTH=$_sa_pw timeout "$CLI_TIMEOUT" "$REDIS_CLI" -h "$1" -p "$2" SENTINEL CONFIG GET sentinel-pass 2>/dev/null | tr -d '\r' | sed -n 2p)
      if [ "$_current" != "$REDISCLI_AUTH" ]; then
        _reply=$(printf 'SENTINEL SET %s auth-pass %s\nSENTINEL CONFIG SET sentinel-pass %s\n' "$MASTER_NAME" "$REDISCLI_AUTH" "$REDISCLI_AUTH" | rcli_input "$1" "$2" "$_sa_pw" | sort -u)
        [ "$_reply" = OK ] || { log "SENTINEL SET auth-pass / CONFIG SET sentinel-pass on $1:$2 answered: ${_reply:-nothing}"; return 1; }
        log "$1:$2 authenticates to the nodes and the other Sentinels with the current password"
      fi
      ;;
  esac
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
