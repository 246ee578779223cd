#!/usr/bin/env bash
# The Superset image's /usr/bin/run-server.sh, as the e2e stand-in has it: gunicorn serving
# FLASK_APP, each setting from the same environment variable (and default) as Superset 6.1's
# docker/entrypoints/run-server.sh. Like that script, it runs gunicorn as a child of bash (no
# exec), so bash stays PID 1 of the container.
args=(
  --bind "${SUPERSET_BIND_ADDRESS:-0.0.0.0}:${SUPERSET_PORT:-8088}"
  --access-logfile "${ACCESS_LOG_FILE:--}"
  --error-logfile "${ERROR_LOG_FILE:--}"
  --workers "${SERVER_WORKER_AMOUNT:-1}"
  --worker-class "${SERVER_WORKER_CLASS:-gthread}"
  --threads "${SERVER_THREADS_AMOUNT:-20}"
  --log-level "${GUNICORN_LOGLEVEL:-info}"
  --timeout "${GUNICORN_TIMEOUT:-60}"
  --keep-alive "${GUNICORN_KEEPALIVE:-2}"
  --max-requests "${WORKER_MAX_REQUESTS:-0}"
  --max-requests-jitter "${WORKER_MAX_REQUESTS_JITTER:-0}"
  --limit-request-line "${SERVER_LIMIT_REQUEST_LINE:-0}"
  --limit-request-field_size "${SERVER_LIMIT_REQUEST_FIELD_SIZE:-0}"
  --statsd-host="${SERVER_STATSD_HOST:-localhost}:${SERVER_STATSD_PORT:-8125}"
  --statsd-prefix="${SERVER_STATSD_PREFIX:-superset}"
)
gunicorn "${args[@]}" "${FLASK_APP}"
