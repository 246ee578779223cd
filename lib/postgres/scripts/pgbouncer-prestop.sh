#!/bin/sh
# preStop hook of the PgBouncer container. First wait until the Service has stopped sending new
# clients here, then SIGINT: PgBouncer's safe shutdown, which lets in-flight transactions finish
# and then exits. (Since 1.23 SIGTERM waits for every client to disconnect, which pooled Superset
# connections never do, so the pod would sit out its whole grace period.)
# usage: pgbouncer-prestop.sh <delay-seconds> [pid, default 1]
set -u
sleep "${1:-5}"
pid="${2:-1}"
kill -INT "$pid" 2>/dev/null || exit 0
while kill -0 "$pid" 2>/dev/null; do sleep 1; done
