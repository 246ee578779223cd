#!/bin/sh
# preStop of a redis-queue node under Sentinel: a primary hands over to a replica before it
# stops, without losing an acknowledged write and without a detection delay:
#   1. CLIENT PAUSE WRITE: writers wait (reads and replication go on);
#   2. wait until the online replicas have everything (their offset reaches ours);
#   3. SENTINEL FAILOVER: the Sentinels promote the best replica;
#   4. as soon as they name the new master, replicate it (REPLICAOF) and unpause: the waiting
#      writers get READONLY, which Sentinel-aware clients (redis-py, kombu) turn into a
#      reconnect to the new master, then retry.
# A replica, or a primary without an online replica, just stops.
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

: "${PRESTOP_TIMEOUT_SECONDS:=20}"
: "${SENTINELS:?}"
: "${MASTER_NAME:?}"
: "${ANNOUNCE_HOST:?}"
host=${1:-127.0.0.1}
port=${2:-$REDIS_PORT}
load_password

replication=$(rcli "$host" "$port" INFO replication)
if [ "$(printf '%s\n' "$replication" | field role)" != master ]; then
  log "not the primary: nothing to hand over"
  exit 0
fi
online=$(printf '%s\n' "$replication" | grep -c '^slave[0-9]*:.*state=online' || true)
if [ "$online" -eq 0 ]; then
  log "no online replica: stopping without a handover (Sentinel fails over after down-after-milliseconds)"
  exit 0
fi

deadline=$(($(date +%s) + PRESTOP_TIMEOUT_SECONDS))
rcli "$host" "$port" CLIENT PAUSE $((PRESTOP_TIMEOUT_SECONDS * 1000)) WRITE > /dev/null
unpause() { rcli "$host" "$port" CLIENT UNPAUSE > /dev/null || true; }
trap unpause EXIT

# 2. replicas caught up (bounded: a lagging replica must not block the stop)
caught_up=$(($(date +%s) + 5))
while [ "$(date +%s)" -lt "$caught_up" ]; do
  replication=$(rcli "$host" "$port" INFO replication)
  offset=$(printf '%s\n' "$replication" | field master_repl_offset)
  behind=$(printf '%s\n' "$replication" | sed -n 's/^slave[0-9]*:.*state=online,offset=\([0-9]*\).*/\1/p' |
    awk -v o="$offset" '$1 < o { n++ } END { print n + 0 }')
  [ "$behind" -eq 0 ] && break
  sleep 0.05
done

# 3. ask a Sentinel in another pod first: ours is stopping with us.
others=""
mine=""
for s in $SENTINELS; do
  case "$s" in "$ANNOUNCE_HOST":*) mine="$s" ;; *) others="$others $s" ;; esac
done
asked=""
for s in $others $mine; do
  ip=$(resolve "$(host_of "$s")") || continue
  reply=$(rcli "$ip" "$(port_of "$s")" SENTINEL FAILOVER "$MASTER_NAME")
  if [ "$reply" = OK ]; then asked=$s; break; fi
  log "Sentinel $s refused the failover: ${reply:-no answer}"
done
if [ -z "$asked" ]; then
  log "no Sentinel accepted the failover; stopping without a handover"
  exit 0
fi
log "failover of $MASTER_NAME requested from $s"

# 4. follow the new master as soon as the Sentinels name it
while [ "$(date +%s)" -lt "$deadline" ]; do
  # shellcheck disable=SC2086
  master=$(ask_sentinels "$MASTER_NAME" $asked) || master=""
  if [ -n "$master" ] && [ "$master" != "$ANNOUNCE_HOST:$port" ]; then
    rcli "$host" "$port" REPLICAOF "$(host_of "$master")" "$(port_of "$master")" > /dev/null
    log "handed over to $master"
    exit 0
  fi
  sleep 0.1
done
log "the Sentinels did not promote a replica within ${PRESTOP_TIMEOUT_SECONDS}s; stopping anyway"
