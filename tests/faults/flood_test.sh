#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 10, item 2: one local user must not lock everyone out.
# Unprivileged users (real throwaway accounts, setpriv) flood clearwayd's
# socket at the same time:
#   - 32 uids each holding 8 idle connections (all of max_clients),
#   - 2 uids looping connect + request + hang up as fast as they can,
#   - 2 uids flooding change requests (drop) and never reading answers,
# while root makes PAM account calls through the real libpam at ~20/s,
# HR checks itself every 0.2 s and files a leaver.  What must hold: no valid user is denied, the
# longest PAM call stays under the module's timeout, the daemon's fd count
# stays bounded, and the leaver succeeds.
#   flood_test.sh CLEARWAYD CLEARWAYCTL PAM_MODULE PAM_LOAD
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 module=$(realpath "$3") pam_load=$4
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/../lib/users.sh"

FLOOD_S=14              # how long the hostile clients run
PAM_S=8                 # how long root's PAM calls run (inside the flood)
TIMEOUT_MS=1000         # [daemon] client_timeout_ms (the module's timeout)
FD_BOUND=512            # what the daemon may hold, all included

work=$(mktemp -d /tmp/cw-flood-test.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
bg=()
cleanup() {
    local p
    cw_stop_daemon
    for p in "${bg[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    cw_users_release
    rm -rf "$work"
}
trap cleanup EXIT
export CW_LAST_OUT=$work/last.out

hostile=()
for i in $(seq -w 0 31); do hostile+=("cwfl$i"); done
cw_users_hold harry "${hostile[@]}" || exit 1
bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a

mkdir -m 0755 "$work/run" "$work/pam.d"
conf=$work/clearway.conf
sock=$work/run/clearwayd.sock
# The answer thread polls between requests at the most answer_poll_us
# allows (every other test runs the default, 0): a flood keeps the window
# open, and root's calls, the names thread and the sync must still get
# through.
cw_write_config "$conf" "$sock" "client_timeout_ms = $TIMEOUT_MS" "answer_poll_us = 1000"
log=$work/clearwayd.log
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }
echo "account required $module host_class=sc-hosts config=$conf" >"$work/pam.d/sshd-sc"

as() { local u=$1; shift; setpriv --reuid="$u" --regid=users --clear-groups "$@"; }
valid=(alice oscar peggy anna andy audrey victor)
value() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

"$pam_load" "$work/pam.d" sshd-sc account 0 0 "${valid[@]}" >"$work/before.out" 2>&1
[[ $(value failed "$work/before.out") == 0 ]] && pass "before the flood: every valid user logs on" ||
    { fail "before the flood: $(grep fail "$work/before.out" | head -3)"; }

# --- the flood ------------------------------------------------------------
client=$work/flood_client.py
cp "$here/flood_client.py" "$client"
chmod 0755 "$client"
for u in "${hostile[@]}"; do
    as "$u" /usr/bin/python3 "$client" hold "$sock" 8 "$FLOOD_S" >"$work/hold.$u" 2>&1 &
    bg+=($!)
done
for u in cwfl00 cwfl01; do
    for n in 1; do
        as "$u" /usr/bin/python3 "$client" hammer "$sock" "$u" "$FLOOD_S" >"$work/hammer.$u.$n" 2>&1 &
        bg+=($!)
    done
done
for u in cwfl02 cwfl03; do
    as "$u" /usr/bin/python3 "$client" drop "$sock" "$u" "$FLOOD_S" >"$work/drop.$u" 2>&1 &
    bg+=($!)
done
# The daemon's open files, sampled until the flood ends.
(
    max=0
    end=$((SECONDS + FLOOD_S + 2))
    while ((SECONDS < end)); do
        n=$(ls "/proc/$CW_DAEMON_PID/fd" 2>/dev/null | wc -l)
        ((n > max)) && max=$n
        echo "$max" >"$work/fdmax"
        sleep 0.2
    done
) &
bg+=($!)

sleep 3         # let the idle connections fill every slot
"$pam_load" "$work/pam.d" sshd-sc account "$PAM_S" 20 "${valid[@]}" >"$work/pam.out" 2>&1 &
pam_pid=$!
as harry /usr/bin/python3 "$client" probe "$sock" harry 20 >"$work/probe.out" 2>&1 &
bg+=($!)
sleep 3
rc=0
t0=$(date +%s%N)
as harry "$ctl" -c "$conf" --json leaver mallory --reason "flood test" >"$work/leaver.out" 2>&1 || rc=$?
leaver_ms=$((($(date +%s%N) - t0) / 1000000))
wait "$pam_pid"
for p in "${bg[@]}"; do wait "$p" 2>/dev/null; done
bg=()

calls=$(value calls "$work/pam.out")
denied=$(value failed "$work/pam.out")
max_ms=$(value max_ms "$work/pam.out")
fdmax=$(cat "$work/fdmax" 2>/dev/null || echo 0)
echo "# hostile clients: $(cat "$work"/hammer.* "$work"/drop.* | tr '\n' ';')"
echo "# idle holders: $(cat "$work"/hold.* | awk '{s += $3} END {print s}') connections opened by 32 uids"
echo "# HR's own checks during the flood: $(cat "$work/probe.out")"
echo "# PAM calls by root during the flood: ${calls:-0}"
echo "# denials of valid users: ${denied:-?}"
echo "# longest PAM call: ${max_ms:-?} ms (module timeout $TIMEOUT_MS ms)"
echo "# daemon fd count, highest: $fdmax (bound $FD_BOUND)"
echo "# HR leaver during the flood: exit $rc after $leaver_ms ms"

[[ ${calls:-0} -ge $((PAM_S * 10)) ]] && pass "root made ${calls} PAM calls during the flood" ||
    fail "only ${calls:-0} PAM calls were made"
[[ ${denied:-1} == 0 ]] && pass "denials of valid users during the flood: 0" ||
    { fail "denials of valid users during the flood: ${denied:-?}"; grep '^fail' "$work/pam.out" | head -5; }
[[ -n $max_ms && $max_ms -lt $TIMEOUT_MS ]] && pass "longest PAM call ${max_ms} ms < ${TIMEOUT_MS} ms" ||
    fail "longest PAM call ${max_ms:-?} ms"
[[ $fdmax -gt 0 && $fdmax -le $FD_BOUND ]] && pass "daemon fd count bounded: at most $fdmax" ||
    fail "daemon fd count reached $fdmax"
[[ $rc == 0 ]] && pass "HR's leaver succeeded during the flood" ||
    { fail "leaver exit $rc"; sed 's/^/      /' "$work/leaver.out" | head -3; }
grep -q "probe answered 20 of 20" "$work/probe.out" && pass "HR's own checks all answered during the flood" ||
    fail "HR's own checks: $(cat "$work/probe.out")"
cw_alive "$CW_DAEMON_PID" && pass "the daemon is still running" || fail "the daemon died"
"$pam_load" "$work/pam.d" sshd-sc account 0 0 mallory >"$work/after.out" 2>&1
[[ $(value success "$work/after.out") == 0 ]] && pass "the leaver (mallory) is denied afterwards" ||
    fail "mallory still logs on"
grep -q "busy:" "$log" && pass "the daemon logged that it turned callers away" ||
    fail "nothing about the flood in the daemon's log"
finish
