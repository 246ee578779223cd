#!/bin/sh
# The migration Job: wait until what superset_config.py connects to answers (an empty cluster
# starts Postgres and Redis after this Job), then `superset db upgrade` and `superset init`, both
# idempotent. The wait is bounded by WAIT_TIMEOUT_SECONDS, below the Job's activeDeadlineSeconds.
# With ADMIN_USERNAME set (AUTH_DB; from the admin Secret), the first admin is created once: an
# existing user of that name or email is left as it is, and the log says so.
set -eu

here=$(dirname "$0")
superset=${SUPERSET_BIN:-superset}
log() { printf '%s superset-migrate: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

sh "$here/superset-wait.sh" reachable
log "superset db upgrade"
"$superset" db upgrade
log "superset init"
"$superset" init

create_first_admin() {
  : "${ADMIN_EMAIL:?ADMIN_EMAIL is not set (key email of the admin Secret)}"
  : "${ADMIN_PASSWORD:?ADMIN_PASSWORD is not set (key password of the admin Secret)}"
  # Flask-AppBuilder prints the outcome and exits 0 whether it created the user or not.
  if ! out=$("$superset" fab create-admin --username "$ADMIN_USERNAME" --firstname Superset --lastname Admin \
      --email "$ADMIN_EMAIL" --password "$ADMIN_PASSWORD" 2>&1); then
    log "superset fab create-admin failed: $(printf '%s\n' "$out" | tail -n 1)"
    return 1
  fi
  case "$out" in
    *"Admin User $ADMIN_USERNAME created."*)
      log "created the first admin \"$ADMIN_USERNAME\" ($ADMIN_EMAIL) from the admin Secret" ;;
    *"User already exists"*)
      log "a user \"$ADMIN_USERNAME\" or one with email $ADMIN_EMAIL already exists: nothing changed (the Secret's password is never applied to an existing user)" ;;
    *)
      log "superset fab create-admin created no user: $(printf '%s\n' "$out" | tail -n 1)"
      return 1 ;;
  esac
}

if [ -n "${ADMIN_USERNAME:-}" ]; then
  create_first_admin
else
  log "no first admin to create (single sign-on: users are registered at their first login)"
fi
log "done"
