#!/bin/bash
# SPDX-License-Identifier: MIT
# clearwayd against its own throwaway slapd and redis-server: hostile
# socket input, peer-credential checks, configuration errors, malformed and
# ambiguous directory data, and LDAP and Redis outages.  Fails closed in
# every case: an error or a deny, never an allow.
#   daemon_test.sh CLEARWAYD CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-daemon-test.XXXXXX)
chmod 0755 "$work"              # nobody must reach the config and socket
rig=$work/rig
cleanup() {
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || {
    echo "cannot start the rig" >&2
    exit 1
}
set -a; . "$rig/env"; set +a
mkdir -m 0755 "$work/run"
conf=$work/clearway.conf
sock=$work/run/clearwayd.sock
log=$work/clearwayd.log
cw_write_config "$conf" "$sock" "revoke_leavers = no" "[policy]" "breakglass_users = rescue"
export CW_LAST_OUT=$work/last.out

check() { "$ctl" -c "$conf" check "$@"; }
# reason_is USER HC REASON: clearwayctl --json reports exactly REASON.
reason_is() {
    local got
    got=$("$ctl" -c "$conf" --json check "$1" --host-class "$2" 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"])' 2>/dev/null)
    if [[ $got == "$3" ]]; then pass "$1 on $2: $3"; else fail "$1 on $2: got '$got', wanted $3"; fi
}
# until_reason USER HC REASON: waits (bounded) for the daemon to report it.
until_reason() {
    local i got
    for ((i = 0; i < 100; i++)); do
        got=$("$ctl" -c "$conf" --json check "$1" --host-class "$2" 2>/dev/null |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"])' 2>/dev/null)
        [[ $got == "$3" ]] && break
        sleep 0.1
    done
    reason_is "$@"
}
ldap() { ldapmodify -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" "$@" >/dev/null; }

# ---------------------------------------------------------------- config
bad_conf=$work/bad.conf
cp "$conf" "$bad_conf"
echo "colour = blue" >>"$bad_conf"
CW_LAST_OUT=$work/bad.out expect_exit 1 "unknown config key refused" "$daemon" -t -c "$bad_conf"
grep -q 'unknown key "colour" in \[policy\]' "$work/bad.out" &&
    pass "error names the key and section" || fail "error names the key: $(cat "$work/bad.out")"
cp "$conf" "$bad_conf"; echo "[colours]" >>"$bad_conf"
expect_exit 1 "unknown config section refused" "$daemon" -t -c "$bad_conf"
cp "$conf" "$bad_conf"; chmod 0666 "$bad_conf"
expect_exit 1 "world-writable config refused" "$daemon" -t -c "$bad_conf"
expect_exit 0 "good config accepted" "$daemon" -t -c "$conf"

# ------------------------------------------------------------- start-up
expect_exit 3 "no daemon: check says unreachable" check alice --host-class sc-hosts
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; finish; exit 1; }
reason_is alice sc-hosts ok
reason_is bob sc-hosts clearance_insufficient

# ------------------------------------------------------------ the socket
for c in garbage huge_length zero_length not_json wrong_version unknown_op \
    unknown_member long_user control_user binary_json deep_json; do
    got=$(python3 "$here/hostile_client.py" "$sock" "$c")
    case $got in
        "bad_request -"|closed) pass "socket: $c -> $got" ;;
        *) fail "socket: $c -> $got" ;;
    esac
done
python3 "$here/hostile_client.py" "$sock" half_then_close >/dev/null
[[ $(python3 "$here/hostile_client.py" "$sock" valid) == "ok allow" ]] &&
    pass "daemon still answers after hostile input" || fail "daemon answers after hostile input"

# A local user holding many idle connections cannot starve logons.
# (Debian's python3, which nobody may run, not a per-user one on PATH.)
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    /usr/bin/python3 "$here/hostile_client.py" "$sock" hold 300 3 >"$work/hold.out" &
holder=$!
sleep 0.5
start=${EPOCHREALTIME/./}
expect_exit 0 "root check answered while nobody holds connections" check alice --host-class sc-hosts
elapsed=$(( (${EPOCHREALTIME/./} - start) / 1000 ))
[[ $elapsed -lt 500 ]] && pass "answered in ${elapsed} ms" || fail "took ${elapsed} ms"
wait "$holder"
grep -q "held [1-9]" "$work/hold.out" && pass "nobody held connections: $(cat "$work/hold.out")" ||
    fail "holder did not run: $(cat "$work/hold.out")"

# ------------------------------------------------------ peer credentials
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
expect_exit 4 "non-root may not ask about another user" as_nobody "$ctl" -c "$conf" check alice --host-class sc-hosts
expect_exit 1 "non-root may ask about itself (unknown_user)" as_nobody "$ctl" -c "$conf" check nobody --host-class sc-hosts

# --------------------------------------------------- directory contents
ldap <<EOF
dn: uid=bob,$CW_STAFF_BASE
changetype: modify
replace: cwEmploymentStatus
cwEmploymentStatus: Active
EOF
until_reason bob open-hosts record_invalid
grep -q "uid=bob,$CW_STAFF_BASE: cwEmploymentStatus: 'Active'" "$log" &&
    pass "log names the entry, attribute and value" || fail "no log line naming bob's bad value"
ldap <<EOF
dn: uid=bob,$CW_STAFF_BASE
changetype: modify
replace: cwEmploymentStatus
cwEmploymentStatus: active
EOF
until_reason bob open-hosts ok

# Two entries with one uid: nobody can tell which is meant, so deny.
ldap -a <<EOF
dn: cn=alice-again,$CW_STAFF_BASE
objectClass: inetOrgPerson
objectClass: cwStaff
cn: alice-again
sn: Again
uid: alice
cwEmploymentStatus: active
EOF
until_reason alice sc-hosts record_invalid
ldapdelete -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" \
    "cn=alice-again,$CW_STAFF_BASE"
until_reason alice sc-hosts ok

# A host class with an unreadable requirement denies everyone on it.
ldap <<EOF
dn: cn=open-hosts,$CW_HOSTCLASS_BASE
changetype: modify
replace: cwRequiredClearance
cwRequiredClearance: TOP-SECRET
EOF
until_reason bob open-hosts record_invalid
ldap <<EOF
dn: cn=open-hosts,$CW_HOSTCLASS_BASE
changetype: modify
replace: cwRequiredClearance
cwRequiredClearance: BPSS
EOF
until_reason bob open-hosts ok

# ------------------------------------------------- SIGHUP reloads [policy]
sed -i 's/^breakglass_users = rescue$/breakglass_users = rescue, judy/' "$conf"
kill -HUP "$CW_DAEMON_PID"
sleep 0.5
reason_is judy sc-hosts breakglass
grep -q "SIGHUP: \[policy\] reloaded" "$log" && pass "reload logged" || fail "no reload log line"
cp "$conf" "$work/good.conf"
echo "colour = blue" >>"$conf"
kill -HUP "$CW_DAEMON_PID"
sleep 0.5
# (clearwayctl reads the file too: ask with the good copy)
saved=$conf conf=$work/good.conf
reason_is judy sc-hosts breakglass
conf=$saved
grep -q "SIGHUP: .*unknown key \"colour\".*configuration unchanged" "$log" &&
    pass "a bad file on SIGHUP changes nothing and says why" || fail "no refusal line"
sed -i '/^colour = blue$/d; s/^breakglass_users = rescue, judy$/breakglass_users = rescue/' "$conf"
kill -HUP "$CW_DAEMON_PID"
sleep 0.5
reason_is judy sc-hosts no_role

# ---------------------------------------------------------------- outages
bash "$here/../rig/rig.sh" stop-slapd "$rig" >/dev/null 2>&1
sleep 1.5
reason_is alice sc-hosts ok
reason_is carol sc-hosts not_active
grep -q "ldap: .*Can't contact LDAP server" "$log" && pass "LDAP outage logged" || fail "LDAP outage not logged"

cw_stop_daemon
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || fail "no answer after restart with LDAP down"
reason_is alice sc-hosts ok
reason_is carol sc-hosts not_active

bash "$here/../rig/rig.sh" stop-redis "$rig" >/dev/null 2>&1
sleep 0.5
reason_is alice sc-hosts ok
reason_is carol sc-hosts not_active

# Nothing to answer from: unavailable (the PAM module denies), never allow.
cw_stop_daemon
cw_start_daemon "$daemon" "$conf" "$log"
sleep 1
expect_exit 3 "LDAP and Redis down, no data: unavailable" check alice --host-class sc-hosts
reason_is rescue sc-hosts breakglass

bash "$here/../rig/rig.sh" start-redis "$rig" >/dev/null 2>&1
cw_wait_answer "$ctl" "$conf" alice sc-hosts || fail "no answer after Redis came back"
reason_is alice sc-hosts ok
bash "$here/../rig/rig.sh" start-slapd "$rig" >/dev/null 2>&1

# -------------------------------------------------------- crash, restart
kill -KILL "$CW_DAEMON_PID"; wait "$CW_DAEMON_PID" 2>/dev/null
[[ -S $sock ]] && pass "stale socket left by a crash" || fail "no stale socket after kill -9"
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts && pass "restart over a stale socket" || fail "restart over a stale socket"
kill -TERM "$CW_DAEMON_PID"
wait "$CW_DAEMON_PID"; rc=$?
CW_DAEMON_PID=
[[ $rc -eq 0 ]] && pass "SIGTERM: clean exit" || fail "SIGTERM: exit $rc"
[[ ! -e $sock ]] && pass "socket removed on exit" || fail "socket left after clean exit"

finish
