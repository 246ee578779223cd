#!/bin/sh
# Readiness of a redis-cache node means "serving": the cluster is ok from this node's point of
# view (every slot covered by a reachable primary), and a replica's link to its primary is up
# (so it has the data, and a failover to it loses nothing).
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

load_password
state=$(rcli 127.0.0.1 "$REDIS_PORT" CLUSTER INFO | field cluster_state)
if [ "$state" != ok ]; then
  log "cluster_state is ${state:-unknown}"
  exit 1
fi
replication=$(rcli 127.0.0.1 "$REDIS_PORT" INFO replication)
role=$(printf '%s\n' "$replication" | field role)
case "$role" in
  master) exit 0 ;;
  slave)
    link=$(printf '%s\n' "$replication" | field master_link_status)
    [ "$link" = up ] && exit 0
    log "replica link to its primary is ${link:-unknown}"
    exit 1
    ;;
  *) log "unknown role ${role:-none}"; exit 1 ;;
esac
