#!/bin/sh
# Liveness of the cluster agent: its heartbeat file was touched within MAX_AGE_SECONDS.
set -eu
: "${HEARTBEAT_FILE:=/tmp/cluster-agent-heartbeat}"
max_age=${1:-60}
[ -f "$HEARTBEAT_FILE" ] || exit 1
age=$(($(date +%s) - $(stat -c %Y -- "$HEARTBEAT_FILE")))
[ "$age" -lt "$max_age" ]
