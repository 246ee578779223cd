#!/bin/sh
# Readiness of a Sentinel: it answers and names the current master of MASTER_NAME. It does not
# depend on the other Sentinels, so one lost pod never makes the others unready.
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

: "${SENTINEL_PORT:=26379}"
: "${MASTER_NAME:?}"
load_password
ask_sentinels "$MASTER_NAME" "127.0.0.1:$SENTINEL_PORT" > /dev/null || { log "does not know the master of $MASTER_NAME"; exit 1; }
