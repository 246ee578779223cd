#!/bin/sh
# usage: cluster-create.sh REPLICAS_PER_SHARD HOST:PORT...
#
# Creates the Redis Cluster once, and is safe to run again at any time (the cluster agent of
# the first pod runs it every few seconds):
#   - no node has slots yet: waits until every node answers, then makes the first
#     N / (REPLICAS_PER_SHARD + 1) nodes the primaries (16384 slots split evenly) and attaches
#     the others in order as their replicas (node S+k replicates primary k mod S);
#   - the cluster exists: only an empty node (a pod whose volume was lost, or a new pod) is
#     attached, as a replica of the primary with the fewest replicas. Nothing else is touched.
# Exit status: 0 done or nothing to do, 75 waiting for nodes (try again), 1 error.
set -eu
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname -- "$0")/common.sh"

[ $# -ge 4 ] || die "usage: $0 REPLICAS_PER_SHARD HOST:PORT HOST:PORT HOST:PORT..."
replicas=$1
shift
total=$#
case "$replicas" in *[!0-9]* | '') die "REPLICAS_PER_SHARD must be a number, not '$replicas'" ;; esac
[ $((total % (replicas + 1))) -eq 0 ] || die "$total nodes cannot form shards of 1 primary + $replicas replica(s)"
shards=$((total / (replicas + 1)))
[ "$shards" -ge 3 ] || die "a Redis Cluster needs at least 3 primaries, $total node(s) give $shards"
load_password

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# One line per node, in the order given: "index ip:port reachable known_nodes slots_assigned keys".
probe() {
  : > "$work/nodes"
  _i=0
  for _addr in "$@"; do
    _host=$(host_of "$_addr")
    _port=$(port_of "$_addr")
    if _ip=$(resolve "$_host") && [ "$(rcli "$_ip" "$_port" PING)" = PONG ]; then
      _info=$(rcli "$_ip" "$_port" CLUSTER INFO)
      _known=$(printf '%s\n' "$_info" | field cluster_known_nodes)
      _assigned=$(printf '%s\n' "$_info" | field cluster_slots_assigned)
      _keys=$(rcli "$_ip" "$_port" DBSIZE)
      echo "$_i $_ip:$_port yes ${_known:-0} ${_assigned:-0} ${_keys:-0}" >> "$work/nodes"
    else
      echo "$_i $_addr no 0 0 0" >> "$work/nodes"
    fi
    _i=$((_i + 1))
  done
}

# addr_at INDEX: the resolved address of node INDEX.
addr_at() { awk -v i="$1" '$1 == i { print $2 }' "$work/nodes"; }

myid() { rcli "$(host_of "$1")" "$(port_of "$1")" CLUSTER MYID; }

create() {
  if awk '$3 != "yes" { exit 1 }' "$work/nodes"; then :; else
    log "waiting for every node before creating the cluster: $(awk '$3 != "yes" { printf "%s ", $2 }' "$work/nodes")"
    exit 75
  fi
  if ! awk '$6 != 0 { exit 1 }' "$work/nodes"; then
    die "no slot is assigned but some nodes hold keys; refusing to create a cluster over data: $(awk '$6 != 0 { printf "%s ", $2 }' "$work/nodes")"
  fi
  # Nodes that met without slots are what an interrupted earlier attempt leaves: start clean.
  awk '$4 > 1 { print $2 }' "$work/nodes" | while read -r _addr; do
    log "resetting $_addr (it knows other nodes but no slot is assigned)"
    rcli "$(host_of "$_addr")" "$(port_of "$_addr")" CLUSTER RESET SOFT > /dev/null
  done
  _primaries=$(awk -v s="$shards" '$1 < s { printf "%s ", $2 }' "$work/nodes")
  log "creating the cluster: primaries $_primaries"
  # shellcheck disable=SC2086 # the list is split on purpose
  timeout 120 "$REDIS_CLI" --user "$AGENT_USER" --cluster create $_primaries --cluster-replicas 0 --cluster-yes >&2 ||
    die "redis-cli --cluster create failed"
  _k=$shards
  while [ "$_k" -lt "$total" ]; do
    _replica=$(addr_at "$_k")
    _primary=$(addr_at $(((_k - shards) % shards)))
    attach "$_replica" "$_primary" "$(myid "$_primary")"
    _k=$((_k + 1))
  done
  log "cluster created: $shards primaries, $replicas replica(s) each"
}

# attach NODE ANY_MEMBER PRIMARY_ID: NODE (empty) joins the cluster as a replica of PRIMARY_ID.
attach() {
  log "attaching $1 as a replica of $3"
  timeout 120 "$REDIS_CLI" --user "$AGENT_USER" --cluster add-node "$1" "$2" --cluster-slave --cluster-master-id "$3" >&2 ||
    die "redis-cli --cluster add-node $1 failed"
}

# fewest_replicas MEMBER: id of the healthy primary with slots that has the fewest replicas.
fewest_replicas() {
  rcli "$(host_of "$1")" "$(port_of "$1")" CLUSTER NODES | awk '
    $3 ~ /master/ && $3 !~ /fail/ && NF >= 9 { count[$1] += 0 }
    $3 ~ /slave/ && $3 !~ /fail/ { replicas[$4]++ }
    END {
      for (id in count) { n = replicas[id] + 0; if (best == "" || n < min || (n == min && id < best)) { best = id; min = n } }
      print best
    }'
}

join() {
  _member=$(awk '$3 == "yes" && $5 > 0 { print $2; exit }' "$work/nodes")
  awk '$3 == "yes" { print $2, $4, $5, $6 }' "$work/nodes" | while read -r _addr _known _assigned _keys; do
    if [ "$_known" -le 1 ] && [ "$_assigned" -eq 0 ]; then
      if [ "$replicas" -eq 0 ]; then
        log "$_addr is empty but this cluster has no replicas; its slots need an operator (see the README runbook)"
      elif [ "$_keys" -ne 0 ]; then
        log "$_addr is not in the cluster but holds $_keys keys; leaving it alone"
      else
        attach "$_addr" "$_member" "$(fewest_replicas "$_member")"
      fi
      continue
    fi
    # A member primary without slots and without replicas serves nothing: make it a replica.
    _self=$(rcli "$(host_of "$_addr")" "$(port_of "$_addr")" CLUSTER NODES | awk '$3 ~ /myself/')
    case "$_self" in
      *master*)
        _id=$(printf '%s\n' "$_self" | awk '{ print $1 }')
        _slotted=$(printf '%s\n' "$_self" | awk '{ print NF }')
        _followers=$(rcli "$(host_of "$_addr")" "$(port_of "$_addr")" CLUSTER NODES | awk -v id="$_id" '$4 == id' | wc -l)
        if [ "$replicas" -gt 0 ] && [ "$_slotted" -lt 9 ] && [ "$_followers" -eq 0 ]; then
          _target=$(fewest_replicas "$_member")
          log "$_addr is a primary without slots: making it a replica of $_target"
          rcli "$(host_of "$_addr")" "$(port_of "$_addr")" CLUSTER REPLICATE "$_target" >&2
        fi
        ;;
    esac
  done
}

probe "$@"
if awk '$3 == "yes" && $5 > 0 { found = 1 } END { exit !found }' "$work/nodes"; then
  join
else
  create
fi
