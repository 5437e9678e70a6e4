#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 10, item 1: a Redis that loses data must never un-revoke anyone.
# A leaver is filed (revocation_workers = 0 holds it open in the queue),
# then Redis forgets it: FLUSHALL, a restart with its data deleted, a
# restart from an AOF copied before the leaver.  Through each, the decision
# is sampled continuously (clearwayctl check as root and PAM through real
# libpam): the revoked user must never be allowed, the host's
# revoked.list must never shrink, and the revoked set, the open revocation
# and its queue entry must come back, with the loss logged and audited.
# Then `reinstate` must still remove the user everywhere.  Last, two
# daemons share the Redis and the one that re-asserts knows the revocation
# only from its deny-list.
#   redis_loss_test.sh CLEARWAYD CLEARWAYCTL PAM_MODULE
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 module=$(realpath "$3")
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/../lib/users.sh"

work=$(mktemp -d /tmp/cw-redisloss.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
pid_a= pid_b=
cleanup() {
    for p in $pid_a $pid_b; do CW_DAEMON_PID=$p cw_stop_daemon; done
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    cw_users_release
    rm -rf "$work"
}
trap cleanup EXIT
export CW_LAST_OUT=$work/last.out

cw_users_hold anna harry || exit 1
bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a
rcli() { redis-cli -s "$CW_REDIS_SOCKET" "$@"; }

# Two hosts: a (syncs LDAP, like the fleet's mirror) and b (follows only).
for h in a b; do
    mkdir -m 0755 -p "$work/$h/run"
    cw_write_config "$work/$h/clearway.conf" "$work/$h/run/clearwayd.sock" \
        "revocation_workers = 0" "$([[ $h == b ]] && echo 'ldap_sync = no')"
done
start_a() { cw_start_daemon "$daemon" "$work/a/clearway.conf" "$work/a/clearwayd.log"; pid_a=$CW_DAEMON_PID; }
start_b() { cw_start_daemon "$daemon" "$work/b/clearway.conf" "$work/b/clearwayd.log"; pid_b=$CW_DAEMON_PID; }
stop_a() { CW_DAEMON_PID=$pid_a cw_stop_daemon; pid_a=; }
stop_b() { CW_DAEMON_PID=$pid_b cw_stop_daemon; pid_b=; }
start_a
cw_wait_answer "$ctl" "$work/a/clearway.conf" alice sc-hosts || { cat "$work/a/clearwayd.log"; exit 1; }

as() { local u=$1; shift; setpriv --reuid="$u" --regid=users --clear-groups "$ctl" -c "$work/a/clearway.conf" "$@"; }
reason() {  # host user
    "$ctl" -c "$work/$1/clearway.conf" --json check "$2" --host-class sc-hosts 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"])' 2>/dev/null
}
wait_for() {  # seconds, command...
    local limit=$(($1 * 10)) i
    shift
    for ((i = 0; i < limit; i++)); do "$@" && return 0; sleep 0.1; done
    return 1
}
reason_is() { [[ $(reason "$1" "$2") == "$3" ]]; }
reason_not() { local r; r=$(reason "$1" "$2"); [[ -n $r && $r != "$3" ]]; }
listed() { grep -qx "$2" "$work/$1/state/revoked.list" 2>/dev/null; }
list_count() { sed -n '2s/^count //p' "$work/$1/state/revoked.list" 2>/dev/null; }

echo "account required $module host_class=sc-hosts config=$work/a/clearway.conf" >"$work/pam-a"
mkdir -p "$work/pam.d" && mv "$work/pam-a" "$work/pam.d/sshd-a"
preload=
ldd "$module" 2>/dev/null | grep libasan >/dev/null && preload="$(gcc -print-file-name=libasan.so) "
logon() {
    ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="${preload}libpam_wrapper.so" PAM_WRAPPER=1 \
        PAM_WRAPPER_SERVICE_DIR="$work/pam.d" pamtester sshd-a "$1" acct_mgmt \
        >"$work/pamtester.out" 2>&1
}

# sample HOST USER SECONDS: asks for USER's decision over and over (root's
# clearwayctl check, and on host a PAM too) while recording the smallest
# size of the host's revoked.list; sets allows, asks, min_list.
sample() {
    local h=$1 user=$2 until=$((SECONDS + $3)) rc n
    allows=0 asks=0 min_list=999999
    while ((SECONDS < until)); do
        rc=0
        "$ctl" -c "$work/$h/clearway.conf" check "$user" --host-class sc-hosts >/dev/null 2>&1 || rc=$?
        asks=$((asks + 1))
        ((rc == 0)) && allows=$((allows + 1))
        if [[ $h == a ]]; then
            asks=$((asks + 1))
            logon "$user" && allows=$((allows + 1))
        fi
        n=$(list_count "$h")
        [[ -n $n ]] && ((n < min_list)) && min_list=$n
        sleep 0.05
    done
}

leaver() {  # user: files a leaver as HR, sets rid
    local out
    out=$(as harry --json leaver "$1" --reason "redis loss test")
    rid=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
    [[ -n $rid ]] && pass "$1: leaver filed ($rid)" || fail "$1: leaver: $out"
}
# grep without -q reads to the end: an early exit could SIGPIPE the
# producer, which pipefail turns into a false "not found".
in_queue() { rcli XRANGE cw:revq - + | grep -x "$1" >/dev/null; }
state_is() { [[ $(rcli HGET "cw:rev:$1" state) == "$2" ]]; }
member() { [[ $(rcli SISMEMBER cw:revoked "$1") == 1 ]]; }
audited() {  # host: a store_loss event reached the spool or the audit stream
    grep -rqs store_loss "$work/$1/spool" || rcli XRANGE "cw:audit:$(hostname)" - + 2>/dev/null | grep store_loss >/dev/null
}

total_allows=0
# scenario NAME USER ACTION...: the leaver, the fault, then what must hold.
scenario() {
    local name=$1 user=$2 before
    shift 2
    [[ $(reason a "$user") == ok ]] && pass "$name: $user allowed before" || fail "$name: $user: $(reason a "$user")"
    leaver "$user"
    reason_is a "$user" revoked && pass "$name: $user denied as revoked" ||
        { fail "$name: $(reason a "$user")"; grep -v "op=check" "$work/a/clearwayd.log" | uniq -c | tail -n 40 | sed 's/^/      /'
          echo "      gen $(rcli GET cw:gen) epoch $(rcli GET cw:epoch) log: $(rcli XREVRANGE cw:changes + - COUNT 2 | tr '\n' ' ' | cut -c1-200)"; }
    state_is "$rid" queued && in_queue "$rid" && pass "$name: revocation open and queued (no workers)" ||
        fail "$name: revocation not queued"
    wait_for 5 listed a "$user" || fail "$name: $user not in revoked.list"
    before=$(list_count a)
    : >"$work/a/mark"
    "$@"
    sample a "$user" 8
    total_allows=$((total_allows + allows))
    echo "# $name: allows of revoked user $user: $allows of $asks decisions; revoked.list size $before, smallest seen $min_list"
    ((allows == 0)) && pass "$name: never allowed ($asks decisions)" || fail "$name: allowed $allows times"
    ((min_list >= before)) && pass "$name: revoked.list never shrank" || fail "$name: revoked.list shrank to $min_list"
    wait_for 10 member "$user" && pass "$name: $user back in Redis's revoked set" || fail "$name: revoked set: $(rcli SMEMBERS cw:revoked | tr '\n' ' ')"
    wait_for 10 state_is "$rid" queued && pass "$name: the open revocation is back" ||
        fail "$name: revocation: $(rcli HGETALL "cw:rev:$rid" | tr '\n' ' ')"
    wait_for 10 in_queue "$rid" && pass "$name: its queue entry is back (steps will run)" || fail "$name: no queue entry"
    grep -q "redis: the store lost data" "$work/a/clearwayd.log" && pass "$name: loss logged" ||
        fail "$name: no loss in the log"
    wait_for 10 audited a && pass "$name: store_loss audited" || fail "$name: no store_loss event"
    expect_exit 0 "$name: an approver reinstates $user" as anna reinstate "$user" --reason "test over"
    wait_for 10 reason_not a "$user" revoked && pass "$name: $user no longer revoked" ||
        fail "$name: $user still $(reason a "$user") after reinstate"
    wait_for 5 bash -c "! grep -qx '$user' '$work/a/state/revoked.list'" &&
        pass "$name: $user left revoked.list" || fail "$name: $user still in revoked.list"
    : >"$work/a/clearwayd.log"
}

flushall() { rcli FLUSHALL >/dev/null; }
empty_restart() {
    bash "$here/../rig/rig.sh" stop-redis "$rig" >/dev/null 2>&1
    rm -rf "$rig/redis"
    bash "$here/../rig/rig.sh" start-redis "$rig" >/dev/null 2>&1
}
old_restart() {
    bash "$here/../rig/rig.sh" stop-redis "$rig" >/dev/null 2>&1
    rm -rf "$rig/redis" && cp -a "$work/redis-before" "$rig/redis"
    bash "$here/../rig/rig.sh" start-redis "$rig" >/dev/null 2>&1
}

scenario "FLUSHALL" mallory flushall
wait_for 20 reason_is a alice ok || fail "alice not back to ok after FLUSHALL"

# A leaver scheduled for later changes no revoked set (and bumps no
# generation) yet: lost right after it was filed, it must come back too.
out=$(as harry --json leaver audrey --reason "moving on" --effective "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)")
fid=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
[[ -n $fid ]] && pass "scheduled: leaver filed for later ($fid)" || fail "scheduled: leaver: $out"
wait_for 10 grep -q "$fid" "$work/a/state/revocations.state" && pass "scheduled: the host keeps a copy" ||
    fail "scheduled: no copy in revocations.state"
flushall
wait_for 10 state_is "$fid" scheduled && [[ -n $(rcli ZSCORE cw:revsched "$fid") ]] &&
    pass "scheduled: back in Redis, still scheduled" || fail "scheduled: $(rcli HGETALL "cw:rev:$fid" | tr '\n' ' ')"
expect_exit 0 "scheduled: an approver cancels it (reinstate)" as anna reinstate audrey --reason "test over"
wait_for 20 reason_is a alice ok || fail "alice not back to ok after the second FLUSHALL"
: >"$work/a/clearwayd.log"
scenario "restart empty" oscar empty_restart
wait_for 20 reason_is a alice ok || fail "alice not back to ok after the empty restart"
# An AOF from before the leaver (the Redis is stopped to copy it whole).
bash "$here/../rig/rig.sh" stop-redis "$rig" >/dev/null 2>&1
cp -a "$rig/redis" "$work/redis-before"
bash "$here/../rig/rig.sh" start-redis "$rig" >/dev/null 2>&1
wait_for 10 reason_is a alice ok || fail "alice not ok after a plain restart"
grep -q "redis: the store lost data" "$work/a/clearwayd.log" &&
    fail "a plain restart (nothing lost) was reported as a loss" || pass "a plain restart is not a loss"
scenario "restart from an older AOF" peggy old_restart
wait_for 20 reason_is a alice ok || fail "alice not back to ok after the old AOF"
# Keys deleted by hand: same epoch, no generation lost; the next change
# (a directory edit here) shows the set without mallory and no reinstate.
partial_loss() {
    rcli DEL cw:revoked "cw:rev:$rid" cw:revq cw:rev:open >/dev/null
    ldapmodify -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" >/dev/null <<EOF2
dn: uid=alice,$CW_STAFF_BASE
changetype: modify
replace: cn
cn: Alice Again
EOF2
}
scenario "keys deleted by hand" mallory partial_loss

# ------------------------------------------------------------- two hosts
start_b
cw_wait_answer "$ctl" "$work/b/clearway.conf" alice sc-hosts || { cat "$work/b/clearwayd.log"; exit 1; }
leaver victor
wait_for 10 reason_is b victor revoked && pass "two hosts: b denies victor" || fail "two hosts: b: $(reason b victor)"
wait_for 5 listed b victor || fail "two hosts: victor not in b's revoked.list"
stop_a
stop_b
# b keeps only its deny-list: no copy of the revocation, no epoch.
rm -f "$work/b/state/revocations.state"
flushall
start_b
sample b victor 6
total_allows=$((total_allows + allows))
echo "# two hosts: allows of revoked user victor on b: $allows of $asks decisions; smallest revoked.list $min_list"
((allows == 0)) && pass "two hosts: b never allowed victor" || fail "two hosts: b allowed victor $allows times"
wait_for 10 member victor && pass "two hosts: b re-asserted victor from its deny-list alone" ||
    fail "two hosts: victor not back in the revoked set"
grep -q "redis: the store lost data" "$work/b/clearwayd.log" && pass "two hosts: b logged the loss" ||
    fail "two hosts: b logged no loss"
start_a
wait_for 15 state_is "$rid" queued && pass "two hosts: a re-submitted the open revocation it holds" ||
    fail "two hosts: revocation: $(rcli HGETALL "cw:rev:$rid" | tr '\n' ' ')"
wait_for 10 in_queue "$rid" && pass "two hosts: queue entry back" || fail "two hosts: no queue entry"
wait_for 20 reason_is a victor revoked && pass "two hosts: a denies victor" || fail "two hosts: a: $(reason a victor)"
expect_exit 0 "two hosts: an approver reinstates victor" as anna reinstate victor --reason "test over"
wait_for 10 reason_not a victor revoked && wait_for 10 reason_not b victor revoked &&
    pass "two hosts: reinstate reaches both hosts" ||
    fail "two hosts: victor a=$(reason a victor) b=$(reason b victor)"
member victor && fail "two hosts: victor still in the revoked set" || pass "two hosts: victor out of the revoked set"

# ------------------------------------------- the directory remembers too
# A lock for good (pwdAccountLockedTime 000001010000Z, as the revocation
# step sets) is a revocation: after a loss that no host remembers (a's
# state wiped), LDAP alone brings andy's revocation back.
ldapmodify -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" >/dev/null <<EOF2
dn: uid=andy,$CW_STAFF_BASE
changetype: modify
replace: pwdAccountLockedTime
pwdAccountLockedTime: 000001010000Z
EOF2
wait_for 15 reason_is a andy revoked && pass "ldap lock: andy, locked in LDAP, is revoked" ||
    fail "ldap lock: andy: $(reason a andy)"
stop_b
stop_a
rm -f "$work/a/state/revoked.list" "$work/a/state/revocations.state"
flushall
start_a
cw_wait_answer "$ctl" "$work/a/clearway.conf" alice sc-hosts 20
wait_for 20 reason_is a andy revoked && pass "ldap lock: after a loss no host remembers, LDAP brings andy's revocation back" ||
    fail "ldap lock: andy after the loss: $(reason a andy)"
wait_for 10 member andy && pass "ldap lock: andy back in the revoked set" || fail "ldap lock: andy not in the revoked set"
reason_not a mallory revoked && pass "ldap lock: mallory (reinstated, never locked) stays allowed" ||
    fail "ldap lock: mallory $(reason a mallory)"

stop_a
stop_b
if grep -l "Sanitizer" "$work"/[ab]/clearwayd.log >/dev/null 2>&1; then
    fail "sanitizer reports in the daemons' logs"
    grep -h -A12 "Sanitizer" "$work"/[ab]/clearwayd.log | head -40 | sed 's/^/      /'
else
    pass "no sanitizer reports from either daemon"
fi

echo "# allows of revoked users: $total_allows"
finish
