#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 10 item 10: an attribute with more values than a raw entry holds
# (1,024) must make the record record_invalid, logged naming the attribute,
# never a silently shortened record that stays valid.  Also: in a quiet
# directory, clearway_sync_lag_seconds stays 0 (it is lag, not the time
# since the last reload).
#   values_cap_test.sh CLEARWAYD CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-values.XXXXXX)
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
conf=$work/clearway.conf
mkdir -m 0755 "$work/run"
cw_write_config "$conf" "$work/run/clearwayd.sock"
log=$work/clearwayd.log
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }
reason() {
    "$ctl" -c "$conf" --json check "$1" --host-class sc-hosts 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"])' 2>/dev/null
}
[[ $(reason alice) == ok ]] && pass "before: alice allowed" || fail "before: alice $(reason alice)"

# 1,024 more roles: alice then has 1,025 cwRole values (ops first).
{
    echo "dn: uid=alice,$CW_STAFF_BASE"
    echo "changetype: modify"
    echo "add: cwRole"
    for ((i = 1; i <= 1024; i++)); do echo "cwRole: extra$i"; done
} | ldapmodify -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" >/dev/null ||
    fail "ldapmodify"
r=
for ((i = 0; i < 100; i++)); do
    r=$(reason alice)
    [[ $r != ok ]] && break
    sleep 0.1
done
echo "1,025 cwRole values: reason $r"
[[ $r == record_invalid ]] && pass "more than 1,024 values: record_invalid" ||
    fail "more than 1,024 values: reason $r"
grep -q "ldap: uid=alice.*cwRole: more than 1024 values.*record_invalid" "$log" &&
    pass "logged, naming the attribute" || fail "no log line naming cwRole"
n=$(grep -c "ldap: uid=alice.*cwRole: more than 1024 values" "$log")
[[ $n -eq 1 ]] && pass "logged once ($n)" || fail "logged $n times"

# Back to 1,024 values: valid again.
ldapmodify -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" >/dev/null <<EOF2
dn: uid=alice,$CW_STAFF_BASE
changetype: modify
delete: cwRole
cwRole: extra1024
EOF2
for ((i = 0; i < 100; i++)); do r=$(reason alice); [[ $r == ok ]] && break; sleep 0.1; done
[[ $r == ok ]] && pass "exactly 1,024 values: valid again" || fail "1,024 values: reason $r"

# Quiet directory: the lag gauge stays 0 while in sync (the metrics file
# is rewritten every few seconds: wait for a fresh one).
sleep 3
rm -f "$work/clearway.prom"
for ((i = 0; i < 300; i++)); do [[ -s $work/clearway.prom ]] && break; sleep 0.1; done
lag=$(awk '$1 == "clearway_sync_lag_seconds" { print $2 }' "$work/clearway.prom" 2>/dev/null)
echo "clearway_sync_lag_seconds in a quiet directory: ${lag:-absent}"
[[ $lag == 0 ]] && pass "lag 0 in a quiet directory while in sync" || fail "lag ${lag:-absent}"
finish
