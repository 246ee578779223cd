#!/bin/sh
# Patroni's bootstrap.post_bootstrap: runs once, on the member that initialises the cluster, with a
# superuser connection string as $1. Creates Superset's role and database (idempotent).
# The password comes from the environment (a Kubernetes Secret) and is read by psql's \getenv, so
# it never appears on a command line; the session never logs statements, even failing ones.
set -eu
: "${SUPERSET_DATABASE_NAME:?SUPERSET_DATABASE_NAME is not set}"
: "${SUPERSET_DATABASE_USER:?SUPERSET_DATABASE_USER is not set}"
: "${SUPERSET_DATABASE_PASSWORD:?SUPERSET_DATABASE_PASSWORD is not set (Secret, see the README)}"

psql "$1" --no-psqlrc --quiet --set=ON_ERROR_STOP=1 <<'SQL'
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
SET log_min_duration_statement = -1;
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
