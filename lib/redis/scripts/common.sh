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

# The Secret is mounted as a directory. Its keys are the passwords of the ACL users of
# users.conf / sentinel-users.conf (rendered from lib/redis/acl.ts):
#   password                    the application's (Superset, Celery), with "next-password" and
#                               "previous-password" accepted as well during a rotation;
#   internal-password           what this pod's own users' passwords are derived from (agent,
#                               replication, sentinel: sha256 of "<user>:<internal-password>"), with
#                               "next-internal-password" / "previous-internal-password" likewise;
#   exporter-password           the metrics sidecar's (optional: without it that user is off).
# Every file is read again by each call of load_password, so long-lived loops pick up a rotated
# Secret (docs/redis.md, "Rotating the passwords"). The scripts log in as the agent user.
AUTH_DIR=${REDIS_AUTH_FILE%/*}
: "${REDIS_NEXT_AUTH_FILE:=$AUTH_DIR/next-password}"
: "${REDIS_PREVIOUS_AUTH_FILE:=$AUTH_DIR/previous-password}"
: "${REDIS_INTERNAL_AUTH_FILE:=$AUTH_DIR/internal-password}"
: "${REDIS_NEXT_INTERNAL_AUTH_FILE:=$AUTH_DIR/next-internal-password}"
: "${REDIS_PREVIOUS_INTERNAL_AUTH_FILE:=$AUTH_DIR/previous-internal-password}"
: "${REDIS_EXPORTER_AUTH_FILE:=$AUTH_DIR/exporter-password}"
: "${USERS_CONF:=$SCRIPT_DIR/users.conf}"
: "${SENTINEL_USERS_CONF:=$SCRIPT_DIR/sentinel-users.conf}"
AGENT_USER=agent
REPLICATION_USER=replication
SENTINEL_USER=sentinel

# read_password FILE: its content; refuses characters that would need escaping in redis.conf
# (the password is written there verbatim between double quotes) or in a redis-cli command line.
read_password() {
  _pw=$(cat -- "$1")
  case "$_pw" in
    *[!A-Za-z0-9._~+/=:@%^,-]*) die "the password in $1 has characters other than letters, digits and ._~+/=:@%^,- (generate it with: openssl rand -hex 32)" ;;
  esac
  printf '%s' "$_pw"
}

# candidates CURRENT NEXT PREVIOUS: the passwords in those files, current first, each once
# (space-separated: they contain none). CURRENT is required.
candidates() {
  [ -r "$1" ] || die "cannot read $1: is the password Secret mounted with this key?"
  _list=$(read_password "$1")
  [ -n "$_list" ] || die "$1 is empty"
  for _file in "$2" "$3"; do
    [ -r "$_file" ] || continue
    # The kubelet may remove an optional key between the test and the read: skip it then.
    _extra=$(read_password "$_file") || { [ ! -e "$_file" ] || exit 1; continue; }
    case " $_list " in *" $_extra "*) ;; *) [ -z "$_extra" ] || _list="$_list $_extra" ;; esac
  done
  printf '%s' "$_list"
}

# secret_fingerprint: a checksum of every key of the mounted Secret: it changes with every step of
# a rotation, so an agent re-applies the users only then (a round that applies them runs about a
# hundred short processes; one that only checks runs a few).
secret_fingerprint() {
  cat -- "$AUTH_DIR"/* 2>/dev/null | cksum
}

# derive USER PASSWORD: the password of an internal user (builtin printf: nothing on a command line).
derive() {
  printf '%s:%s' "$1" "$2" | sha256sum | cut -d ' ' -f 1
}

# Reads the Secret: APP_CANDIDATES, INTERNAL_CANDIDATES, EXPORTER_PASSWORD; and the agent's own
# passwords as AUTH_CANDIDATES (current first), the current one as REDISCLI_AUTH / VALKEYCLI_AUTH.
load_password() {
  APP_CANDIDATES=$(candidates "$REDIS_AUTH_FILE" "$REDIS_NEXT_AUTH_FILE" "$REDIS_PREVIOUS_AUTH_FILE")
  INTERNAL_CANDIDATES=$(candidates "$REDIS_INTERNAL_AUTH_FILE" "$REDIS_NEXT_INTERNAL_AUTH_FILE" "$REDIS_PREVIOUS_INTERNAL_AUTH_FILE")
  EXPORTER_PASSWORD=""
  if [ -r "$REDIS_EXPORTER_AUTH_FILE" ]; then EXPORTER_PASSWORD=$(read_password "$REDIS_EXPORTER_AUTH_FILE"); fi
  AUTH_CANDIDATES=$(passwords_of internal "$AGENT_USER")
  REDISCLI_AUTH=$(current_of internal "$AGENT_USER")
  VALKEYCLI_AUTH=$REDISCLI_AUTH
  export REDISCLI_AUTH VALKEYCLI_AUTH
}

# passwords_of SOURCE USER: the passwords USER accepts (users.conf's password source), current first.
passwords_of() {
  case "$1" in
    application) printf '%s' "$APP_CANDIDATES" ;;
    internal)
      _po=""
      for _pw in $INTERNAL_CANDIDATES; do _po="$_po${_po:+ }$(derive "$2" "$_pw")"; done
      printf '%s' "$_po"
      ;;
    exporter) printf '%s' "$EXPORTER_PASSWORD" ;;
    none) ;;
    *) die "unknown password source $1 of user $2" ;;
  esac
}

# current_of SOURCE USER: the password USER logs in with (the first it accepts).
current_of() {
  _co=$(passwords_of "$1" "$2")
  printf '%s' "${_co%% *}"
}

# count_words WORD...: how many.
count_words() {
  printf '%s\n' "$#"
}

# The number of accepted passwords of the agent user.
accepted_count() {
  # shellcheck disable=SC2086 # split on purpose: the passwords contain no spaces
  count_words $AUTH_CANDIDATES
}

# acl_rule SOURCE USER RULES: one user's ACL rule: on with its passwords then RULES, or off.
acl_rule() {
  _pws=$(passwords_of "$1" "$2")
  if [ -z "$_pws" ]; then
    printf 'off resetpass %s' "$3"
    return 0
  fi
  printf 'on resetpass'
  for _pw in $_pws; do printf ' >%s' "$_pw"; done
  printf ' %s' "$3"
}

# users FILE: "<name> <source> <rules>" of every user of a users.conf.
users() {
  grep -v -e '^#' -e '^$' -- "$1"
}

# acl_config FILE: the "user" lines of a server or Sentinel config for every user of FILE.
acl_config() {
  users "$1" | while read -r _name _src _rules; do
    printf 'user %s %s\n' "$_name" "$(acl_rule "$_src" "$_name" "$_rules")"
  done
}

# rcli HOST PORT COMMAND... : one redis-cli call with a deadline, as the agent user with the first
# of its passwords the server takes (during a rotation a server may still know only the old
# one). redis-cli exits 0 on error replies, so callers check the output, not only the status.
rcli() {
  _host=$1
  _port=$2
  shift 2
  _out=""
  for _pw in $AUTH_CANDIDATES; do
    _out=$(REDISCLI_AUTH=$_pw VALKEYCLI_AUTH=$_pw timeout "$CLI_TIMEOUT" "$REDIS_CLI" --user "$AGENT_USER" -h "$_host" -p "$_port" "$@" 2>/dev/null | tr -d '\r')
    case "$_out" in NOAUTH* | WRONGPASS* | *"invalid username-password"*) continue ;; esac
    break
  done
  printf '%s\n' "$_out"
}

# working_password HOST PORT: the first of the agent's passwords the server takes (PONG, or
# LOADING / MASTERDOWN: it authenticated); fails when it takes none or does not answer.
working_password() {
  for _pw in $AUTH_CANDIDATES; do
    _reply=$(REDISCLI_AUTH=$_pw VALKEYCLI_AUTH=$_pw timeout "$CLI_TIMEOUT" "$REDIS_CLI" --user "$AGENT_USER" -h "$1" -p "$2" PING 2>/dev/null | tr -d '\r')
    case "$_reply" in PONG | LOADING* | MASTERDOWN*) printf '%s' "$_pw"; return 0 ;; esac
  done
  return 1
}

# rcli_input HOST PORT PASSWORD: redis-cli (as the agent user) reading its commands from stdin, so
# that a password in a command (ACL SETUSER, CONFIG SET masterauth) is never on a command line.
rcli_input() {
  REDISCLI_AUTH=$3 VALKEYCLI_AUTH=$3 timeout "$CLI_TIMEOUT" "$REDIS_CLI" --user "$AGENT_USER" -h "$1" -p "$2" 2>/dev/null | tr -d '\r'
}

# rcli_as HOST PORT PASSWORD COMMAND...: one call as the agent user with that password.
rcli_as() {
  _ra_host=$1
  _ra_port=$2
  _ra_pw=$3
  shift 3
  REDISCLI_AUTH=$_ra_pw VALKEYCLI_AUTH=$_ra_pw timeout "$CLI_TIMEOUT" "$REDIS_CLI" --user "$AGENT_USER" -h "$_ra_host" -p "$_ra_port" "$@" < /dev/null 2>/dev/null | tr -d '\r'
}

# hashes_of SOURCE USER: the SHA-256 of each password USER accepts, sorted (how ACL GETUSER lists them).
hashes_of() {
  for _pw in $(passwords_of "$1" "$2"); do printf '%s' "$_pw" | sha256sum | cut -d ' ' -f 1; done | sort
}

# sync_auth HOST PORT KIND: makes a running server (KIND "server") or Sentinel ("sentinel")
# accept exactly the Secret's passwords for each of its users (users.conf / sentinel-users.conf),
# and authenticate outward (replication: masterauth; a Sentinel: to the monitored nodes and to
# the other Sentinels) with the current ones. Changes only what differs; logs what it changed,
# never a password. Fails when none of the agent's passwords gets in (the caller's heartbeat then
# stops). The rules themselves change only with the ConfigMap, which restarts the pods.
sync_auth() {
  _sa_pw=$(working_password "$1" "$2") || { log "cannot authenticate to $1:$2 as $AGENT_USER with any of the $(accepted_count) password(s) derived from $REDIS_INTERNAL_AUTH_FILE and the files next to it"; return 1; }
  if [ "$3" = sentinel ]; then _sa_users=$SENTINEL_USERS_CONF; else _sa_users=$USERS_CONF; fi
  _sa_list=$(users "$_sa_users")
  # Read from a here-document, not a pipe: the loop must run in this shell (it updates _sa_pw).
  while read -r _name _src _rules; do
    [ "$_src" != none ] || continue
    _actual=$(rcli_as "$1" "$2" "$_sa_pw" ACL GETUSER "$_name" |
      awk '/^passwords$/ { on = 1; next } on && /^[0-9a-f]+$/ { print; next } on { exit }' | sort)
    [ "$_actual" != "$(hashes_of "$_src" "$_name")" ] || continue
    _reply=$(printf 'ACL SETUSER %s resetpass%s\n' "$_name" "$(for _pw in $(passwords_of "$_src" "$_name"); do printf ' >%s' "$_pw"; done)" | rcli_input "$1" "$2" "$_sa_pw")
    [ "$_reply" = OK ] || { log "ACL SETUSER $_name on $1:$2 answered: ${_reply:-nothing}"; return 1; }
    # shellcheck disable=SC2046 # split on purpose: the passwords contain no spaces
    log "$1:$2: user $_name now accepts $(count_words $(passwords_of "$_src" "$_name")) password(s)"
    if [ "$_name" = "$AGENT_USER" ]; then _sa_pw=$REDISCLI_AUTH; fi
  done <<EOF_USERS
$_sa_list
EOF_USERS
  case "$3" in
    server)
      _want=$(current_of internal "$REPLICATION_USER")
      _current=$(rcli_as "$1" "$2" "$_sa_pw" CONFIG GET masterauth | sed -n 2p)
      if [ "$_current" != "$_want" ]; then
        _reply=$(printf 'CONFIG SET masterauth %s\n' "$_want" | rcli_input "$1" "$2" "$_sa_pw")
        [ "$_reply" = OK ] || { log "CONFIG SET masterauth on $1:$2 answered: ${_reply:-nothing}"; return 1; }
        log "$1:$2 replicates with the current password of $REPLICATION_USER"
      fi
      ;;
    sentinel)
      : "${MASTER_NAME:?}"
      _want=$(current_of internal "$SENTINEL_USER")
      _current=$(rcli_as "$1" "$2" "$_sa_pw" SENTINEL CONFIG GET sentinel-pass | sed -n 2p)
      if [ "$_current" != "$_want" ]; then
        _reply=$(printf 'SENTINEL SET %s auth-pass %s\nSENTINEL CONFIG SET sentinel-pass %s\n' "$MASTER_NAME" "$_want" "$_want" | rcli_input "$1" "$2" "$_sa_pw" | sort -u)
        [ "$_reply" = OK ] || { log "SENTINEL SET auth-pass / CONFIG SET sentinel-pass on $1:$2 answered: ${_reply:-nothing}"; return 1; }
        log "$1:$2 authenticates to the nodes and the other Sentinels with the current password of $SENTINEL_USER"
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
