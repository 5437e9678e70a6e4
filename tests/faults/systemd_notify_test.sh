#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 13: what systemd hears, against a NOTIFY_SOCKET this test listens
# on (there is no systemd here): READY=1; WATCHDOG=1 every half
# WATCHDOG_USEC from the loop that answers PAM; none while that one
# thread is stopped (ptrace, the other threads running on), and again
# once it runs; STATUS= with the policy generation, Redis and LDAP state;
# RELOADING=1 then READY=1 around SIGHUP.  Also: with JOURNAL_STREAM set
# (stderr is the journal) each line carries its syslog level as "<N>".
#   systemd_notify_test.sh CLEARWAYD CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-notify.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
listener=
cleanup() {
    cw_stop_daemon
    [[ -n $listener ]] && kill "$listener" 2>/dev/null && wait "$listener" 2>/dev/null
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a
mkdir -m 0755 "$work/run"
conf=$work/clearway.conf log=$work/clearwayd.log notes=$work/notify.log
cw_write_config "$conf" "$work/run/clearwayd.sock"

python3 "$here/notify_listen.py" "$work/notify.sock" "$notes" &
listener=$!
for ((i = 0; i < 50; i++)); do [[ -S $work/notify.sock ]] && break; sleep 0.05; done
now() { python3 -c 'import time; print(f"{time.monotonic():.3f}")'; }
# count FIELD FROM TO: messages FIELD (exact) received between FROM and TO.
count() { awk -v f="$1" -v a="$2" -v b="$3" '$2 == f && $1 >= a && $1 <= b { n++ } END { print n + 0 }' "$notes"; }

# 400 ms watchdog: a keep-alive every 200 ms.
NOTIFY_SOCKET=$work/notify.sock WATCHDOG_USEC=400000 JOURNAL_STREAM=8:12345 \
    cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts 20 || { tail -n 20 "$log"; exit 1; }
grep -q ' READY=1$' "$notes" && pass "READY=1" || fail "no READY=1: $(head -n 5 "$notes")"

t0=$(now); sleep 2; t1=$(now)
n=$(count WATCHDOG=1 "$t0" "$t1")
((n >= 6)) && pass "WATCHDOG=1 every ~200 ms while idle ($n in 2 s)" || fail "only $n keep-alives in 2 s"

# The server loop is the main thread (tid = pid); stop it alone.
threads=$(ls "/proc/$CW_DAEMON_PID/task" | wc -l)
python3 "$here/thread_stop.py" "$CW_DAEMON_PID" 3 >"$work/stop.out" 2>&1 &
stopper=$!
for ((i = 0; i < 50; i++)); do grep -q stopped "$work/stop.out" && break; sleep 0.05; done
s0=$(now)
sleep 0.3
others=$(grep -l "^State:.*[RS] (" /proc/"$CW_DAEMON_PID"/task/*/status 2>/dev/null | wc -l)
main_state=$(awk '/^State:/ {print $2}' "/proc/$CW_DAEMON_PID/task/$CW_DAEMON_PID/status")
sleep 1.2
# The window is measured from s0, well inside the 3 s stop.
s1=$(awk -v a="$s0" 'BEGIN { printf "%.3f", a + 1.5 }')
wait "$stopper"
n=$(count WATCHDOG=1 "$s0" "$s1")
if grep -q stopped "$work/stop.out" && [[ $main_state == t ]] && ((n == 0)); then
    pass "server loop stopped (state $main_state; $others of $threads other threads running): no keep-alive for 1.5 s"
else
    fail "stopped loop: $(tr '\n' ' ' <"$work/stop.out"), state $main_state, $n keep-alives"
fi
s1=$(now)
sleep 1
t2=$(now)
n=$(count WATCHDOG=1 "$s1" "$t2")
((n >= 3)) && pass "keep-alives resume once the loop runs ($n)" || fail "after resume: $n keep-alives"
[[ $("$ctl" -c "$conf" check alice --host-class sc-hosts 2>&1) == *allow* ]] &&
    pass "the daemon answers after the stall" || fail "no answer after the stall"

for ((i = 0; i < 30; i++)); do
    grep -q 'STATUS=policy generation [0-9]*; redis up; ldap in_sync' "$notes" && break
    sleep 0.1
done
st=$(grep 'STATUS=policy' "$notes" | tail -n 1 | cut -d' ' -f2-)
[[ $st =~ ^STATUS=policy\ generation\ [0-9]+\;\ redis\ up\;\ ldap\ in_sync ]] &&
    pass "STATUS= current: $st" || fail "STATUS=: $st"

h0=$(now)
kill -HUP "$CW_DAEMON_PID"
for ((i = 0; i < 50; i++)); do
    awk -v a="$h0" '$1 >= a && $2 == "READY=1"' "$notes" | grep -q . && break
    sleep 0.05
done
seq=$(awk -v a="$h0" '$1 >= a && ($2 == "RELOADING=1" || $2 == "READY=1" || $2 ~ /^MONOTONIC_USEC=/) { sub(/=.*/, "", $2); print $2 }' "$notes" | tr '\n' ' ')
[[ $seq == "RELOADING MONOTONIC_USEC READY " ]] && pass "SIGHUP: RELOADING=1 (with MONOTONIC_USEC), then READY=1" ||
    fail "SIGHUP sequence: [$seq]"

grep -q '^<6>clearwayd\[info\]: clearwayd ' "$log" && grep -q '^<7>clearwayd\[debug\]: ' "$log" &&
    pass "journal mode: lines carry <N> level prefixes" || fail "no <N> prefixes: $(head -n 3 "$log")"
n=$(grep -vc '^<[0-7]>' "$log")
((n == 0)) && pass "journal mode: every line has one" || fail "$n lines without: $(grep -v '^<[0-7]>' "$log" | head -n 2)"
cw_stop_daemon
grep -q ' STOPPING=1$' "$notes" && pass "STOPPING=1 on the way out" || fail "no STOPPING=1"
finish
