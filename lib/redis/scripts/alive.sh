#!/bin/sh
# Liveness of a Redis or Sentinel process: it answers PING. LOADING (a large dataset being read
# at start) and MASTERDOWN (a replica whose primary is away) are alive: restarting would not help.
# It authenticates with any password of the Secret (rcli); when none is accepted it fails, and the
# restart starts the server with the Secret's passwords (the agents normally apply them live).
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

port=${1:-$REDIS_PORT}
load_password
reply=$(rcli 127.0.0.1 "$port" PING)
case "$reply" in
  PONG | LOADING* | MASTERDOWN*) exit 0 ;;
  *) log "PING on port $port answered: ${reply:-nothing}"; exit 1 ;;
esac
