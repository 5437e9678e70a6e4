#!/bin/bash
# SPDX-License-Identifier: MIT
# A change that denies reaches the decision ahead of Redis (issue 12,
# daemon/model/early.h, daemon/sync/early_deny.c), against a real slapd
# and Redis:
#   - with Redis refusing every write (its scripts, by ACL), a leaver and
#     an expired training written to LDAP are denied all the same, while
#     Redis still holds the old records;
#   - once Redis takes writes again, they stay denied (the follow thread
#     applies Redis's deltas, older and newer, over the early records);
#   - a loosening (training renewed) goes through Redis, end to end;
#   - a role = host daemon on the same Redis (no mirror) gets the deny and
#     the loosening through Redis.
#   early_deny_test.sh CLEARWAYD CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
daemon=$1 ctl=$2
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-early-test.XXXXXX)
chmod 0755 "$work"
rig=$work/rig host_pid=
cleanup() {
    [[ -n $host_pid ]] && { kill -TERM "$host_pid" 2>/dev/null; wait "$host_pid" 2>/dev/null; }
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
export CW_LAST_OUT=$work/last.out

bash "$here/../rig/rig.sh" start "$rig" >/dev/null 2>&1 &&
    bash "$top/tests/data/gen-sample.sh" | bash "$here/../rig/rig.sh" load "$rig" - >/dev/null 2>&1 ||
    { fail "cannot start the rig"; finish; exit 1; }
set -a; . "$rig/env"; set +a
mkdir -p -m 0755 "$work/both/run" "$work/host/run"
conf=$work/both/clearway.conf hconf=$work/host/clearway.conf
cw_write_config "$conf" "$work/both/run/clearwayd.sock"
cw_write_config "$hconf" "$work/host/run/clearwayd.sock" "role = host"

ldap() { ldapmodify -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" "$@" >/dev/null; }
rcli() { redis-cli -s "$CW_REDIS_SOCKET" "$@"; }
reason_of() {   # CONF USER HC
    "$ctl" -c "$1" --json check "$2" --host-class "$3" 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"])' 2>/dev/null
}
# until_reason CONF USER HC REASON-REGEX SECONDS WHAT
until_reason() {
    local got end=$(($(date +%s%N) + $5 * 1000000000))
    while :; do
        got=$(reason_of "$1" "$2" "$3")
        (($(date +%s%N) < end)) || break
        [[ $got =~ ^($4)$ ]] && break
        sleep 0.05
    done
    [[ $got =~ ^($4)$ ]] && pass "$6: $2 on $3: $4" || fail "$6: $2 on $3: got '$got', wanted $4"
}
stored() {      # USER: the stored staff JSON of uid USER
    local uuid
    uuid=$(ldapsearch -LLL -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" \
        -b "$CW_STAFF_BASE" "(uid=$1)" entryUUID | sed -n 's/^entryUUID: //p')
    rcli HGET cw:staff "$uuid"
}
set_attr() {    # USER ATTR VALUE
    ldap <<LDIF
dn: uid=$1,$CW_STAFF_BASE
changetype: modify
replace: $2
$2: $3
LDIF
}

cw_start_daemon "$daemon" "$conf" "$work/both.log"
both_pid=$CW_DAEMON_PID
cw_wait_answer "$ctl" "$conf" alice sc-hosts 30 || { fail "daemon never answered"; tail "$work/both.log"; finish; exit 1; }
"$daemon" -f -d -c "$hconf" >>"$work/host.log" 2>&1 &
host_pid=$!
cw_wait_answer "$ctl" "$hconf" alice sc-hosts 30 || fail "host daemon never answered"
until_reason "$conf" alice sc-hosts ok 10 "both, at first"
set_attr heidi cwTrainingCompleted "$(date -u -d '-5 days' +%Y%m%d%H%M%SZ)"
until_reason "$conf" heidi sc-hosts ok 10 "both, heidi's training renewed (a loosening)"
until_reason "$hconf" heidi sc-hosts ok 10 "host, heidi's training renewed"
until_reason "$hconf" alice sc-hosts ok 10 "host, at first"

# ------------------------------------------- Redis takes no writes: early
# Every script is refused (the mirror's batch write, the follow thread's
# identity read, the lease): Redis keeps the old records, while reads
# (this test's) go on.  Short of the sync lease's 4 s.
rcli ACL SETUSER default -eval -evalsha >/dev/null
t0=$(date +%s%N)
set_attr alice cwEmploymentStatus leaver
set_attr heidi cwTrainingCompleted "$(date -u -d '-400 days' +%Y%m%d%H%M%SZ)"
until_reason "$conf" alice sc-hosts not_active 2 "both, Redis refusing writes"
until_reason "$conf" heidi sc-hosts training_expired 2 "both, Redis refusing writes"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
s=$(stored alice)
[[ $s == *'"active"'* ]] &&
    pass "denied ahead of Redis: it still holds alice active (${ms} ms after the writes)" ||
    fail "Redis already had the change (${ms} ms): ${s:0:120}"
[[ $(reason_of "$hconf" alice sc-hosts) == ok ]] &&
    pass "host (no mirror): alice still allowed while Redis has not got the change" ||
    fail "host: alice $(reason_of "$hconf" alice sc-hosts) before Redis had it"
rcli ACL SETUSER default +@all >/dev/null

# ------------------------------------------------ Redis takes writes again
until_reason "$conf" alice sc-hosts "not_active|revoked" 1 "both, still"
for ((i = 0; i < 200; i++)); do
    [[ $(stored alice) == *'"leaver"'* ]] && break
    sleep 0.05
done
[[ $(stored alice) == *'"leaver"'* ]] && pass "the mirror wrote the leaver once Redis took writes" ||
    fail "Redis never got the leaver: $(stored alice | head -c 200)"
# The follow thread now applies whatever Redis had, old and new: never an
# allow in between (sampled while it catches up).
bad=0
for ((i = 0; i < 40; i++)); do
    r=$(reason_of "$conf" alice sc-hosts)
    [[ $r == not_active || $r == revoked ]] || bad=$((bad + 1))
    h=$(reason_of "$conf" heidi sc-hosts)
    [[ $h == training_expired ]] || bad=$((bad + 1))
    sleep 0.05
done
((bad == 0)) && pass "both: no allow while Redis caught up (80 samples)" ||
    fail "both: $bad samples allowed or odd while Redis caught up"
until_reason "$hconf" alice sc-hosts "not_active|revoked" 10 "host, through Redis"
until_reason "$hconf" heidi sc-hosts training_expired 10 "host, through Redis"

# --------------------------------------------- a loosening, through Redis
set_attr heidi cwTrainingCompleted "$(date -u -d '-5 days' +%Y%m%d%H%M%SZ)"
until_reason "$conf" heidi sc-hosts ok 10 "both, training renewed"
until_reason "$hconf" heidi sc-hosts ok 10 "host, training renewed"
# and a tightening with Redis up: at once on both roles' paths
set_attr heidi cwEmploymentStatus leaver
until_reason "$conf" heidi sc-hosts "not_active|revoked" 5 "both, leaver with Redis up"
until_reason "$hconf" heidi sc-hosts "not_active|revoked" 10 "host, leaver with Redis up"
grep -q "denied ahead of Redis" "$work/both.log" &&
    pass "the both-role daemon logged its early denials" || fail "no early-deny log line"
grep -c "denied ahead of Redis" "$work/host.log" >"$work/n" || true
[[ $(cat "$work/n") == 0 ]] && pass "the host role made none (no mirror)" || fail "the host made early denials"
kill -0 "$both_pid" 2>/dev/null && kill -0 "$host_pid" 2>/dev/null &&
    pass "both daemons still running" || fail "a daemon died"
finish
