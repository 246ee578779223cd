#!/bin/sh
# superset-wait.sh reachable|head: waits, logging why, and gives up after WAIT_TIMEOUT_SECONDS.
#   reachable  until superset_config.py loads and the metadata database answers: the migration
#              Job runs this first, because on an empty cluster Postgres and the Redis Cluster
#              come up minutes after the Job starts.
#   head       until the schema is at this image's Alembic head: web, workers and beat hold here
#              so new code never runs on an old schema.
# Each attempt is one `superset db current` (it imports superset_config.py, which connects to
# redis-cache, and queries alembic_version). After the deadline it exits 1, so the pod shows the
# failure (Init:Error, a restart, a failed Job attempt) with the reason in its log.
set -u

mode=${1:-}
timeout=${WAIT_TIMEOUT_SECONDS:?WAIT_TIMEOUT_SECONDS is not set}
interval=${WAIT_INTERVAL_SECONDS:-10}
superset=${SUPERSET_BIN:-superset}

case "$mode" in
  reachable) what="the metadata database (${DATABASE_HOST:-?}:${DATABASE_PORT:-?}) and the Redis servers superset_config.py connects to" ;;
  head) what="the migration Job${MIGRATION_JOB:+ $MIGRATION_JOB} to bring the schema to this image's head revision" ;;
  *) echo "usage: $0 reachable|head" >&2; exit 2 ;;
esac

log() { printf '%s superset-wait: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
# The last line superset wrote (for a traceback: the exception), shortened for one log line.
last_line() { sed -e '/^[[:space:]]*$/d' "$1" | tail -n 1 | cut -c 1-300; }

errors=$(mktemp "${TMPDIR:-/tmp}/superset-wait.XXXXXX")
trap 'rm -f "$errors"' EXIT
# As an init container this shell is PID 1, which ignores a signal it has no handler for: without
# this trap a pod deleted while waiting would only stop at SIGKILL, after the grace period.
sleeper=
trap 'log "stopped by SIGTERM while waiting for $what"; [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null; exit 143' TERM
start=$(date +%s)
attempt=0
log "waiting for $what (at most ${timeout}s)"
while :; do
  attempt=$((attempt + 1))
  if current=$("$superset" db current 2>"$errors"); then
    revision=$(printf '%s\n' "$current" | grep -E '^[0-9a-f]+( |$)' | tail -n 1)
    if [ "$mode" = reachable ]; then
      log "ready after $(($(date +%s) - start))s: the database answers (revision: ${revision:-none yet})"
      exit 0
    fi
    case "$revision" in
      *"(head)"*) log "schema at this image's head (${revision%% *}) after $(($(date +%s) - start))s"; exit 0 ;;
    esac
    reason="the schema is at ${revision:-no revision (nothing migrated yet)}, not at this image's head"
  else
    reason="superset db current failed: $(last_line "$errors")"
  fi
  elapsed=$(($(date +%s) - start))
  if [ "$elapsed" -ge "$timeout" ]; then
    log "giving up after ${elapsed}s and $attempt attempts waiting for $what: $reason"
    exit 1
  fi
  log "still waiting (${elapsed}s of ${timeout}s): $reason"
  # In the background, so the TERM trap runs at once instead of after the sleep.
  sleep "$interval" &
  sleeper=$!
  wait "$sleeper"
  sleeper=
done
