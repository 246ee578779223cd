#!/bin/sh
# Readiness of a redis-queue node: a primary answers (its data is loaded); a replica's link to
# its primary is up, so it holds the data and can be promoted without loss.
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

load_password
role=$(rcli 127.0.0.1 "$REDIS_PORT" INFO replication | field role)
case "$role" in
  master)
    [ "$(rcli 127.0.0.1 "$REDIS_PORT" PING)" = PONG ] && exit 0
    log "primary does not answer PING (still loading?)"
    exit 1
    ;;
  slave)
    link=$(rcli 127.0.0.1 "$REDIS_PORT" INFO replication | field master_link_status)
    [ "$link" = up ] && exit 0
    log "replica link to its primary is ${link:-unknown}"
    exit 1
    ;;
  *) log "no answer (role ${role:-unknown})"; exit 1 ;;
esac
