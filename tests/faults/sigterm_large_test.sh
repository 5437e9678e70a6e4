#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 10 item 9 at scale: on a generated directory (default 30,000
# staff, with its share of leavers and bad records), SIGTERM must stop the
# daemon within 5 s whatever it is doing: first in the middle of the
# initial full refresh, then while it files and carries out the leavers'
# revocations and session ends.  A start after the stop must not redo the
# session ends already finished.
#   sigterm_large_test.sh CLEARWAYD CLEARWAYCTL [STAFF]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 n=${3:-30000}
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-sigbig.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
cleanup() {
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    [[ -n ${CW_KEEP_WORK:-} ]] || rm -rf "$work"   # kept for a post-mortem
}
trap cleanup EXIT

bash "$here/../rig/rig.sh" start "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
python3 "$here/../../bench/gen-directory.py" "$n" --seed 7 >"$work/dir.ldif" || { echo "gen failed" >&2; exit 1; }
bash "$here/../rig/rig.sh" bulkload "$rig" "$work/dir.ldif" >/dev/null 2>&1 || { echo "bulkload failed" >&2; exit 1; }
rm -f "$work/dir.ldif"
set -a; . "$rig/env"; set +a
conf=$work/clearway.conf
mkdir -m 0755 "$work/run"
cw_write_config "$conf" "$work/run/clearwayd.sock"
log=$work/clearwayd.log

term_within() {  # label: SIGTERM the daemon, print and check the time
    local t0 t1 took i
    t0=$EPOCHREALTIME
    kill -TERM "$CW_DAEMON_PID"
    for ((i = 0; i < 600; i++)); do cw_alive "$CW_DAEMON_PID" || break; sleep 0.05; done
    t1=$EPOCHREALTIME
    took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    if cw_alive "$CW_DAEMON_PID"; then
        fail "$1: still running ${took} s after SIGTERM"
        kill -KILL "$CW_DAEMON_PID"
    else
        echo "$1: exit ${took} s after SIGTERM"
        awk -v t="$took" 'BEGIN { exit !(t < 5.0) }' && pass "$1: stopped within 5 s (${took} s)" ||
            fail "$1: stopped only after ${took} s"
    fi
    wait "$CW_DAEMON_PID" 2>/dev/null
    CW_DAEMON_PID=
}

# 1. In the middle of the initial full refresh.
cw_start_daemon "$daemon" "$conf" "$log"
for ((i = 0; i < 200; i++)); do
    [[ $(redis-cli -s "$CW_REDIS_SOCKET" HLEN cw:staff 2>/dev/null || echo 0) -ge 1000 ]] && break
    sleep 0.05
done
mid=yes
grep -q "ldap: in sync with" "$log" && mid=no
echo "staff in Redis at SIGTERM: $(redis-cli -s "$CW_REDIS_SOCKET" HLEN cw:staff) of $n (mid-refresh: $mid)"
term_within "during the initial refresh"

# 2. In sync, busy with the leavers' revocations and session ends.
cw_start_daemon "$daemon" "$conf" "$log"
for ((i = 0; i < 1200; i++)); do grep -q "ldap: in sync with" "$log" && break; sleep 0.1; done
grep -q "ldap: in sync with" "$log" || fail "no full sync within 120 s"
sleep 2
revs=$(redis-cli -s "$CW_REDIS_SOCKET" SCARD cw:revoked)
ended=$(grep -c "sessions of .* ended on this host" "$log")
echo "revoked users: $revs; session ends done before SIGTERM: $ended"
term_within "while busy with $revs revocations"

# 3. A restart redoes no finished session end.
before=$(grep -c "sessions of .* ended on this host" "$log")
cw_start_daemon "$daemon" "$conf" "$log"
for ((i = 0; i < 600; i++)); do
    [[ $(redis-cli -s "$CW_REDIS_SOCKET" SCARD cw:revoked) -gt 0 ]] && grep -q "sessions of .* revoked users already ended" "$log" && break
    sleep 0.1
done
sleep 3
term_within "after the restart"
after=$(grep -c "sessions of .* ended on this host" "$log")
echo "session ends before the restart: $before; in the restart: $((after - before))"
redone=$(grep "sessions of .* ended on this host" "$log" | sed 's/.*sessions of \([^ ]*\) ended.*/\1/' | sort | uniq -d | wc -l)
echo "users whose session end ran twice: $redone"
[[ $redone -eq 0 ]] && pass "no session end redone after the restarts" || fail "$redone session ends redone"

# 4. While it loads the full Redis at start (one transaction, then seconds
# of parsing at this size): the parse gives up when asked to stop.
starts=$(grep -c "listening on" "$log")
cw_start_daemon "$daemon" "$conf" "$log"
for ((i = 0; i < 200; i++)); do
    [[ $(grep -c "listening on" "$log") -gt $starts ]] && break
    sleep 0.01
done
loaded=no
grep -q "policy data loaded" <(tail -n +"$(grep -n "listening on" "$log" | tail -1 | cut -d: -f1)" "$log") && loaded=yes
echo "SIGTERM at start, before the load had finished: $([[ $loaded == no ]] && echo yes || echo no)"
term_within "while loading $n staff from Redis"
finish
