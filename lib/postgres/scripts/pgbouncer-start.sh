#!/bin/sh
# Entry point of the PgBouncer container. Writes the auth file from the environment (Kubernetes
# fills it from Secrets) into a memory-backed volume readable only by this user, then becomes
# PgBouncer itself (PID 1, so the preStop hook can signal it).
# usage: pgbouncer-start.sh <pgbouncer.ini>
set -eu
ini="$1"
: "${PGBOUNCER_AUTH_FILE:?PGBOUNCER_AUTH_FILE is not set}"
: "${SUPERSET_DATABASE_USER:?SUPERSET_DATABASE_USER is not set}"
: "${SUPERSET_DATABASE_PASSWORD:?SUPERSET_DATABASE_PASSWORD is not set (Secret, see the README)}"
: "${PGBOUNCER_STATS_USER:?PGBOUNCER_STATS_USER is not set}"
: "${PGBOUNCER_STATS_PASSWORD:?PGBOUNCER_STATS_PASSWORD is not set (Secret, see the README)}"

# auth_file format: "user" "password", with a double quote inside a value written twice.
quote() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }

umask 077
tmp="${PGBOUNCER_AUTH_FILE}.tmp"
{
  printf '%s %s\n' "$(quote "$SUPERSET_DATABASE_USER")" "$(quote "$SUPERSET_DATABASE_PASSWORD")"
  printf '%s %s\n' "$(quote "$PGBOUNCER_STATS_USER")" "$(quote "$PGBOUNCER_STATS_PASSWORD")"
} > "$tmp"
mv "$tmp" "$PGBOUNCER_AUTH_FILE"
unset SUPERSET_DATABASE_PASSWORD PGBOUNCER_STATS_PASSWORD

# postgres.tls: PgBouncer loads its certificate at start and on SIGHUP (RELOAD). When the Secret
# changes, the kubelet swaps the files; this loop notices and sends SIGHUP to this process, which
# is PgBouncer after the exec below (same pid).
if [ -n "${TLS_WATCH_DIR:-}" ]; then
  self=$$
  (
    fingerprint() { cat -- "$TLS_WATCH_DIR/tls.crt" "$TLS_WATCH_DIR/tls.key" 2>/dev/null | cksum; }
    seen=$(fingerprint)
    while sleep "${TLS_WATCH_SECONDS:-60}"; do
      now=$(fingerprint)
      [ "$now" = "$seen" ] && continue
      kill -HUP "$self" 2>/dev/null || exit 0
      seen=$now
      printf '%s pgbouncer-start: the certificate in %s changed: sent SIGHUP (reload)\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$TLS_WATCH_DIR" >&2
    done
  ) &
fi

exec "${PGBOUNCER_BIN:-pgbouncer}" "$ini"
