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

# sync_local PORT KIND: 0 when the local server there has the Secret's passwords now, 2 when it is
# down, loading or slow to answer (nothing done: the next round tries again), 1 when none of our
# passwords gets in.
sync_local() {
  reply=$(rcli 127.0.0.1 "$1" PING)
  case "$reply" in
    PONG) if [ "$fingerprint" = "$synced" ] || sync_auth 127.0.0.1 "$1" "$2"; then return 0; else return 1; fi ;;
    LOADING* | MASTERDOWN* | '') return 2 ;;
    *) log "127.0.0.1:$1 does not accept any of the $(accepted_count) password(s) of the agent user: $reply"; return 1 ;;
  esac
}

SENTINEL_TARGET=""
if [ "$QUEUE_MODE" = sentinel ]; then SENTINEL_TARGET="$SENTINEL_PORT:sentinel"; fi
trap 'exit 0' TERM INT
log "auth agent ($QUEUE_MODE), every ${AGENT_INTERVAL_SECONDS}s"
# The Secret as last applied to every local server that answered (a server that restarts meanwhile
# starts from the Secret itself).
synced=""
while :; do
  fingerprint=$(secret_fingerprint)
  load_password
  # ok: no server refused us (the heartbeat); all: every server has this Secret now. A server that
  # did not answer this round (down, loading, or a PING timeout under load) keeps the Secret
  # unsynced, so the next round applies it there instead of taking it for done.
  ok=yes
  all=yes
  for target in "$REDIS_PORT:server" ${SENTINEL_TARGET:+"$SENTINEL_TARGET"}; do
    rc=0
    sync_local "${target%%:*}" "${target#*:}" || rc=$?
    if [ "$rc" -ne 0 ]; then all=no; fi
    if [ "$rc" -eq 1 ]; then ok=no; fi
  done
  if [ "$all" = yes ]; then synced=$fingerprint; fi
  if [ "$ok" = yes ]; then touch -- "$HEARTBEAT_FILE"; fi
  sleep "$AGENT_INTERVAL_SECONDS" &
  wait $! || true
done
