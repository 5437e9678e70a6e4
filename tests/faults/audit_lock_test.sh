#!/bin/bash
# SPDX-License-Identifier: MIT
# The audit writer lock is one process's, not one host's (issue 10,
# item 10).  Two daemons on one host (the same host name), both writers:
#   - the second does not take the lock while the first lives;
#   - the first, killed with SIGKILL and restarted with its own trail
#     directory, takes its lock back at once (it can prove its previous
#     incarnation is dead), while the second keeps standing by;
#   - killed again and not restarted, its lock passes to the second
#     within the lease (6 s).
#   audit_lock_test.sh CLEARWAYD CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/audit_lib.sh"

work=$(mktemp -d /tmp/cw-audit-lock.XXXXXX)
chmod 0755 "$work"
b_pid=
cleanup() {
    cw_stop_daemon
    if [[ -n $b_pid ]]; then
        kill -TERM "$b_pid" 2>/dev/null
        wait "$b_pid" 2>/dev/null
    fi
    bash "$here/../rig/rig.sh" stop "$work/rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export CW_LAST_OUT=$work/last.out

fa_rig || { echo "no rig" >&2; exit 1; }
for d in a b; do
    mkdir -p "$work/$d"
    fa_conf "$work/$d/clearway.conf" "$work/$d/spool" "$work/$d/trail"
done
# The second daemon serves decisions from what the first put in Redis.
sed -i 's/^\[daemon\]$/[daemon]\nldap_sync = no/' "$work/b/clearway.conf"
key=cw:audit:writer
holder() { redis-cli -s "$CW_REDIS_SOCKET" GET "$key" 2>/dev/null; }
active() { fa_metric "$work/$1/clearway.prom" clearway_audit_writer_active; }
# wait_for SECONDS CMD...: until CMD succeeds; prints the seconds taken.
wait_for() {
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 10; i++)); do
        "$@" && { echo "$((i / 10)).$((i % 10))"; return 0; }
        sleep 0.1
    done
    echo "$limit+"
    return 1
}
is_active() { [[ $(active "$1") == 1 ]]; }
held_by_other_than() { local v; v=$(holder); [[ -n $v && $v != "$1" ]]; }

cw_start_daemon "$daemon" "$work/a/clearway.conf" "$work/a/clearwayd.log"
cw_wait_answer "$ctl" "$work/a/clearway.conf" alice sc-hosts || { cat "$work/a/clearwayd.log"; exit 1; }
wait_for 20 is_active a >/dev/null && pass "the first daemon holds the writer lock" ||
    fail "the first daemon never became the writer"
first=$(holder)
echo "lock value (first daemon): $first"

"$daemon" -f -d -c "$work/b/clearway.conf" >>"$work/b/clearwayd.log" 2>&1 &
b_pid=$!
cw_wait_answer "$ctl" "$work/b/clearway.conf" alice sc-hosts || { cat "$work/b/clearwayd.log"; exit 1; }
sleep 5         # the second tries every second
now=$(holder)
echo "lock value 5 s after the second daemon started: $now"
echo "writer_active: first $(active a), second $(active b)"
[[ $now == "$first" && $(active a) == 1 && $(active b) == 0 ]] &&
    pass "the second daemon on the same host does not take the lock" ||
    fail "the lock moved to the second daemon while the first lives"
grep -q 'lost .* to another' "$work/a/clearwayd.log" &&
    fail "the first daemon lost its lock" || pass "the first daemon kept its lock"

kill -KILL "$CW_DAEMON_PID"
wait "$CW_DAEMON_PID" 2>/dev/null
cw_start_daemon "$daemon" "$work/a/clearway.conf" "$work/a/clearwayd.log"
took=$(wait_for 10 held_by_other_than "$first")
echo "the first daemon, restarted after kill -9, took its lock back in $took s"
[[ $took != *+ && $(active b) == 0 ]] &&
    pass "a restart after kill -9 takes its own lock back at once" ||
    fail "restart after kill -9: lock $(holder), second active $(active b)"
sleep 1.5
restarted=$(holder)

kill -KILL "$CW_DAEMON_PID"
wait "$CW_DAEMON_PID" 2>/dev/null
CW_DAEMON_PID=
took=$(wait_for 45 is_active b)
echo "the second daemon took the lock $took s after the first was killed (lease 6 s)"
[[ $took != *+ && $(holder) != "$restarted" ]] &&
    pass "the lock passes to the second daemon within the lease" ||
    fail "the second daemon did not take the lock ($(holder))"
finish
