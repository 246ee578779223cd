#!/bin/sh
# Entrypoint of the Patroni container: makes the data directory private to its owner, starts the
# certificate watcher (postgres.tls), then runs Patroni with the given arguments (the path of patroni.yml).
#
# PostgreSQL refuses to start when its data directory is writable by the group or readable by
# others ("data directory ... has invalid permissions"). The kubelet's fsGroup ownership change
# walks the volume and gives every directory group rwx plus setgid, PGDATA included; Spilo's own
# entrypoint (launch.sh) repairs that with chmod 0700 on every start, which we bypass by running
# patroni directly. fsGroupChangePolicy OnRootMismatch makes the walk rare, not impossible (a new
# volume root, a restore, another policy on the cluster), so the mode is enforced here each time.
set -eu
: "${PGDATA:?PGDATA must name the data directory (postgresql.data_dir of patroni.yml)}"
: "${PATRONI:=patroni}"

log() {
  printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" patroni-start "$*" >&2
}

# A missing directory is fine: initdb or the replica's base backup creates it with mode 0700.
if [ -d "$PGDATA" ]; then
  mode=$(stat -c %a -- "$PGDATA")
  case "$mode" in
    700) ;;
    *)
      owner=$(stat -c %u -- "$PGDATA")
      if [ "$owner" != "$(id -u)" ]; then
        log "$PGDATA has mode $mode and belongs to uid $owner, not to this user (uid $(id -u)): PostgreSQL will refuse it; fix its owner (runAsUser) and restart"
        exit 1
      fi
      # u=rwx,g=,o= also clears the setgid bit the fsGroup walk adds.
      chmod u=rwx,g=,o=,g-s -- "$PGDATA"
      log "$PGDATA had mode $mode (group or other access, e.g. after an fsGroup ownership change); set to $(stat -c %a -- "$PGDATA")"
      ;;
  esac
fi

# postgres.tls: PostgreSQL and Patroni's REST API read the certificate only at start and on a
# reload. When the Secret changes (cert-manager renewed it, or it was replaced), the kubelet swaps
# the files; this loop, left running next to Patroni, notices and sends Patroni SIGHUP: Patroni
# reloads PostgreSQL and, when the certificate's serial number changed, its REST API (Patroni 4.1
# reload_config). This shell's pid is Patroni's once it execs below.
if [ -n "${TLS_WATCH_DIR:-}" ]; then
  patroni_pid=$$
  (
    fingerprint() { cat -- "$TLS_WATCH_DIR/tls.crt" "$TLS_WATCH_DIR/tls.key" 2>/dev/null | cksum; }
    seen=$(fingerprint)
    while sleep "${TLS_WATCH_SECONDS:-60}"; do
      now=$(fingerprint)
      [ "$now" = "$seen" ] && continue
      if kill -HUP "$patroni_pid" 2>/dev/null; then
        seen=$now
        log "the certificate in $TLS_WATCH_DIR changed: sent Patroni SIGHUP (it reloads PostgreSQL and the REST API)"
      else
        log "the certificate in $TLS_WATCH_DIR changed, but Patroni (pid $patroni_pid) could not be signalled (retried)"
      fi
    done
  ) &
fi

exec "$PATRONI" "$@"
