#!/bin/bash
# SPDX-License-Identifier: MIT
# Installs, with apt-get, the Debian 12 packages Clearway builds, runs and
# tests with, skipping the ones already present.  Run as root.
set -euo pipefail

packages=(
    # build
    gcc make cmake pkg-config
    libldap2-dev libpam0g-dev libhiredis-dev libssl-dev libjansson-dev
    libsystemd-dev
    # tests and the demo: real servers, real PAM
    libcmocka-dev libpam-wrapper libpamtest0-dev pamtester
    slapd ldap-utils redis-server redis-tools
    python3 iproute2 procps openssl mandoc
    # the fleet fault suite: a clock that one host daemon sees stepped
    libfaketime
    # the shipped webhook notifier (etc/notify/notify-webhook)
    curl
    # the Debian package test (scripts/package-test.sh): without these a
    # fresh machine skips it
    dpkg-dev debhelper mmdebstrap
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "deps: all ${#packages[@]} packages present"
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "deps: missing ${missing[*]}; run as root to install them" >&2
    exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: installed ${#missing[@]} packages"
