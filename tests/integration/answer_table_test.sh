#!/bin/bash
# SPDX-License-Identifier: MIT
# The answer table (core/answer_table.h): root's logons take clearwayd's
# earlier answer from <socket>.answers without a round trip, and only
# while it holds.  Through the real libpam (pam_load: pam_start_confdir).
#   - the file is root's, 0600, and goes with the daemon;
#   - with the sockets moved out of reach, a user asked before is still
#     answered (the same answer, allow or deny), one never asked is not;
#   - each such decision reaches the daemon's log and audit spool through
#     the inbox, with the module's own pid;
#   - a change (a suspension) takes the old answer back at once;
#   - a daemon stopped (SIGSTOP) is not trusted past its heartbeat, a
#     killed one not at all; an inbox a killed daemon left is read at the
#     next start, a line that is not one is named and skipped.
#   answer_table_test.sh CLEARWAYD CLEARWAYCTL PAM_MODULE PAM_LOAD
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 module=$(realpath "$3") pam_load=$4
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-answers-test.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
cleanup() {
    [[ -n ${CW_DAEMON_PID:-} ]] && kill -CONT "$CW_DAEMON_PID" 2>/dev/null
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
export CW_LAST_OUT=$work/last.out

bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a
mkdir -m 0755 "$work/run" "$work/pam.d"
sock=$work/run/clearwayd.sock
table=$sock.answers
conf=$work/clearway.conf
cw_write_config "$conf" "$sock" "revoke_leavers = no" "client_timeout_ms = 500"
log=$work/clearwayd.log
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }
echo "account required $module host_class=sc-hosts config=$conf" >"$work/pam.d/sshd-sc"

preload=
ldd "$pam_load" "$module" 2>/dev/null | grep -q libasan && preload="$(gcc -print-file-name=libasan.so)"
# logon USER: one pam_acct_mgmt; prints the PAM result code (0 allowed)
# and leaves pam_load's report in $work/logon.out.
logon() {
    ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$preload" \
        "$pam_load" "$work/pam.d" sshd-sc account 0 0 "$1" >"$work/logon.out" 2>&1
    if grep -q '^success 1' "$work/logon.out"; then echo 0
    else awk '$1 == "fail" {print $3}' "$work/logon.out"; fi
}
logon_pid() { awk '$1 == "pid" {print $2}' "$work/logon.out"; }
# The sockets out of reach (the daemon still runs): only the table answers.
hide() { mv "$sock" "$sock.hidden" && mv "$sock.root" "$sock.root.hidden"; }
unhide() { mv "$sock.hidden" "$sock" && mv "$sock.root.hidden" "$sock.root"; }
# wait_log PATTERN: the daemon logged it within 5 s.
wait_log() {
    local i
    for ((i = 0; i < 50; i++)); do
        grep -qE "$1" "$log" && return 0
        sleep 0.1
    done
    return 1
}

# --- the file -----------------------------------------------------------------
[[ -f $table && $(stat -c '%u %a' "$table") == "0 600" ]] &&
    pass "the table is root's, mode 0600" || fail "table: $(stat -c '%U %a' "$table" 2>&1)"

# --- asked once, answered from the table after --------------------------------
[[ $(logon alice) == 0 ]] && pass "alice is let in (asked over the socket)" || fail "alice: $(cat "$work/logon.out")"
deny_rc=$(logon heidi)
[[ $deny_rc != 0 && -n $deny_rc ]] && pass "heidi is refused (training expired)" || fail "heidi: $(cat "$work/logon.out")"
published=$("$ctl" -c "$conf" --json status | python3 -c '
import json, sys
t = json.load(sys.stdin)["answer_table"]
print(t["answers_published"] if t["enabled"] else "off")')
[[ $published -ge 2 ]] 2>/dev/null && pass "status: the table is on, $published answers published" ||
    fail "status says of the table: $published"
hide
[[ $(logon alice) == 0 ]] && pass "sockets out of reach: alice still let in, from the table" ||
    fail "alice from the table: $(cat "$work/logon.out")"
pid=$(logon_pid)
[[ $(logon heidi) == "$deny_rc" ]] && pass "... and heidi still refused, the same way" ||
    fail "heidi from the table: $(cat "$work/logon.out")"
[[ $(logon bob) != 0 ]] && pass "... bob, never asked, is not let in" || fail "bob let in with no daemon to ask"
wait_log "decision user=alice .*verdict=allow reason=ok caller_uid=0 caller_pid=$pid\$" &&
    pass "the table's decision is in clearwayd's log, with the module's pid" ||
    fail "no log line for pid $pid: $(grep 'decision user=alice' "$log" | tail -2)"
sleep 0.5
grep -h "\"caller_pid\":$pid[,}]" "$work"/spool/spool.*.jsonl 2>/dev/null | grep -q '"reason":"ok"' &&
    pass "... and its pam_decision event in the audit spool" || fail "no spooled event for pid $pid"
[[ ! -e $work/spool/decisions.inbox ]] && pass "the inbox was read and removed" || fail "inbox left: $(cat "$work/spool/decisions.inbox")"

# --- under load, while the daemon renames the inbox to read it: with no
# socket to fall back on, every logon is answered from the table (a write
# that meets the rename goes to the new inbox) and recorded, none twice -----
loaders=()
for i in 1 2 3; do
    ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$preload" \
        "$pam_load" "$work/pam.d" sshd-sc account 2 400 alice heidi >"$work/load$i.out" 2>&1 &
    loaders+=($!)
done
wait "${loaders[@]}"    # not the daemon, also a child of this shell
calls=0 pids=()
for i in 1 2 3; do
    calls=$((calls + $(awk '$1 == "calls" {print $2}' "$work/load$i.out")))
    pids+=("$(awk '$1 == "pid" {print $2}' "$work/load$i.out")")
done
pattern="caller_pid=(${pids[0]}|${pids[1]}|${pids[2]})\$"
for ((i = 0; i < 50; i++)); do
    [[ $(grep -cE "decision user=(alice|heidi) .*$pattern" "$log") -ge $calls ]] && break
    sleep 0.1
done
sleep 0.3
got=$(grep -cE "decision user=(alice|heidi) .*$pattern" "$log")
[[ $calls -gt 100 && $got -eq $calls ]] &&
    pass "$calls logons from 3 processes under load, all answered from the table and recorded" ||
    fail "$calls logons under load, $got answered from the table and recorded"

# --- a change takes the old answer back at once --------------------------------
unhide
soon=$(date -u -d "@$(( $(date +%s) + 3600 ))" +%Y-%m-%dT%H:%M:%SZ)
expect_exit 0 "alice is suspended" "$ctl" -c "$conf" suspend alice --until "$soon" --reason "answer table test"
hide
[[ $(logon alice) != 0 ]] && pass "the allow she had is not taken after the change" || fail "alice let in from an old answer"
unhide
[[ $(logon alice) != 0 ]] && pass "asked again: alice refused (suspended)" || fail "alice let in while suspended"
expect_exit 0 "alice is unsuspended" "$ctl" -c "$conf" unsuspend alice --reason "answer table test"
[[ $(logon alice) == 0 ]] && pass "alice let in again" || fail "alice after unsuspend: $(cat "$work/logon.out")"

# --- a hung daemon, a dead one --------------------------------------------------
hide
[[ $(logon alice) == 0 ]] && pass "from the table again" || fail "alice not answered from the table"
kill -STOP "$CW_DAEMON_PID"
sleep 0.7
[[ $(logon alice) != 0 ]] && pass "clearwayd stopped 0.7 s: its table is not trusted" || fail "a hung daemon's table was trusted"
kill -CONT "$CW_DAEMON_PID"
sleep 1
[[ $(logon alice) == 0 ]] && pass "running again: the table answers again" || fail "alice after SIGCONT: $(cat "$work/logon.out")"
kill -KILL "$CW_DAEMON_PID"
wait "$CW_DAEMON_PID" 2>/dev/null
CW_DAEMON_PID=
[[ -f $table ]] && pass "a killed daemon leaves its table behind" || fail "no table after kill -9"
[[ $(logon alice) != 0 ]] && pass "... which nobody trusts: alice is not let in" || fail "a dead daemon's table was trusted"
unhide

# --- what a killed daemon left in the inbox -------------------------------------
t=$(( $(date +%s) * 1000000 ))
{
    echo "v1 t=$t uid=0 pid=777777 mode=login verdict=allow reason=ok user=alice host_class=sc-hosts service=sshd rhost=192.0.2.7 tty=ssh"
    echo "v1 t=$t uid=0 pid=777778 mode=login verdict=maybe reason=ok user=alice host_class=sc-hosts service= rhost= tty="
    # A write cut short (a full disk), then a line as the module writes
    # it, after a newline of its own: the fragment alone is lost.
    printf 'v1 t=%s uid=0 pid=7' "$t"
    printf '\nv1 t=%s uid=0 pid=777779 mode=admin verdict=deny reason=elevation_required user=alice host_class=sc-hosts service=sudo rhost= tty=\n' "$t"
} >>"$work/spool/decisions.inbox"
chmod 0600 "$work/spool/decisions.inbox"
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }
wait_log "decision user=alice .*rhost=192.0.2.7 .*caller_pid=777777\$" &&
    pass "the restarted daemon read the inbox left behind" || fail "the left line was not read"
grep -q "2 line(s) not understood (first: bad verdict=)" "$log" &&
    pass "... and named the lines it could not read (a bad one, a fragment)" || fail "no word of the bad lines: $(grep inbox "$log")"
grep -q "decision user=alice .*mode=admin .*caller_pid=777779\$" "$log" &&
    pass "... and read the line after the fragment whole" || fail "the line after a fragment was lost"
[[ ! -e $work/spool/decisions.inbox && ! -e $work/spool/decisions.inbox.reading ]] &&
    pass "... and removed it" || fail "inbox files left: $(ls "$work/spool")"
[[ $(stat -c %i "$table") != "" ]] && pass "a new table" || fail "no table after restart"

cw_stop_daemon
[[ ! -e $table ]] && pass "a daemon that stops removes its table" || fail "table left after SIGTERM"
finish
