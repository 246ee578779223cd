#!/bin/sh
# The web container's command: gunicorn becomes PID 1 (exec), so the kubelet's SIGTERM reaches it
# and in-flight requests drain within --graceful-timeout. The image's run-server.sh starts
# gunicorn as a child of bash, and bash as PID 1 ignores SIGTERM: every rollout waited for the
# whole grace period, then SIGKILL. Same flags and variables as Superset 6.1's
# docker/entrypoints/run-server.sh; statsd only when SERVER_STATSD_HOST is set (monitoring on).
set -eu
set -- \
  --bind "${SUPERSET_BIND_ADDRESS:-0.0.0.0}:${SUPERSET_PORT:-8088}" \
  --access-logfile "${ACCESS_LOG_FILE:--}" \
  --error-logfile "${ERROR_LOG_FILE:--}" \
  --workers "${SERVER_WORKER_AMOUNT:-1}" \
  --worker-class "${SERVER_WORKER_CLASS:-gthread}" \
  --threads "${SERVER_THREADS_AMOUNT:-20}" \
  --log-level "${GUNICORN_LOGLEVEL:-info}" \
  --timeout "${GUNICORN_TIMEOUT:-60}" \
  --keep-alive "${GUNICORN_KEEPALIVE:-2}" \
  --max-requests "${WORKER_MAX_REQUESTS:-0}" \
  --max-requests-jitter "${WORKER_MAX_REQUESTS_JITTER:-0}" \
  --limit-request-line "${SERVER_LIMIT_REQUEST_LINE:-0}" \
  --limit-request-field_size "${SERVER_LIMIT_REQUEST_FIELD_SIZE:-0}"
if [ -n "${SERVER_STATSD_HOST:-}" ]; then
  set -- "$@" --statsd-host "${SERVER_STATSD_HOST}:${SERVER_STATSD_PORT:-8125}" --statsd-prefix "${SERVER_STATSD_PREFIX:-superset}"
fi
exec "${GUNICORN_BIN:-gunicorn}" "$@" "${FLASK_APP:-superset.app:create_app()}"
