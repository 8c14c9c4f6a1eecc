#!/usr/bin/env bash
# Installs the real servers fedgate's tests start (docs/development.md), only those that
# are missing. Debian/Ubuntu; needs root for apt-get. test/harness/required-binaries.ts
# lists the same programs: the integration tests refuse to start without them.
set -euo pipefail

missing_packages=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

have redis-server || missing_packages+=(redis-server)
have slapd || missing_packages+=(slapd)
have ldapsearch || missing_packages+=(ldap-utils)
have openssl || missing_packages+=(openssl)
have ip || missing_packages+=(iproute2)
have python3 || missing_packages+=(python3 python3-pip)
have samba || missing_packages+=(samba samba-ad-provision samba-ad-dc)
# The end-to-end browser tests drive Debian's Chromium with playwright-core (never a downloaded browser).
have chromium || missing_packages+=(chromium)

if [ "${#missing_packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: need root to run: apt-get install -y ${missing_packages[*]}" >&2
    exit 1
  fi
  echo "install-test-deps: apt-get install -y ${missing_packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_packages[@]}"
fi

# moto_server emulates AWS STS for the end-to-end tests. It comes from PyPI.
if ! have moto_server; then
  echo 'install-test-deps: pip install "moto[server]"'
  python3 -m pip install --quiet "moto[server]"
fi

# The portal's end-to-end test runs the credentials it shows with the AWS CLI (PyPI's awscli).
if ! have aws; then
  echo 'install-test-deps: pip install awscli'
  python3 -m pip install --quiet awscli
fi

echo "install-test-deps: redis-server, slapd, ldap-utils, openssl, samba, chromium, moto_server and aws present"
