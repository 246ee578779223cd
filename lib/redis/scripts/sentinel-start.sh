#!/bin/sh
# Entrypoint of a redis-queue Sentinel (one per redis-queue pod).
#
# Sentinel rewrites its own config file with what it learns (current master, replicas, other
# Sentinels, epochs), and that state must survive a restart of every pod, so the file lives on
# the pod's volume ($SENTINEL_STATE_FILE, readable by this user only; it holds the password like
# the data files next to it hold the data). At each start the file is rebuilt: settings from the
# ConfigMap (sentinel.conf, sentinel-master.conf) and the Secret, plus the learned state.
# The master to monitor: what the other Sentinels say, else the persisted state, else the
# first node (a brand-new deployment).
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

: "${SENTINEL_CONF:=$SCRIPT_DIR/sentinel.conf}"
: "${SENTINEL_MASTER_CONF:=$SCRIPT_DIR/sentinel-master.conf}"
: "${SENTINEL_STATE_FILE:=/data/sentinel/sentinel.conf}"
: "${SENTINEL_PORT:=26379}"
: "${ANNOUNCE_HOST:?ANNOUNCE_HOST must be the stable DNS name of this pod}"
: "${QUEUE_NODES:?QUEUE_NODES must list every node as HOST:PORT}"
: "${SENTINELS:?SENTINELS must list every Sentinel as HOST:PORT}"
: "${MASTER_NAME:?}"

load_password
mkdir -p -- "$(dirname -- "$SENTINEL_STATE_FILE")"

peers=""
for s in $SENTINELS; do
  [ "$s" = "$ANNOUNCE_HOST:$SENTINEL_PORT" ] || peers="$peers $s"
done
# shellcheck disable=SC2086 # the lists are split on purpose
if master=$(ask_sentinels "$MASTER_NAME" $peers); then
  source="the other Sentinels"
elif master=$(persisted_master "$SENTINEL_STATE_FILE" "$MASTER_NAME"); then
  source="persisted state"
else
  source="first node"
  master=$(first $QUEUE_NODES)
fi
log "monitoring $MASTER_NAME at $master (per $source)"

# Sentinel refuses to start when the master's name does not resolve (resolve-hostnames). After a
# restart of every pod, the master's pod may not have its IP (and DNS record) yet: wait a while
# rather than crash-loop with a growing back-off.
: "${MASTER_RESOLVE_SECONDS:=120}"
deadline=$(($(date +%s) + MASTER_RESOLVE_SECONDS))
until resolve "$(host_of "$master")" > /dev/null; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "$(host_of "$master") still does not resolve after ${MASTER_RESOLVE_SECONDS}s; starting anyway"
    break
  fi
  sleep 2
done

# Learned state worth keeping: our identity and epochs always; what we knew about the master's
# replicas and peers only if it is still the same master (else Sentinel rediscovers them).
# state_lines "WORD..." [MASTER]: persisted lines "sentinel WORD ..." (for MASTER only, if given).
state_lines() {
  if [ -f "$SENTINEL_STATE_FILE" ]; then
    awk -v words=" $1 " -v master="${2:-}" \
      '$1 == "sentinel" && index(words, " " $2 " ") && (master == "" || $3 == master)' "$SENTINEL_STATE_FILE"
  fi
}
same_master=no
if [ "$(persisted_master "$SENTINEL_STATE_FILE" "$MASTER_NAME" || true)" = "$master" ]; then same_master=yes; fi

{
  cat -- "$SENTINEL_CONF"
  state_lines "myid current-epoch"
  printf 'sentinel announce-ip %s\n' "$ANNOUNCE_HOST"
  sed -e "s|@MASTER_HOST@|$(host_of "$master")|g" -e "s|@MASTER_PORT@|$(port_of "$master")|g" -- "$SENTINEL_MASTER_CONF"
  # Outward (to the nodes, and to the other Sentinels) as the sentinel user with its current
  # password; inward every user of sentinel-users.conf with every accepted one.
  printf 'sentinel auth-user %s %s\n' "$MASTER_NAME" "$SENTINEL_USER"
  printf 'sentinel auth-pass %s "%s"\n' "$MASTER_NAME" "$(current_of internal "$SENTINEL_USER")"
  printf 'sentinel sentinel-user %s\n' "$SENTINEL_USER"
  printf 'sentinel sentinel-pass "%s"\n' "$(current_of internal "$SENTINEL_USER")"
  acl_config "$SENTINEL_USERS_CONF"
  if [ "$same_master" = yes ]; then
    state_lines "config-epoch leader-epoch known-replica known-sentinel" "$MASTER_NAME"
  fi
} | write_file "$SENTINEL_STATE_FILE"

unset REDISCLI_AUTH VALKEYCLI_AUTH
# Files the server writes (snapshots, AOF, a rewritten config) are readable by this user only.
umask 077
exec "$REDIS_SERVER" "$SENTINEL_STATE_FILE" --sentinel
