#!/usr/bin/env bash
# npm run test:integration [-- jest args]: installs the real servers the integration tests start
# (Debian packages listed in test/integration/packages.txt) when missing, then runs the tests.
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

exec npx jest -c jest.integration.config.js --passWithNoTests "$@"
