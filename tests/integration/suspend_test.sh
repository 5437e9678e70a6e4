#!/bin/bash
# SPDX-License-Identifier: MIT
# Suspensions (issue 17; reason code "suspended", a project extension):
# clearwayctl suspend/unsuspend as real users, logons through real libpam.
#   - an approver suspends a user: denied everywhere at once, reason
#     suspended, no revocation steps run (the LDAP account still binds);
#   - the suspension ends by itself, to the second: check --at the instant
#     before and at its end, and logons on either side of it;
#   - unsuspend ends it early; a suspended approver may approve nothing;
#   - no one suspends themself; HR and auditors may not; a TIME in the
#     past or too far ahead is refused; every step is in the audit trail;
#   - a suspension Redis lost stays in force until a lift is logged;
#   - one set before a restart is set again by the restarted daemon when
#     Redis loses everything (state_dir/set-again.state).
#   suspend_test.sh CLEARWAYD CLEARWAYCTL PAM_MODULE
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 module=$(realpath "$3")
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/../lib/users.sh"

work=$(mktemp -d /tmp/cw-suspend-test.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
cleanup() {
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    cw_users_release
    rm -rf "$work"
}
trap cleanup EXIT
export CW_LAST_OUT=$work/last.out

cw_users_hold anna harry audrey || exit 1
bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a
mkdir -m 0755 "$work/run" "$work/pam.d"
conf=$work/clearway.conf
cw_write_config "$conf" "$work/run/clearwayd.sock" "revoke_leavers = no"
log=$work/clearwayd.log
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }

as() { local u=$1; shift; setpriv --reuid="$u" --regid=users --clear-groups "$ctl" -c "$conf" "$@"; }
reason() {  # USER [--at TIME]: the reason check gives
    local u=$1
    shift
    "$ctl" -c "$conf" --json check "$u" --host-class sc-hosts "$@" 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"])' 2>/dev/null
}
echo "account required $module host_class=sc-hosts config=$conf" >"$work/pam.d/sshd-sc"
preload=
ldd "$module" 2>/dev/null | grep libasan >/dev/null && preload="$(gcc -print-file-name=libasan.so) "
logon() {
    ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="${preload}libpam_wrapper.so" PAM_WRAPPER=1 \
        PAM_WRAPPER_SERVICE_DIR="$work/pam.d" pamtester sshd-sc "$1" acct_mgmt \
        >"$work/pamtester.out" 2>&1
}
bind_as() { ldapwhoami -x -H "$CW_LDAP_URI" -D "uid=$1,$CW_STAFF_BASE" -w secret >/dev/null 2>&1; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# --- who may -------------------------------------------------------------------
soon=$(iso $(( $(date +%s) + 3600 )))
expect_exit 4 "HR may not suspend" as harry suspend alice --until "$soon" --reason "x"
expect_exit 4 "an auditor may not suspend" as audrey suspend alice --until "$soon" --reason "x"
expect_exit 4 "no one suspends themself" as anna suspend anna --until "$soon" --reason "x"
grep -c "themself" "$CW_LAST_OUT" >/dev/null && pass "... and is told why" || fail "self: $(cat "$CW_LAST_OUT")"
expect_exit 2 "--until is required" as anna suspend alice --reason "x"
expect_exit 2 "--reason is required" as anna suspend alice --until "$soon"
expect_exit 1 "a TIME in the past is refused" as anna suspend alice --until "$(iso $(( $(date +%s) - 60 )))" --reason "x"
expect_exit 1 "a TIME over 366 days ahead is refused" as anna suspend alice --until "$(iso $(( $(date +%s) + 400 * 86400 )))" --reason "x"
expect_exit 1 "unsuspending someone not suspended says no" as anna unsuspend alice --reason "x"

# --- suspended, then it ends by itself, to the second ----------------------------
logon alice && pass "before: alice logs on" || fail "before: alice refused"
end=$(( $(date +%s) + 8 ))
expect_exit 0 "an approver suspends alice for 8 seconds" \
    as anna suspend alice --until "$(iso "$end")" --reason "investigation"
[ "$(reason alice)" = suspended ] && pass "check: alice is denied as suspended at once" ||
    fail "check: reason $(reason alice)"
logon alice && fail "PAM: suspended alice logs on" || pass "PAM: suspended alice is refused"
bind_as alice && pass "no leaver steps: alice's LDAP account still binds" ||
    fail "alice's LDAP account was locked"
[ "$(redis-cli -s "$CW_REDIS_SOCKET" ZCARD cw:rev:open)" = 0 ] &&
    pass "no revocation was filed" || fail "a revocation was filed"
status=$("$ctl" -c "$conf" --json status alice | python3 -c 'import json,sys; s=json.load(sys.stdin)["suspended"]; print(s["by"], s["reason"], s["until"])')
[ "$status" = "anna investigation $end" ] && pass "status shows who, why and until when" ||
    fail "status: $status"
[ "$(reason alice --at "$(iso $((end - 1)))")" = suspended ] &&
    [ "$(reason alice --at "$(iso "$end")")" = ok ] &&
    pass "check --at: suspended at end-1 s, ok at the end" || fail "check --at around the end"
while [ "$(date +%s)" -lt $((end - 1)) ]; do sleep 0.05; done
logon alice && fail "PAM: alice logs on a second before the end" ||
    pass "PAM: still refused a second before the end"
while [ "$(date +%s)" -lt "$end" ]; do sleep 0.02; done
logon alice && pass "PAM: alice logs on again at the end, with no one acting" ||
    { fail "PAM: alice refused after the end"; tail -3 "$work/pamtester.out"; }

# --- unsuspend; a suspended approver approves nothing -------------------------------
expect_exit 0 "suspend alice for an hour" as anna suspend alice --until "$soon" --reason "again"
expect_exit 0 "unsuspend ends it early" as anna unsuspend alice --reason "cleared"
[ "$(reason alice)" = ok ] && pass "alice is ok again at once" || fail "reason $(reason alice)"
expect_exit 0 "root suspends the approver anna" "$ctl" -c "$conf" suspend anna --until "$soon" --reason "leave"
expect_exit 4 "a suspended approver may not suspend anyone" as anna suspend alice --until "$soon" --reason "x"
grep -c "suspended" "$CW_LAST_OUT" >/dev/null && pass "... and is told her own standing" ||
    fail "message: $(cat "$CW_LAST_OUT")"

# --- Redis loses a suspension ------------------------------------------------------------
# Its entry gone and a change logged that does not name alice: what a
# Redis gone back to older data looks like to a running daemon.  The
# daemon keeps her suspended until a lift is logged; an unsuspend (Redis
# holds none to lift, so it says no) still logs one, and lets it go.
expect_exit 0 "suspend alice for an hour, once more" "$ctl" -c "$conf" suspend alice --until "$soon" --reason "third"
redis-cli -s "$CW_REDIS_SOCKET" EVAL "redis.call('HDEL', KEYS[1], ARGV[1])
    local g = redis.call('INCR', KEYS[2])
    redis.call('XADD', KEYS[3], g .. '-1', 'c', 'e:nobody')
    return g" 3 cw:suspended cw:gen cw:changes alice >/dev/null
sleep 1.5
[ "$(reason alice)" = suspended ] && pass "Redis lost alice's suspension: still suspended here" ||
    fail "Redis lost alice's suspension: reason $(reason alice)"
expect_exit 1 "unsuspend of one Redis lost says it holds none" "$ctl" -c "$conf" unsuspend alice --reason "cleared"
for _ in $(seq 30); do [ "$(reason alice)" = ok ] && break; sleep 0.1; done
[ "$(reason alice)" = ok ] && pass "... and the suspension kept here is lifted all the same" ||
    fail "kept suspension not lifted: reason $(reason alice)"

# --- audited ------------------------------------------------------------------------
# On their way to the writer: the audit stream (and whatever the spool
# has not forwarded yet).
sleep 1
redis-cli -s "$CW_REDIS_SOCKET" XRANGE "cw:audit:$(hostname)" - + >"$work/stream" 2>&1
n_s=$(grep -c '"type":"suspended"' "$work/stream")
n_u=$(grep -c '"type":"unsuspended"' "$work/stream")
[ "$n_s" -eq 4 ] && [ "$n_u" -eq 1 ] && pass "audited: 4 suspended, 1 unsuspended records" ||
    fail "audited: $n_s suspended, $n_u unsuspended"

# --- restarted, then Redis loses everything -------------------------------------------
# What the daemon must make again after a loss is kept in state_dir: a
# restart in between does not forget it.  FLUSHALL is a loss the daemon
# sees; the mirror refills the directory from LDAP, which knows nothing
# of a clearwayctl suspension, so only this daemon can put it back.
expect_exit 0 "suspend alice for an hour, a fourth time" "$ctl" -c "$conf" suspend alice --until "$soon" --reason "fourth"
grep -q '"uid":"alice"' "$work/state/set-again.state" 2>/dev/null &&
    pass "the suspension is kept in state_dir/set-again.state" ||
    fail "set-again.state: $(cat "$work/state/set-again.state" 2>&1 | head -c 300)"
cw_stop_daemon
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { tail -20 "$log"; exit 1; }
[ "$(reason alice)" = suspended ] && pass "restarted: alice still suspended" ||
    fail "restarted: reason $(reason alice)"
redis-cli -s "$CW_REDIS_SOCKET" FLUSHALL >/dev/null
back=
for i in $(seq 200); do
    [ "$(redis-cli -s "$CW_REDIS_SOCKET" HEXISTS cw:suspended alice)" = 1 ] && { back=$i; break; }
    sleep 0.1
done
[ -n "$back" ] && pass "after the loss, the restarted daemon set alice's suspension again ($((back / 10)) s)" ||
    fail "Redis never got alice's suspension back: $(grep -i 'again\|lost' "$log" | tail -3)"
grep -q "lost alice's suspension" "$log" && pass "... and said so in its log" || fail "no log line"
bad=0
for i in $(seq 30); do [ "$(reason alice)" = suspended ] || bad=$((bad + 1)); sleep 0.1; done
[ "$bad" -eq 0 ] && pass "alice stays suspended through the refill" ||
    fail "alice not suspended in $bad of 30 checks after the loss"
finish
