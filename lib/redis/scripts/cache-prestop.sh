#!/bin/sh
# preStop of a redis-cache node: a primary hands its slots to its most up-to-date replica before
# the server gets SIGTERM, so a rolling update or a drain costs no write outage. CLUSTER FAILOVER
# (run on the replica) is coordinated: the primary pauses writers until the replica has caught
# up, then the replica takes the slots and clients follow the MOVED redirects. If that does not
# finish in time, FORCE promotes the replica without the primary's agreement (a cache can afford
# the last few writes). A replica, or a primary without a live replica, just stops.
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

: "${PRESTOP_TIMEOUT_SECONDS:=20}"
host=${1:-127.0.0.1}
port=${2:-$REDIS_PORT}
load_password

role_of() { rcli "$host" "$port" INFO replication | field role; }

replication=$(rcli "$host" "$port" INFO replication)
role=$(printf '%s\n' "$replication" | field role)
if [ "$role" != master ]; then
  log "role is ${role:-unknown}: nothing to hand over"
  exit 0
fi
if ! rcli "$host" "$port" CLUSTER NODES | awk '$3 ~ /myself/ && NF >= 9 { found = 1 } END { exit !found }'; then
  log "primary without slots: nothing to hand over"
  exit 0
fi
# slaveN:ip=...,port=...,state=online,offset=...,lag=...  ->  "offset ip port" of online replicas
best=$(printf '%s\n' "$replication" | sed -n 's/^slave[0-9]*://p' | tr ',' ' ' | awk '
  {
    delete kv
    for (i = 1; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    if (kv["state"] == "online") print kv["offset"], kv["ip"], kv["port"]
  }' | sort -rn | head -n 1)
if [ -z "$best" ]; then
  log "no online replica: the slots of this primary are unavailable until it is back"
  exit 0
fi
replica_ip=$(printf '%s\n' "$best" | awk '{ print $2 }')
replica_port=$(printf '%s\n' "$best" | awk '{ print $3 }')

deadline=$(($(date +%s) + PRESTOP_TIMEOUT_SECONDS))
half=$(($(date +%s) + PRESTOP_TIMEOUT_SECONDS / 2))
mode=""
log "handing the slots to $replica_ip:$replica_port"
rcli "$replica_ip" "$replica_port" CLUSTER FAILOVER > /dev/null
while [ "$(date +%s)" -lt "$deadline" ]; do
  if [ "$(role_of)" = slave ]; then
    log "failover done${mode:+ ($mode)}: now a replica"
    exit 0
  fi
  if [ -z "$mode" ] && [ "$(date +%s)" -ge "$half" ]; then
    mode=FORCE
    log "coordinated failover did not finish: forcing it"
    rcli "$replica_ip" "$replica_port" CLUSTER FAILOVER FORCE > /dev/null
  fi
  sleep 0.2
done
log "still a primary after ${PRESTOP_TIMEOUT_SECONDS}s; stopping anyway (the cluster fails over by itself)"
