#!/bin/sh
# The cluster agent (sidecar of every redis-cache pod): every AGENT_INTERVAL_SECONDS it
#   - reads the password Secret again and makes the pod's server accept exactly its passwords
#     and replicate with the current one (sync_auth: a rotation needs no restart);
#   - on the first pod only, runs cluster-create.sh (creates the cluster once; later it only
#     attaches empty nodes as replicas), and
#   - runs cluster-heal.sh, which re-introduces this node to peers whose IPs changed.
# It touches HEARTBEAT_FILE only after a round in which it got into its server (or the server
# does not answer at all, which a restart of the agent would not change): if no password of the
# Secret is accepted, the liveness probe restarts the agent, visibly, instead of it idling.
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
# The Secret as last applied to the server (a server that restarts starts from the Secret itself).
synced=""
while :; do
  fingerprint=$(secret_fingerprint)
  load_password
  reply=$(rcli 127.0.0.1 "$REDIS_PORT" PING)
  case "$reply" in
    PONG)
      if [ "$fingerprint" = "$synced" ] || sync_auth 127.0.0.1 "$REDIS_PORT" server; then
        synced=$fingerprint
        if [ "$ordinal" = 0 ]; then
          # shellcheck disable=SC2086 # the node list is split on purpose
          sh "$SCRIPT_DIR/cluster-create.sh" "$REPLICAS_PER_SHARD" $CLUSTER_NODES || [ $? -eq 75 ] || log "cluster-create.sh failed"
        fi
        # shellcheck disable=SC2086
        sh "$SCRIPT_DIR/cluster-heal.sh" "$POD_IP:$REDIS_PORT" $CLUSTER_NODES || log "cluster-heal.sh failed"
        touch -- "$HEARTBEAT_FILE"
      fi
      ;;
    LOADING*) touch -- "$HEARTBEAT_FILE" ;; # reading its data; the work resumes once loaded
    '') touch -- "$HEARTBEAT_FILE" ;;        # the server is down or restarting: its own probes handle it
    *) log "the local server does not accept any of the $(accepted_count) password(s) of the agent user: $reply" ;;
  esac
  # In the background so that SIGTERM ends the agent at once instead of after the sleep.
  sleep "$AGENT_INTERVAL_SECONDS" &
  wait $! || true
done
