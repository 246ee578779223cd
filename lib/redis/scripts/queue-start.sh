#!/bin/sh
# Entrypoint of a redis-queue node (Celery broker and results, coordination, async queries).
#
# As for redis-cache, the Secret and per-pod settings go into an in-memory file that includes
# the rendered redis.conf, so no secret is on a command line or in dist/.
# With Sentinel (QUEUE_MODE=sentinel) the node also decides whom to replicate at start:
#   1. the master the Sentinels know (they are the authority once running);
#   2. else the master recorded in this pod's persisted Sentinel state (all pods restarting at
#      once: the last master has the most recent data, the first pod may not);
#   3. else the first node (a brand-new deployment).
# Sentinel corrects a wrong choice within seconds by sending REPLICAOF.
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

: "${REDIS_CONF:=$SCRIPT_DIR/redis.conf}"
: "${QUEUE_MODE:=standalone}"

load_password
mkdir -p -- "$RUN_DIR"
replicaof=""
announce=""
if [ "$QUEUE_MODE" = sentinel ]; then
  : "${ANNOUNCE_HOST:?ANNOUNCE_HOST must be the stable DNS name of this pod}"
  : "${QUEUE_NODES:?QUEUE_NODES must list every node as HOST:PORT}"
  : "${SENTINELS:?SENTINELS must list every Sentinel as HOST:PORT}"
  : "${MASTER_NAME:?}"
  : "${SENTINEL_STATE_FILE:=/data/sentinel/sentinel.conf}"
  : "${MASTER_DISCOVERY_SECONDS:=15}"
  announce=$ANNOUNCE_HOST
  deadline=$(($(date +%s) + MASTER_DISCOVERY_SECONDS))
  master=""
  while [ -z "$master" ] && [ "$(date +%s)" -lt "$deadline" ]; do
    # shellcheck disable=SC2086 # the list is split on purpose
    master=$(ask_sentinels "$MASTER_NAME" $SENTINELS) || sleep 1
  done
  source="Sentinel"
  if [ -z "$master" ]; then
    source="persisted Sentinel state"
    # shellcheck disable=SC2086
    master=$(persisted_master "$SENTINEL_STATE_FILE" "$MASTER_NAME") || { source="first node"; master=$(first $QUEUE_NODES); }
  fi
  if [ "$master" = "$ANNOUNCE_HOST:$REDIS_PORT" ]; then
    log "master per $source: this node"
  else
    log "master per $source: $master; starting as its replica"
    replicaof="$(host_of "$master") $(port_of "$master")"
  fi
fi

{
  printf 'include %s\n' "$REDIS_CONF"
  # The users with their accepted passwords (current, and next/previous during a rotation);
  # replication logs in with the current one.
  acl_config "$USERS_CONF"
  printf 'masteruser %s\n' "$REPLICATION_USER"
  printf 'masterauth "%s"\n' "$(current_of internal "$REPLICATION_USER")"
  if [ -n "$announce" ]; then printf 'replica-announce-ip %s\n' "$announce"; fi
  if [ -n "$replicaof" ]; then printf 'replicaof %s\n' "$replicaof"; fi
} | write_file "$RUN_DIR/redis.conf"

# The server reads the password from the file above; it need not inherit it.
unset REDISCLI_AUTH VALKEYCLI_AUTH
# Files the server writes (snapshots, AOF, a rewritten config) are readable by this user only.
umask 077
exec "$REDIS_SERVER" "$RUN_DIR/redis.conf"
