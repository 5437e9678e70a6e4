#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 10, item 2: a root caller's request never waits on NSS.  clearwayd
# runs with a shim that makes every getpwuid_r() take 1.5 s (a stalled
# sssd or nslcd behind nsswitch).  Four unprivileged users ask at once,
# so the daemon has 6 s of lookups to do, while root makes PAM account
# calls through the real libpam at ~20/s.  What must hold: every root
# call is answered (no valid user denied) within the module's timeout;
# the unprivileged users are answered once their names are known.
#   slow_nss_test.sh CLEARWAYD CLEARWAYCTL PAM_MODULE PAM_LOAD SLOW_NSS_SO
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 module=$(realpath "$3") pam_load=$4 shim=$(realpath "$5")
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/../lib/users.sh"

TIMEOUT_MS=1000
work=$(mktemp -d /tmp/cw-slownss-test.XXXXXX)
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

slow=(cwslow0 cwslow1 cwslow2 cwslow3)
cw_users_hold "${slow[@]}" || exit 1
bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a

mkdir -m 0755 "$work/run" "$work/pam.d"
conf=$work/clearway.conf
cw_write_config "$conf" "$work/run/clearwayd.sock" "client_timeout_ms = $TIMEOUT_MS"
log=$work/clearwayd.log
# An ASan build wants its runtime first in the preload list.
preload=
# (grep reads all of ldd's output: with -q its early exit could SIGPIPE
# ldd, and pipefail then said "no ASan", so the runtime was not preloaded
# and the daemon aborted at start, now and then.)
ldd "$daemon" 2>/dev/null | grep libasan >/dev/null && preload="$(gcc -print-file-name=libasan.so) "
LD_PRELOAD="$preload$shim" CW_SLOW_NSS_MS=1500 "$daemon" -f -d -c "$conf" >>"$log" 2>&1 &
CW_DAEMON_PID=$!
cw_wait_answer "$ctl" "$conf" alice sc-hosts 20 && pass "root's check is answered while NSS stalls" ||
    fail "root's check not answered within ${TIMEOUT_MS} ms while NSS stalls"
grep -q cw_slow_nss "/proc/$CW_DAEMON_PID/maps" && pass "the daemon runs with the slow getpwuid_r" ||
    fail "the shim is not loaded into the daemon"
echo "account required $module host_class=sc-hosts config=$conf" >"$work/pam.d/sshd-sc"
as() { local u=$1; shift; setpriv --reuid="$u" --regid=users --clear-groups "$@"; }
value() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

# Four users whose names the daemon has yet to look up, each asking twice.
for u in "${slow[@]}"; do
    ( for _ in 1 2; do as "$u" "$ctl" -c "$conf" check "$u" --host-class sc-hosts; echo "exit $?"; done ) \
        >"$work/user.$u" 2>&1 &
    bg+=($!)
done
"$pam_load" "$work/pam.d" sshd-sc account 5 20 alice oscar peggy victor >"$work/pam.out" 2>&1
for p in "${bg[@]}"; do wait "$p" 2>/dev/null; done
bg=()
calls=$(value calls "$work/pam.out")
denied=$(value failed "$work/pam.out")
max_ms=$(value max_ms "$work/pam.out")
echo "# NSS lookup time: 1500 ms each, 4 uids to look up"
echo "# PAM calls by root meanwhile: ${calls:-0}; denials of valid users: ${denied:-?}; longest: ${max_ms:-?} ms"
[[ ${calls:-0} -ge 50 ]] && pass "root made $calls PAM calls while NSS stalled" || fail "only ${calls:-0} PAM calls"
[[ ${denied:-1} == 0 ]] && pass "denials of valid users while NSS stalled: 0" ||
    { fail "denials of valid users while NSS stalled: ${denied:-?}"; grep '^fail' "$work/pam.out" | head -3; }
[[ -n $max_ms && $max_ms -lt $TIMEOUT_MS ]] && pass "longest PAM call ${max_ms} ms < ${TIMEOUT_MS} ms" ||
    fail "longest PAM call ${max_ms:-?} ms"
# Once looked up, a name is cached: each user is answered at once
# (exit 1: they are not staff, so check says unknown_user).
answered=0
for u in "${slow[@]}"; do
    rc=0
    as "$u" "$ctl" -c "$conf" check "$u" --host-class sc-hosts >/dev/null 2>&1 || rc=$?
    [[ $rc == 1 ]] && answered=$((answered + 1))
done
echo "# unprivileged users answered from the name cache afterwards: $answered of ${#slow[@]}"
[[ $answered == "${#slow[@]}" ]] && pass "unprivileged users answered once their names are known" ||
    fail "only $answered of ${#slow[@]} unprivileged users answered afterwards"
finish
