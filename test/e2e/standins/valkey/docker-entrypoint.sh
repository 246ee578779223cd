#!/bin/sh
# Stand-in of the valkey image's docker-entrypoint.sh (the manifests set their own command, so
# this runs only for a container without one): option-only arguments or a .conf file go to
# valkey-server. Unlike the original it neither chowns /data nor drops root.
set -e
case "${1:-}" in
  -* | *.conf) set -- valkey-server "$@" ;;
esac
umask 0077
exec "$@"
