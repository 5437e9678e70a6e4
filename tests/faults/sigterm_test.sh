#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 10 item 9 (and 10: restarts redoing finished steps): a daemon busy
# ending the sessions of many revoked users, each with a slow
# end_sessions_command, must stop within 5 s of SIGTERM; after the restart
# the command must not run again for users already finished, the one that
# was interrupted must resume, and a new leaver's sessions must be ended
# promptly rather than behind the backlog.
#   sigterm_test.sh CLEARWAYD CLEARWAYCTL [USERS] [STEP_SECONDS]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 nusers=${3:-8} step=${4:-2}
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/../lib/users.sh"

work=$(mktemp -d /tmp/cw-sigterm.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
cleanup() {
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    cw_users_release
    rm -rf "$work"
}
trap cleanup EXIT

# Local accounts of our own (names no other test uses): the step runs the
# command only for users with an account here.
users=()
for ((i = 1; i <= nusers; i++)); do users+=("cwlc$$x$i"); done
newbie=cwlc$$new
cw_users_hold "${users[@]}" "$newbie" || exit 1

bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a

# The slow session ender: logs its start, takes STEP seconds, logs its end.
cat >"$work/slow-end" <<EOF2
#!/bin/sh
echo "start \$1" >>$work/runs
sleep $step
echo "done \$1" >>$work/runs
pkill -KILL -u "\$1"
exit 0
EOF2
chmod 0755 "$work/slow-end"
: >"$work/runs"; chmod 0666 "$work/runs"

conf=$work/clearway.conf
mkdir -m 0755 "$work/run"
cw_write_config "$conf" "$work/run/clearwayd.sock" \
    "end_sessions_timeout_ms = $(((step + 10) * 1000))"
sed -i "s|^end_sessions_command = .*|end_sessions_command = $work/slow-end %u|" "$conf"
log=$work/clearwayd.log
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }

starts() { grep -c "^start $1\$" "$work/runs"; }
dones() { grep -c "^done $1\$" "$work/runs"; }
count() { grep -c "^$1 " "$work/runs"; }

for u in "${users[@]}"; do
    "$ctl" -c "$conf" revoke "$u" --reason "lifecycle test" >/dev/null 2>&1 ||
        fail "revoke $u"
done
# Busy: wait until at least two have finished and a third has started.
for ((i = 0; i < 200; i++)); do
    [[ $(count done) -ge 2 && $(count start) -gt $(count done) ]] && break
    sleep 0.05
done
echo "before SIGTERM: $(count start) started, $(count done) finished of $nusers"
t0=$EPOCHREALTIME
kill -TERM "$CW_DAEMON_PID"
for ((i = 0; i < 400; i++)); do cw_alive "$CW_DAEMON_PID" || break; sleep 0.05; done
t1=$EPOCHREALTIME
took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
if cw_alive "$CW_DAEMON_PID"; then
    fail "still running ${took} s after SIGTERM"
    kill -KILL "$CW_DAEMON_PID"
else
    echo "exit after SIGTERM: ${took} s"
    awk -v t="$took" 'BEGIN { exit !(t < 5.0) }' && pass "stopped within 5 s of SIGTERM (${took} s)" ||
        fail "stopped only after ${took} s"
fi
wait "$CW_DAEMON_PID" 2>/dev/null
CW_DAEMON_PID=
finished=() interrupted=()
for u in "${users[@]}"; do
    if [[ $(dones "$u") -ge 1 ]]; then finished+=("$u")
    elif [[ $(starts "$u") -ge 1 ]]; then interrupted+=("$u"); fi
done
echo "at stop: ${#finished[@]} finished, ${#interrupted[@]} interrupted"
sleep 0.5   # a killed command must not finish after the daemon is gone
late=0
for u in "${interrupted[@]}"; do [[ $(dones "$u") -eq 0 ]] || late=$((late + 1)); done
[[ $late -eq 0 ]] && pass "the interrupted command was stopped with the daemon" ||
    fail "$late interrupted commands ran on after the daemon stopped"

# Restart: the backlog resumes; a new leaver must not wait behind it.
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }
sleep 0.3
tn=$EPOCHREALTIME
"$ctl" -c "$conf" revoke "$newbie" --reason "new leaver" >/dev/null 2>&1 || fail "revoke $newbie"
for ((i = 0; i < 600; i++)); do [[ $(dones "$newbie") -ge 1 ]] && break; sleep 0.05; done
newt=$(awk -v a="$tn" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
left=$(( nusers - $(count done) ))
echo "new leaver's sessions ended after ${newt} s (backlog left then: $left of ${step} s each)"
awk -v t="$newt" -v s="$step" 'BEGIN { exit !(t < 2 * s + 2) }' &&
    pass "a new leaver's session end does not wait behind the backlog (${newt} s)" ||
    fail "a new leaver waited ${newt} s"
for ((i = 0; i < 600; i++)); do [[ $(count done) -ge $((nusers + 1)) ]] && break; sleep 0.05; done
cw_stop_daemon

redone=0
for u in "${finished[@]}"; do [[ $(starts "$u") -eq 1 ]] || redone=$((redone + 1)); done
resumed=0
for u in "${interrupted[@]}"; do [[ $(dones "$u") -eq 1 ]] && resumed=$((resumed + 1)); done
missing=0
for u in "${users[@]}"; do [[ $(dones "$u") -ge 1 ]] || missing=$((missing + 1)); done
echo "commands re-run for users already finished: $redone of ${#finished[@]}"
echo "interrupted steps resumed: $resumed of ${#interrupted[@]}; users never finished: $missing"
echo "command runs in total: $(count start) for $((nusers + 1)) users"
[[ $redone -eq 0 ]] && pass "a restart never redoes a finished session end" ||
    fail "$redone finished session ends redone after the restart"
[[ ${#interrupted[@]} -ge 1 && $resumed -eq ${#interrupted[@]} ]] &&
    pass "the interrupted session end resumed after the restart" ||
    fail "interrupted ${#interrupted[@]}, resumed $resumed"
[[ $missing -eq 0 ]] && pass "every revoked user's sessions ended" || fail "$missing users never finished"

# A second restart with nothing left: not one command runs.
before=$(count start)
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }
sleep 2
cw_stop_daemon
echo "commands run by a restart with nothing left to do: $(( $(count start) - before ))"
[[ $(count start) -eq $before ]] && pass "an idle restart runs no session command" ||
    fail "an idle restart ran $(( $(count start) - before )) commands"

# Reinstated, then revoked again: the journal must not skip the new one.
u=${users[0]}
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }
"$ctl" -c "$conf" reinstate "$u" --reason "mistake" >/dev/null 2>&1 || fail "reinstate $u"
sleep 1
"$ctl" -c "$conf" revoke "$u" --reason "again" >/dev/null 2>&1 || fail "revoke $u again"
for ((i = 0; i < 200; i++)); do [[ $(dones "$u") -ge 2 ]] && break; sleep 0.05; done
cw_stop_daemon
[[ $(dones "$u") -eq 2 ]] && pass "reinstated and revoked again: sessions ended again" ||
    fail "reinstated and revoked again: ended $(dones "$u") times (want 2)"
finish
