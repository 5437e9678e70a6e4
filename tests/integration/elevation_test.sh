#!/bin/bash
# SPDX-License-Identifier: MIT
# Time-bound elevation and the operator's CLI (issue 5), through the real
# clearwayctl run as different real (throwaway) Unix users, the real
# daemon, slapd and Redis, and sudo-mode PAM through real libpam
# (pamtester under pam_wrapper).
#   elevation_test.sh CLEARWAYD CLEARWAYCTL PAM_MODULE
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
daemon=$1 ctl=$2 module=$(realpath "$3")
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/../lib/users.sh"

work=$(mktemp -d /tmp/cw-elev-test.XXXXXX)
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

# Real accounts whose names match staff in the sample directory.
cw_users_hold anna andy harry audrey paul oscar alice || exit 1

bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a
mkdir -m 0755 "$work/run" "$work/pam.d"
conf=$work/clearway.conf
cw_write_config "$conf" "$work/run/clearwayd.sock"
log=$work/clearwayd.log
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }

as() { local u=$1; shift; setpriv --reuid="$u" --regid=users --clear-groups "$ctl" -c "$conf" "$@"; }
json_ok() {  # name, command...: the command's stdout parses as JSON
    local name=$1 out
    shift
    out=$("$@" 2>/dev/null)
    if printf '%s' "$out" | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null; then
        pass "--json parses: $name"
    else
        fail "--json parses: $name: $out"
    fi
}
echo "account required $module host_class=sc-hosts mode=admin config=$conf" >"$work/pam.d/sudo-sc"
sudo_pam() {  # user -> pamtester's exit status (0 allowed)
    ASAN_OPTIONS=detect_leaks=0 \
    LD_PRELOAD=${CW_ASAN_PRELOAD:+$CW_ASAN_PRELOAD }libpam_wrapper.so PAM_WRAPPER=1 \
        PAM_WRAPPER_SERVICE_DIR="$work/pam.d" \
        pamtester sudo-sc "$1" acct_mgmt >"$work/pamtester.out" 2>&1
}
# An instrumented module in uninstrumented pamtester needs ASan loaded first.
if ldd "$module" 2>/dev/null | grep libasan >/dev/null; then
    CW_ASAN_PRELOAD=$(gcc -print-file-name=libasan.so)
fi

# ------------------------------------------------------------ who may
expect_exit 4 "HR cannot elevate" as harry elevate oscar --role ops-admin --for 1h --reason "patching"
expect_exit 4 "an approver cannot elevate themself" as anna elevate anna --role ops-admin --for 1h --reason "patching"
CW_LAST_OUT=$work/max.out expect_exit 1 "past the role's maximum is refused" \
    as anna elevate oscar --role ops-admin --for 8h --reason "patching"
grep -q "allows at most 4h; asked 8h" "$work/max.out" && pass "refusal names the maximum" ||
    fail "refusal text: $(cat "$work/max.out")"
expect_exit 4 "an approver with lapsed training approves nothing" \
    as paul elevate oscar --role ops-admin --for 1h --reason "patching"
expect_exit 1 "a role without cwMaxElevation cannot be granted" \
    as anna elevate oscar --role ops --for 1h --reason "patching"
expect_exit 1 "a subject without the role's clearance" \
    as anna elevate bob --role ops-admin --for 1h --reason "patching"
expect_exit 2 "an empty reason is a usage error" as anna elevate oscar --role ops-admin --for 1h --reason " "
expect_exit 2 "a malformed duration is a usage error" as anna elevate oscar --role ops-admin --for 1x --reason "patching"

# ----------------------------------------------- sudo mode follows the grant
expect_exit 1 "before: oscar denied in admin mode" "$ctl" -c "$conf" check oscar --host-class sc-hosts --mode admin
sudo_pam oscar && fail "before: pamtester sudo allowed oscar" || pass "before: pamtester sudo denies oscar"
json_ok "elevate" as anna --json elevate oscar --role ops-admin --for 3s --reason "patching" --ticket CHG-1
end=$(as anna --json elevations oscar | python3 -c 'import json,sys; print(json.load(sys.stdin)["elevations"][0]["end"])')
sudo_pam oscar && pass "during: pamtester sudo allows oscar" ||
    { fail "during: sudo denied oscar"; grep -v PWRAP_TRACE "$work/pamtester.out" | tail -3; }
grep -q "Elevated access ends in" "$work/pamtester.out" &&
    pass "at logon the module tells the user when the elevation ends" ||
    fail "no elevation notice: $(grep -v PWRAP "$work/pamtester.out" | tail -2)"
grep -qiE "revoked|elevation_required|ok_elevated" "$work/pamtester.out" &&
    fail "the user was shown a reason code" || pass "no reason code shown to the user"
expect_exit 0 "during: check --mode admin allows" "$ctl" -c "$conf" check oscar --host-class sc-hosts --mode admin
while (( $(date +%s) < end + 1 )); do sleep 0.1; done
sudo_pam oscar && fail "one second after the end: sudo still allowed" || pass "one second after the end: sudo denies oscar"
sleep 1.5
grep -q "elevation_expired oscar:ops-admin" "$log" && pass "expiry recorded by the daemon" ||
    fail "no elevation_expired line"

echo "account required $module host_class=sc-hosts config=$conf" >"$work/pam.d/login-sc"
ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD=${CW_ASAN_PRELOAD:+$CW_ASAN_PRELOAD }libpam_wrapper.so \
    PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$work/pam.d" \
    pamtester login-sc peggy acct_mgmt >"$work/peggy.out" 2>&1
grep -q "annual security training expires on" "$work/peggy.out" &&
    pass "at logon the module warns of training expiring within 30 days" ||
    fail "no training notice: $(grep -v PWRAP "$work/peggy.out" | tail -2)"

# ------------------------------------------------------------------- drop
expect_exit 0 "andy elevates oscar for an hour" as andy elevate oscar --role ops-admin --for 1h --reason "incident" --ticket INC-7
sudo_pam oscar && pass "elevated: sudo allows oscar" || fail "elevated: sudo denied oscar"
expect_exit 0 "oscar drops his own elevation" as oscar drop oscar --role ops-admin
sudo_pam oscar && fail "after drop: sudo still allowed" || pass "after drop: sudo denies oscar at once"
expect_exit 1 "dropping what is not there says no" as anna drop oscar --role ops-admin
expect_exit 4 "HR cannot drop another user's elevation" as harry drop oscar --role ops-admin

"$ctl" -c "$conf" --json report --month "$(date -u +%Y-%m)" | python3 -c "
import json,sys; kinds={(r['user'], r['kind']) for r in json.load(sys.stdin)['revocations']}
assert ('oscar', 'elevation_expired') in kinds and ('oscar', 'elevation_dropped') in kinds, kinds
" && pass "expired and dropped elevations are filed and reported as revocations" ||
    fail "elevation revocations missing from the report"

# ------------------------------------------------------------ reading
expect_exit 0 "andy elevates oscar again" as andy elevate oscar --role ops-admin --for 30m --reason "follow-up"
json_ok "elevations (approver, all)" as anna --json elevations
json_ok "elevations (auditor, all)" as audrey --json elevations
json_ok "elevations (own)" as oscar --json elevations oscar
expect_exit 4 "a user cannot list others' elevations" as oscar elevations
expect_exit 0 "HR may check another user" as harry check alice --host-class sc-hosts
expect_exit 4 "a plain user may not check another" as oscar check alice --host-class sc-hosts
json_ok "check" as alice --json check alice --host-class sc-hosts
json_ok "status (own)" as oscar --json status oscar
json_ok "status (daemon, root)" "$ctl" -c "$conf" --json status
json_ok "calendar" "$ctl" -c "$conf" --json calendar deadline --from 2026-11-23T09:00:00Z
json_ok "drop" as andy --json drop oscar --role ops-admin
grep -q "request op=elevate caller=anna (uid [0-9]*) subject=oscar role=ops-admin .*outcome=ok" "$log" &&
    pass "requests are logged with the caller" || fail "no request log line with the caller"

# ------------------------------------------------------ the exit codes
bad=$work/dead.conf
printf '[daemon]\nldap_sync = no\nsocket = %s/nothing.sock\n' "$work" >"$bad"
expect_exit 3 "exit 3: service unreachable" "$ctl" -c "$bad" check alice --host-class sc-hosts
expect_exit 2 "exit 2: usage" "$ctl" -c "$conf" check
expect_exit 0 "exit 0: allow" "$ctl" -c "$conf" check alice --host-class sc-hosts
expect_exit 1 "exit 1: deny" "$ctl" -c "$conf" check bob --host-class sc-hosts
expect_exit 4 "exit 4: not permitted" as oscar status alice

finish
