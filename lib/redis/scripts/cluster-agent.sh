#!/bin/sh
# The cluster agent (sidecar of every redis-cache pod): every AGENT_INTERVAL_SECONDS it
#   - on the first pod only, runs cluster-create.sh (creates the cluster once; later it only
#     attaches empty nodes as replicas), and
#   - runs cluster-heal.sh, which re-introduces this node to peers whose IPs changed.
# It touches HEARTBEAT_FILE after each round: the liveness probe restarts a stuck agent.
# The Redis server never depends on the agent: a dead agent only delays healing.
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

: "${CLUSTER_NODES:?CLUSTER_NODES must list every node as HOST:PORT}"
: "${REPLICAS_PER_SHARD:?}"
: "${POD_NAME:?}"
: "${POD_IP:?}"
: "${AGENT_INTERVAL_SECONDS:=5}"
: "${HEARTBEAT_FILE:=/tmp/cluster-agent-heartbeat}"

ordinal=${POD_NAME##*-}
trap 'exit 0' TERM INT
log "cluster agent of $POD_NAME (ordinal $ordinal), every ${AGENT_INTERVAL_SECONDS}s"
load_password
while :; do
  if [ "$(rcli 127.0.0.1 "$REDIS_PORT" PING)" = PONG ]; then
    if [ "$ordinal" = 0 ]; then
      # shellcheck disable=SC2086 # the node list is split on purpose
      sh "$SCRIPT_DIR/cluster-create.sh" "$REPLICAS_PER_SHARD" $CLUSTER_NODES || [ $? -eq 75 ] || log "cluster-create.sh failed"
    fi
    # shellcheck disable=SC2086
    sh "$SCRIPT_DIR/cluster-heal.sh" "$POD_IP:$REDIS_PORT" $CLUSTER_NODES || log "cluster-heal.sh failed"
  fi
  touch -- "$HEARTBEAT_FILE"
  # In the background so that SIGTERM ends the agent at once instead of after the sleep.
  sleep "$AGENT_INTERVAL_SECONDS" &
  wait $! || true
done
