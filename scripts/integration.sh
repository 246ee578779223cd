#!/usr/bin/env bash
# npm run test:integration [-- jest args]: installs what the integration tests need on the host
# (Debian packages listed in test/integration/packages.txt) and builds the image stand-ins' Debian
# roots the servers run from (cached under /var/cache/superset-k8s-e2e/roots) when missing, then
# runs the tests. As root: the servers run in a chroot as the manifests' users.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
while read -r pkg probe; do
  [[ -z "${pkg}" || "${pkg}" == \#* ]] && continue
  if [[ "${probe}" == /* ]]; then [[ -e "${probe}" ]] || need+=("${pkg}")
  else command -v "${probe}" >/dev/null || need+=("${pkg}"); fi
done < test/integration/packages.txt

if [[ ${#need[@]} -gt 0 ]]; then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "integration tests need these Debian packages: ${need[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  echo "installing ${need[*]}"
  apt-get update -qq
  # policy-rc.d 101: packages must not start their own services; the tests start what they need.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

if [[ "$(id -u)" -ne 0 ]]; then
  echo "integration tests run the servers from Debian roots (chroot, mounts): run as root" >&2
  exit 1
fi
# The images whose roots the suites run servers from (any tag: a root stands in for a repository).
npx tsx test/e2e/harness/images/build-roots.ts ghcr.io/zalando/spilo-18:any ghcr.io/cloudnative-pg/pgbouncer:any \
  docker.io/valkey/valkey:any registry.example.com/superset-k8s/superset-ops:any registry.example.com/superset-k8s/superset:any

exec npx jest -c jest.integration.config.js --passWithNoTests "$@"
