#!/bin/sh
# preStop of a Sentinel: stay up while the Redis node of this pod is still the primary (its own
# preStop is handing over, and this Sentinel may be the one running the failover), bounded.
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

: "${PRESTOP_TIMEOUT_SECONDS:=20}"
load_password
deadline=$(($(date +%s) + PRESTOP_TIMEOUT_SECONDS))
while [ "$(date +%s)" -lt "$deadline" ]; do
  [ "$(rcli 127.0.0.1 "$REDIS_PORT" INFO replication | field role)" = master ] || exit 0
  sleep 0.5
done
