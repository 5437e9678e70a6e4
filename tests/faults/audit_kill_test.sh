#!/bin/bash
# SPDX-License-Identifier: MIT
# kill -9 of the daemon must lose no audit record (issue 10, item 7).
#
# Clients send PAM decisions (op decide, as root, one connection each) as
# fast as they can from several threads; the daemon, which is also its own
# audit writer, is killed with SIGKILL at random moments and restarted,
# KILLS times.  A decision counts as answered when its client read the
# answer.  What must hold: once everything has drained, every answered
# decision is sealed in the trail exactly once (a record reaches the spool
# file before its answer is sent), and the chain verifies.
#   audit_kill_test.sh CLEARWAYD CLEARWAYCTL [KILLS]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 kills=${3:-10}
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/audit_lib.sh"

work=$(mktemp -d /tmp/cw-audit-kill.XXXXXX)
chmod 0755 "$work"
cleanup() {
    touch "$work/stop"
    [[ -n ${client_pid:-} ]] && wait "$client_pid" 2>/dev/null
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$work/rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export CW_LAST_OUT=$work/last.out

fa_rig || { echo "no rig" >&2; exit 1; }
fa_write_client
conf=$work/a/clearway.conf
mkdir -p "$work/a"
fa_conf "$conf" "$work/a/spool" "$work/a/trail"
log=$work/a/clearwayd.log
sock=$work/a/clearwayd.sock
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }

fa_decide_until "$sock" "$work/tags" k "$work/stop" 4 >"$work/answered" 2>"$work/client.err" &
client_pid=$!
t0=$(date +%s.%N)
restarted=0
for ((i = 1; i <= kills; i++)); do
    # A random moment 0.3 .. 1.2 s into this run, decisions flowing.
    sleep "0.$((RANDOM % 9 + 3))"
    kill -KILL "$CW_DAEMON_PID"
    wait "$CW_DAEMON_PID" 2>/dev/null
    cw_start_daemon "$daemon" "$conf" "$log"
    cw_wait_answer "$ctl" "$conf" alice sc-hosts 30 && restarted=$((restarted + 1))
done
sleep 0.5
touch "$work/stop"
wait "$client_pid"
client_pid=
t1=$(date +%s.%N)
answered=$(cat "$work/answered")
secs=$(echo "$t1 - $t0" | bc)
echo "kills: $kills, restarts answered: $restarted"
echo "decisions answered: $answered in $(printf '%.1f' "$secs") s" \
    "($(echo "$answered / $secs" | bc) per second, daemon down part of the time)"
[[ $restarted == "$kills" ]] && pass "the daemon came back after each of $kills kills" ||
    fail "only $restarted of $kills restarts answered"
[[ ${answered:-0} -gt 500 ]] && pass "decisions flowed between the kills" ||
    fail "only ${answered:-0} decisions answered"

out=$(fa_wait_sealed "$work/a/trail" k "$work/tags" 90)
echo "after draining: $out"
lost=${out#* lost }; lost=${lost%% *}
dup=${out##* duplicated }
echo "audit records lost across $kills kills: $lost"
echo "audit records duplicated across $kills kills: $dup"
[[ $lost == 0 ]] && pass "no answered decision lost its record" || fail "$lost records lost"
[[ $dup == 0 ]] && pass "no record sealed twice" || fail "$dup records sealed twice"
cw_stop_daemon
expect_exit 0 "clearwayctl audit verify passes on the trail" \
    "$ctl" -c /nonexistent audit verify --dir "$work/a/trail" --keys "$work/keys"
finish
