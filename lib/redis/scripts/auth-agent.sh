#!/bin/sh
# The auth agent (sidecar of every redis-queue pod): every AGENT_INTERVAL_SECONDS it reads the
# password Secret again and makes the pod's Redis server and, under Sentinel, its Sentinel accept
# exactly the Secret's passwords and authenticate outward with the current one (sync_auth), so a
# password rotation needs no restart (docs/redis.md, "Rotating the passwords").
# It touches HEARTBEAT_FILE only after a round in which it got into every local server that
# answers: if none of the Secret's passwords is accepted, the liveness probe restarts it, visibly.
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

: "${QUEUE_MODE:=standalone}"
: "${SENTINEL_PORT:=26379}"
: "${AGENT_INTERVAL_SECONDS:=5}"
: "${HEARTBEAT_FILE:=/tmp/auth-agent-heartbeat}"

# sync_local PORT KIND: 0 when the local server there accepts our passwords now (or is down or
# loading: nothing to do yet), 1 when none of them gets in.
sync_local() {
  reply=$(rcli 127.0.0.1 "$1" PING)
  case "$reply" in
    PONG) [ "$fingerprint" = "$synced" ] || sync_auth 127.0.0.1 "$1" "$2" ;;
    LOADING* | MASTERDOWN* | '') return 0 ;;
    *) log "127.0.0.1:$1 does not accept any of the $(accepted_count) password(s) of the agent user: $reply"; return 1 ;;
  esac
}

trap 'exit 0' TERM INT
log "auth agent ($QUEUE_MODE), every ${AGENT_INTERVAL_SECONDS}s"
# The Secret as last applied to every local server that answered (a server that restarts meanwhile
# starts from the Secret itself).
synced=""
while :; do
  fingerprint=$(secret_fingerprint)
  load_password
  ok=yes
  sync_local "$REDIS_PORT" server || ok=no
  if [ "$QUEUE_MODE" = sentinel ]; then sync_local "$SENTINEL_PORT" sentinel || ok=no; fi
  if [ "$ok" = yes ]; then
    synced=$fingerprint
    touch -- "$HEARTBEAT_FILE"
  fi
  sleep "$AGENT_INTERVAL_SECONDS" &
  wait $! || true
done
