#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 10 item 8: the directory coming back must not leave hosts stale.
# slapd is stopped for longer than an exponential backoff would cover,
# then started again, and a user is made a leaver in LDAP the moment it
# answers.  The decision is polled every 50 ms: the time until it is right
# must be under 2 s, whatever the outage's length, and clearwayctl status
# must say that the directory is unreachable while it is down.
#   ldap_return_test.sh CLEARWAYD CLEARWAYCTL [OUTAGE_SECONDS]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 outage=${3:-20}
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-ldapret.XXXXXX)
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
ldap_field() {
    "$ctl" -c "$conf" --json status 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["ldap"].get(sys.argv[1]))' "$1" 2>/dev/null
}
[[ $(reason alice) == ok ]] && pass "before: alice allowed" || fail "before: alice $(reason alice)"

bash "$here/../rig/rig.sh" stop-slapd "$rig" >/dev/null 2>&1
sleep 2
state=$(ldap_field state) connected=$(ldap_field connected)
echo "status while down: state=$state connected=$connected error=$(ldap_field error)"
[[ $connected == False && $state == unreachable ]] &&
    pass "status shows the directory unreachable while it is down" ||
    fail "status while down: state=$state connected=$connected"
sleep $((outage - 2))

bash "$here/../rig/rig.sh" start-slapd "$rig" >/dev/null 2>&1 || { fail "slapd did not restart"; finish; exit 1; }
ldapmodify -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" >/dev/null <<EOF2
dn: uid=alice,$CW_STAFF_BASE
changetype: modify
replace: cwEmploymentStatus
cwEmploymentStatus: leaver
EOF2
t0=$EPOCHREALTIME
allows=0 right=
while :; do
    r=$(reason alice)
    now=$EPOCHREALTIME
    if [[ $r == ok ]]; then
        allows=$((allows + 1))
    elif [[ -n $r ]]; then
        right=$(awk -v a="$t0" -v b="$now" 'BEGIN { printf "%.2f", b - a }')
        break
    fi
    if awk -v a="$t0" -v b="$now" 'BEGIN { exit !(b - a > 90) }'; then break; fi
    sleep 0.05
done
echo "outage: ${outage} s; time to the right answer after the directory returned: ${right:-never} s (reason $r)"
echo "allows of the revoked user after the LDAP write: $allows"
[[ -n $right ]] && awk -v t="$right" 'BEGIN { exit !(t < 2.0) }' &&
    pass "re-synced within 2 s of the directory answering again (${right} s)" ||
    fail "re-synced after ${right:-never} s (must be < 2 s)"
state=$(ldap_field state)
[[ $state == in_sync ]] && pass "status shows in_sync again" || fail "status after return: $state"
lag=$("$ctl" -c "$conf" --json status 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["lag_seconds"])')
[[ $lag == 0 ]] && pass "lag_seconds 0 when caught up" || fail "lag_seconds $lag when caught up"
cw_stop_daemon

# A directory that answers but refuses the bind is backed off, not probed.
printf 'wrong' >"$work/wrong.pw"; chmod 0600 "$work/wrong.pw"
sed -i "s|^bind_password_file = .*|bind_password_file = $work/wrong.pw|" "$conf"
cw_start_daemon "$daemon" "$conf" "$log"
sleep 5
state=$(ldap_field state) retry=$(ldap_field retry_in_ms)
# The mirror's own attempts: the revocation steps (alice's lock) bind with
# the same password and say so under "revocation ...: step:".
binds=$(grep -c "^clearwayd\[[a-z]*\]: ldap: bind as .*Invalid credentials" "$log")
echo "refused bind: state=$state retry_in_ms=$retry; bind attempts in 5 s: $binds"
[[ $state == refused ]] && pass "status shows the bind refused" || fail "refused bind: state $state"
[[ $retry -ge 2000 && $binds -le 5 ]] && pass "a refused bind is backed off (next in ${retry} ms)" ||
    fail "a refused bind: retry_in_ms $retry after $binds attempts"
finish
