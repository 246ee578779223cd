#!/bin/sh
# Patroni's bootstrap.post_bootstrap: runs once, on the member that initialises the cluster, with a
# superuser connection string (the local socket) as $1. Creates Superset's role and database,
# when REWIND_DATABASE_USER is set the role pg_rewind connects as (Patroni creates it too, right
# after this script, on a new cluster), and when BACKUP_DATABASE_USER is set the read-only role the
# pg-backup CronJob logs in as. Idempotent: a second run (e.g. by an operator on a cluster
# bootstrapped before the backup or rewind role existed) only sets the same passwords again.
# Passwords come from the environment (Kubernetes Secrets) and are read by psql's \getenv, so
# they never appear on a command line; the session never logs statements, even failing ones.
set -eu
: "${SUPERSET_DATABASE_NAME:?SUPERSET_DATABASE_NAME is not set}"
: "${SUPERSET_DATABASE_USER:?SUPERSET_DATABASE_USER is not set}"
: "${SUPERSET_DATABASE_PASSWORD:?SUPERSET_DATABASE_PASSWORD is not set (Secret, see the README)}"
: "${BACKUP_DATABASE_USER:=}"
: "${REWIND_DATABASE_USER:=}"
if [ -n "$REWIND_DATABASE_USER" ]; then
  : "${REWIND_DATABASE_PASSWORD:?REWIND_DATABASE_PASSWORD is not set (Secret, see the README)}"
fi
if [ -n "$BACKUP_DATABASE_USER" ]; then
  : "${BACKUP_DATABASE_PASSWORD:?BACKUP_DATABASE_PASSWORD is not set (Secret of ops.backup.credentials)}"
fi

# psql on the SQL of stdin, after three settings that keep this session's statements (which carry
# passwords) out of the server log.
quiet_psql() {
  { printf '%s\n' "SET log_statement = 'none';" "SET log_min_error_statement = 'panic';" "SET log_min_duration_statement = -1;"; cat; } |
    psql "$1" --no-psqlrc --quiet --set=ON_ERROR_STOP=1
}

quiet_psql "$1" <<'SQL'
\getenv superset_user SUPERSET_DATABASE_USER
\getenv superset_db SUPERSET_DATABASE_NAME
\getenv superset_password SUPERSET_DATABASE_PASSWORD
SELECT format('CREATE ROLE %I LOGIN', :'superset_user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'superset_user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'superset_user', :'superset_password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'superset_db', :'superset_user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'superset_db') \gexec
REVOKE ALL ON DATABASE :"superset_db" FROM PUBLIC;
SQL
echo "post-bootstrap: role and database for Superset are in place"

if [ -n "$REWIND_DATABASE_USER" ]; then
  # What pg_rewind reads from the source server, per the PostgreSQL documentation of pg_rewind:
  # EXECUTE on these four functions and nothing else (no superuser, no replication).
  quiet_psql "$1" <<'SQL'
\getenv rewind_user REWIND_DATABASE_USER
\getenv rewind_password REWIND_DATABASE_PASSWORD
SELECT format('CREATE ROLE %I LOGIN', :'rewind_user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'rewind_user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L', :'rewind_user', :'rewind_password') \gexec
GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) TO :"rewind_user";
GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO :"rewind_user";
GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) TO :"rewind_user";
GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO :"rewind_user";
SQL
  echo "post-bootstrap: pg_rewind role \"$REWIND_DATABASE_USER\" is in place"
fi

[ -n "$BACKUP_DATABASE_USER" ] || exit 0
# Read-only on every table (pg_read_all_data, PostgreSQL 14+), CONNECT on Superset's database only.
quiet_psql "$1" <<'SQL'
\getenv backup_user BACKUP_DATABASE_USER
\getenv backup_password BACKUP_DATABASE_PASSWORD
\getenv superset_db SUPERSET_DATABASE_NAME
SELECT format('CREATE ROLE %I LOGIN', :'backup_user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'backup_user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD %L', :'backup_user', :'backup_password') \gexec
SELECT format('GRANT pg_read_all_data TO %I', :'backup_user')
 WHERE NOT pg_has_role(:'backup_user', 'pg_read_all_data', 'MEMBER') \gexec
GRANT CONNECT ON DATABASE :"superset_db" TO :"backup_user";
SQL
echo "post-bootstrap: backup role \"$BACKUP_DATABASE_USER\" is in place (pg_read_all_data, CONNECT on $SUPERSET_DATABASE_NAME)"
