#!/bin/sh
# Entrypoint of a redis-cache (Redis Cluster) node.
#
# The rendered redis.conf (ConfigMap) holds every setting that is the same on all nodes. What
# differs per pod or is secret goes into $RUN_DIR/redis.conf, an in-memory emptyDir file that
# includes it: the ACL users of users.conf with their passwords (the current one and, while a
# rotation is under way, the next or previous one; masteruser/masterauth, the replication user's
# current one), and the address this node announces to the cluster. The server is started with that file's path only, so `ps`
# shows no secret. Redis may rewrite this file (CONFIG REWRITE); it is regenerated at each start.
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

: "${REDIS_CONF:=$SCRIPT_DIR/redis.conf}"
# The pod IP (downward API): announced so that peers and clients reach this node directly.
: "${POD_IP:?POD_IP must be set (downward API status.podIP)}"
# The stable DNS name of the pod (<pod>.<headless service>), shown in CLUSTER NODES for humans.
: "${ANNOUNCE_HOSTNAME:=}"

load_password
mkdir -p -- "$RUN_DIR"
{
  printf 'include %s\n' "$REDIS_CONF"
  acl_config "$USERS_CONF"
  printf 'masteruser %s\n' "$REPLICATION_USER"
  printf 'masterauth "%s"\n' "$(current_of internal "$REPLICATION_USER")"
  printf 'cluster-announce-ip %s\n' "$POD_IP"
  if [ -n "$ANNOUNCE_HOSTNAME" ]; then printf 'cluster-announce-hostname %s\n' "$ANNOUNCE_HOSTNAME"; fi
} | write_file "$RUN_DIR/redis.conf"

log "starting $REDIS_SERVER as $POD_IP${ANNOUNCE_HOSTNAME:+ ($ANNOUNCE_HOSTNAME)}"
# The server reads the password from the file above; it need not inherit it.
unset REDISCLI_AUTH VALKEYCLI_AUTH
# Files the server writes (snapshots, AOF, a rewritten config) are readable by this user only.
umask 077
exec "$REDIS_SERVER" "$RUN_DIR/redis.conf"
