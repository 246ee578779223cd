#!/bin/sh
# usage: cluster-heal.sh SELF_HOST:PORT PEER_HOST:PORT...
#
# Reconnects this node to every peer whose current address it does not know. Pods come back
# with new IPs; a node that restarts alone finds the others at their old addresses and they learn
# its new one from its pings, but when several (or all) restart, nobody knows where the others
# are and the cluster stays down. Peers are named by stable DNS names (<pod>.<headless service>),
# resolved here to their current IPs; CLUSTER MEET with a known node's new address makes Redis
# update that node's address (same node id: slots, roles and data stay as they were).
# Only a node that is already part of a cluster reaches out: creating it is cluster-create.sh's job.
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

[ $# -ge 2 ] || die "usage: $0 SELF_HOST:PORT PEER_HOST:PORT..."
self=$1
shift
self_host=$(host_of "$self")
self_port=$(port_of "$self")
load_password

info=$(rcli "$self_host" "$self_port" CLUSTER INFO)
known=$(printf '%s\n' "$info" | field cluster_known_nodes)
assigned=$(printf '%s\n' "$info" | field cluster_slots_assigned)
if [ -z "$known" ]; then
  die "$self does not answer CLUSTER INFO"
fi
if [ "$known" -le 1 ] && [ "${assigned:-0}" -eq 0 ]; then
  exit 0
fi

self_ip=$(resolve "$self_host") || die "cannot resolve $self_host"
nodes=$(rcli "$self_host" "$self_port" CLUSTER NODES)
for peer in "$@"; do
  host=$(host_of "$peer")
  port=$(port_of "$peer")
  # A peer without an address (pod not scheduled yet) is retried on the next run.
  ip=$(resolve "$host") || continue
  [ "$ip:$port" = "$self_ip:$self_port" ] && continue
  # Known at this address (reachable or not): Redis itself keeps reconnecting to it.
  if printf '%s\n' "$nodes" | awk -v a="$ip:$port" '{ split($2, x, "@"); if (x[1] == a) found = 1 } END { exit !found }'; then
    continue
  fi
  reply=$(rcli "$self_host" "$self_port" CLUSTER MEET "$ip" "$port")
  log "meet $peer at $ip:$port: ${reply:-no answer}"
done

# A replica that learned its primary's new address from gossip (not from its own MEET) keeps
# replicating from the old address (seen with Redis 7.0): point replication at it again.
# CLUSTER REPLICATE with the same primary id only changes the address (partial resync).
nodes=$(rcli "$self_host" "$self_port" CLUSTER NODES)
primary_id=$(printf '%s\n' "$nodes" | awk '$3 ~ /myself/ && $3 ~ /slave/ { print $4 }')
if [ -n "$primary_id" ] && [ "$primary_id" != - ]; then
  primary=$(printf '%s\n' "$nodes" | awk -v id="$primary_id" '$1 == id && $3 !~ /fail|noaddr|handshake/ { split($2, x, "@"); print x[1] }')
  replication=$(rcli "$self_host" "$self_port" INFO replication)
  following="$(printf '%s\n' "$replication" | field master_host):$(printf '%s\n' "$replication" | field master_port)"
  if [ -n "$primary" ] && [ "$primary" != "$following" ]; then
    reply=$(rcli "$self_host" "$self_port" CLUSTER REPLICATE "$primary_id")
    log "primary $primary_id moved from $following to $primary: replicate again: ${reply:-no answer}"
  fi
fi
