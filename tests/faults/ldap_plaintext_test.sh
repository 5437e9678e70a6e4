#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 13: TLS to LDAP by default.  A plain ldap:// URI is refused, by
# clearwayd -t and at start, with an error naming the URI and the fix,
# unless [ldap] allow_plaintext = yes, and even then only to a loopback
# address; when allowed, the daemon says so with a warning.  ldaps://,
# StartTLS and ldapi:// need no setting.
#   ldap_plaintext_test.sh CLEARWAYD CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-ldapplain.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
cleanup() {
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a
mkdir -m 0755 "$work/run"
conf=$work/clearway.conf log=$work/clearwayd.log

# setup URI ALLOW: the rig's config with that uri and allow_plaintext.
setup() {
    cw_write_config "$conf" "$work/run/clearwayd.sock"
    sed -i -e "s|^uri = .*|uri = $1|" -e "s|^allow_plaintext = .*|allow_plaintext = $2|" "$conf"
}
# refused NAME PATTERN: -t and a start both fail, saying PATTERN.
refused() {
    local rc=0
    "$daemon" -t -c "$conf" >"$work/t.out" 2>&1 || rc=$?
    if ((rc == 1)) && grep -E "$2" "$work/t.out" >/dev/null; then
        pass "$1: clearwayd -t refuses it"
        echo "#   $(head -n 1 "$work/t.out")"
    else
        fail "$1: -t rc $rc: $(cat "$work/t.out")"
    fi
    rc=0
    timeout 10 "$daemon" -f -c "$conf" >"$work/start.out" 2>&1 || rc=$?
    ((rc == 1)) && grep -E "$2" "$work/start.out" >/dev/null &&
        pass "$1: clearwayd refuses to start" || fail "$1: start rc $rc: $(cat "$work/start.out")"
}

setup "$CW_LDAP_URI" no
refused "plain ldap:// to loopback without allow_plaintext" \
    "\[ldap\] uri ldap://127.0.0.1:$CW_LDAP_PORT/: plain LDAP without TLS is refused: use ldaps://, or starttls = yes, or allow_plaintext = yes"
setup "ldaps://127.0.0.1:1/ ldap://ldap.example.org/" yes
refused "plain ldap:// to another host, even with allow_plaintext" \
    "uri ldap://ldap.example.org/: plain LDAP without TLS is refused.*only ever allowed to a loopback address"
setup "ldap://localhost:$CW_LDAP_PORT/" no
refused "plain ldap://localhost without allow_plaintext" "plain LDAP without TLS is refused"

for uri in "ldaps://ldap.example.org/" "$CW_LDAP_LDAPI_URI"; do
    setup "$uri" no
    "$daemon" -t -c "$conf" >"$work/t.out" 2>&1 && pass "$uri needs no allow_plaintext" ||
        fail "$uri: $(cat "$work/t.out")"
done
setup "ldap://ldap.example.org/" no
sed -i "s|^\[ldap\]|[ldap]\nstarttls = yes|" "$conf"
"$daemon" -t -c "$conf" >"$work/t.out" 2>&1 && pass "ldap:// with starttls = yes needs no allow_plaintext" ||
    fail "starttls: $(cat "$work/t.out")"

# Allowed: the daemon syncs, and warns.
setup "$CW_LDAP_URI" yes
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts 20 >/dev/null 2>&1
for ((i = 0; i < 50; i++)); do grep -q "plain LDAP without TLS" "$log" && break; sleep 0.1; done
if grep -q "warning.*ldap: 127.0.0.1:$CW_LDAP_PORT: plain LDAP without TLS (allow_plaintext = yes)" "$log"; then
    pass "allow_plaintext = yes to loopback: runs, with a warning"
    echo "#   $(grep -m1 'plain LDAP without TLS' "$log")"
else
    fail "no warning: $(grep -i ldap "$log" | tail -n 3)"
fi
cw_stop_daemon
finish
