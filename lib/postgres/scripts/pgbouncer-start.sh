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

exec "${PGBOUNCER_BIN:-pgbouncer}" "$ini"
