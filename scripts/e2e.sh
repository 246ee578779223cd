#!/usr/bin/env bash
# npm run e2e -- <env> [--dist DIR] [--scenario NAME] [--keep] [--bench]
# npm run test:e2e [-- jest args]
#
# Runs dist/<env> on this machine the way a cluster would (test/e2e/README.md). Needs root: it
# creates network namespaces, nftables rules and mounts. Installs the Debian packages it needs
# (test/e2e/packages.txt) when missing, then runs the harness inside a fresh "node" network
# namespace of its own, which it deletes afterwards: pod and Service addresses never exist on the
# machine's own network.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "$(id -u)" -ne 0 ]]; then
  echo "e2e: must run as root (network namespaces, nftables, mounts); try: sudo npm run e2e -- $*" >&2
  exit 1
fi

need=()
while read -r pkg probe; do
  [[ -z "${pkg}" || "${pkg}" == \#* ]] && continue
  if [[ "${probe}" == /* ]]; then [[ -e "${probe}" ]] || need+=("${pkg}")
  else command -v "${probe}" >/dev/null || need+=("${pkg}"); fi
done < test/e2e/packages.txt
if [[ ${#need[@]} -gt 0 ]]; then
  echo "e2e: installing ${need[*]}"
  apt-get update -qq
  # policy-rc.d 101: packages must not start their own services; the harness starts what it needs.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

mode=cli
if [[ "${1:-}" == --jest ]]; then mode=jest; shift; fi

# The image stand-ins' Debian roots (cached under /var/cache/superset-k8s-e2e/roots; built when
# missing, which needs Debian's archive: done here, before entering the node namespace).
if [[ -z "${E2E_ROOTS_READY:-}" ]]; then
  npx tsx test/e2e/harness/images/build-roots.ts
  export E2E_ROOTS_READY=1
fi

# The whole suite (`npm run test:e2e` without arguments): its independent parts in three lanes at
# once, each part in a node namespace of its own (a platform mostly waits: two cores carry three),
# the parts of a lane one after the other, each part's output printed when it ends: every prod
# scenario on one platform, every dev scenario on another, and the fresh-start part then the
# harness's component tests. One platform per environment: the cores are what limits the suite
# (a platform's start loads them most: every Superset pod's init container imports the app every
# 10 s), and a run with four platforms at once was slower and failed on starved servers
# (docs/e2e.md).
if [[ "${mode}" == jest && $# -eq 0 ]]; then
  logs="$(mktemp -d)"
  lanes=(
    "prod|E2E_ENVIRONMENTS=prod|test/e2e/platform"
    "dev|E2E_ENVIRONMENTS=dev|test/e2e/platform"
    "fresh-start|E2E_ENVIRONMENTS=|test/e2e/fresh-start;harness|E2E_ENVIRONMENTS=|test/e2e/harness/"
  )
  started=${SECONDS}
  run_lane() {
    local lane_status=0 part name assignments pattern
    IFS=';' read -ra parts <<< "$1"
    for part in "${parts[@]}"; do
      IFS='|' read -r name assignments pattern <<< "${part}"
      # shellcheck disable=SC2086 # assignments are words on purpose
      if env ${assignments} bash "$0" --jest "${pattern}" > "${logs}/${name}.log" 2>&1; then result=passed; else result=FAILED; lane_status=1; fi
      echo "${name}|${result}|$((SECONDS - started))" >> "${logs}/results"
    done
    return "${lane_status}"
  }
  pids=()
  for lane in "${lanes[@]}"; do
    run_lane "${lane}" &
    pids+=("$!")
  done
  status=0
  for pid in "${pids[@]}"; do wait "${pid}" || status=1; done
  while IFS='|' read -r name result at; do
    echo "===== e2e ${name}: ${result} (ended ${at} s after the start)"
    cat "${logs}/${name}.log"
  done < "${logs}/results"
  rm -rf "${logs}"
  exit "${status}"
fi

# One node namespace per run, so runs never share addresses, rules or names.
run_id="${E2E_RUN_ID:-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
node="sk8s-${run_id}-node"
ip netns add "${node}"
cleanup() {
  # Pod namespaces of this run that the harness could not delete (it was killed): remove them.
  for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^sk8s-${run_id}-" || true); do ip netns del "${ns}" 2>/dev/null || true; done
}
trap cleanup EXIT
ip -n "${node}" link set lo up

# E2E_HOST_NET_PID: a process in the machine's own network namespace (this script), through which
# the image stand-ins download Debian packages when a root is missing (the node namespace has no route out).
export E2E_RUN_ID="${run_id}" E2E_NODE_NETNS="${node}" E2E_HOST_NET_PID="$$" CDK8S_CHECK_UPGRADE=false
status=0
if [[ "${mode}" == jest ]]; then
  ip netns exec "${node}" npx jest -c jest.e2e.config.js "$@" || status=$?
else
  ip netns exec "${node}" npx tsx test/e2e/cli.ts "$@" || status=$?
fi
exit "${status}"
