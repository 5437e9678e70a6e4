#!/bin/bash
# SPDX-License-Identifier: MIT
# pam_test.sh - pam_clearway.so through the real libpam, against the real
# clearwayd over the test rig's slapd and Redis.
#
# usage: pam_test.sh RIG_DIR CLEARWAYD CLEARWAYCTL PAM_MODULE TEST_PAM
#
# The ctest fixture "rig" has started slapd and Redis and loaded the sample
# data; $RIG_DIR/env says where they are.  This script:
#   1. writes a root-owned config and starts clearwayd -f on it,
#   2. waits until clearwayctl says alice may log on (the mirror is ready),
#   3. puts the test's state into Redis (mallory revoked, oscar elevated),
#      bumps cw:gen and waits until the daemon has reloaded,
#   4. checks with clearwayctl --json that every sample user is decided for
#      the intended reason (so a deny case cannot pass for the wrong one),
#   5. writes PAM service files and runs test_pam under pam_wrapper,
#   6. checks what the module logged (pam_wrapper turns pam_syslog into
#      stderr lines "SYSLOG(<priority>): ..."),
# and always stops the daemon.  CW_TEST_KEEP=1 keeps the work directory.
set -u

if [ $# -ne 5 ]; then
	echo "usage: $0 RIG_DIR CLEARWAYD CLEARWAYCTL PAM_MODULE TEST_PAM" >&2
	exit 2
fi
rig_dir=$1 clearwayd=$2 clearwayctl=$3 module=$4 test_pam=$5

# Bounded waits, well inside the ctest timeout.
READY_TIMEOUT=20

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

[ -r "$rig_dir/env" ] || fail "no $rig_dir/env: is the rig fixture running?"
# shellcheck disable=SC1091
. "$rig_dir/env"
for f in "$clearwayd" "$clearwayctl" "$test_pam"; do
	[ -x "$f" ] || fail "$f is not executable"
done
[ -r "$module" ] || fail "$module is missing"
# Service files and the daemon need paths that do not depend on our cwd.
clearwayd=$(realpath "$clearwayd") clearwayctl=$(realpath "$clearwayctl")
module=$(realpath "$module") test_pam=$(realpath "$test_pam")

secdir=
for d in /usr/lib/x86_64-linux-gnu/security /lib/x86_64-linux-gnu/security \
    /usr/lib/security /lib/security; do
	if [ -r "$d/pam_debug.so" ] && [ -r "$d/pam_permit.so" ]; then
		secdir=$d
		break
	fi
done
[ -n "$secdir" ] || fail "pam_debug.so and pam_permit.so not found"

work=$(mktemp -d /tmp/cw-pam-test.XXXXXX) || fail "mktemp"
daemon_pid=

# shellcheck disable=SC2317  # called from the EXIT trap
stop_daemon() {
	[ -n "$daemon_pid" ] || return 0
	kill -TERM "$daemon_pid" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$daemon_pid" 2>/dev/null; then
		echo "clearwayd did not stop on SIGTERM within 5 s; killing" >&2
		kill -KILL "$daemon_pid" 2>/dev/null
	fi
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
}

# shellcheck disable=SC2317  # the EXIT trap
cleanup() {
	stop_daemon
	if [ "${CW_TEST_KEEP:-0}" = 1 ]; then
		echo "work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

show_daemon_log() {
	echo "--- last lines of the clearwayd log ---" >&2
	tail -n 40 "$work/clearwayd.log" >&2
}

redis() {
	if [ -n "${CW_REDIS_SOCKET:-}" ]; then
		redis-cli -s "$CW_REDIS_SOCKET" "$@"
	else
		redis-cli -h "$CW_REDIS_HOST" -p "$CW_REDIS_PORT" "$@"
	fi
}

# --- 1. configuration and daemon --------------------------------------

# write_config FILE DAEMON_SOCKET: the same settings for daemon and module.
write_config() {
	local redis_lines

	if [ -n "${CW_REDIS_SOCKET:-}" ]; then
		redis_lines="socket = $CW_REDIS_SOCKET"
	else
		redis_lines="host = $CW_REDIS_HOST
port = $CW_REDIS_PORT"
	fi
	cat >"$1" <<EOF
[ldap]
uri = $CW_LDAP_URI
allow_plaintext = yes
staff_base = $CW_STAFF_BASE
hostclass_base = $CW_HOSTCLASS_BASE
role_base = $CW_ROLE_BASE
bind_dn = $CW_LDAP_ADMIN_DN
bind_password_file = $CW_LDAP_ADMIN_PW_FILE

[redis]
$redis_lines

[policy]
exempt_users = trent
breakglass_users = rescue

[audit]
spool_dir = $work/spool
metrics_file = $work/clearway.prom

[daemon]
socket = $2
state_dir = $work/state
end_sessions_command = true %u
# Keep LDAP leavers at not_active / left (their own reasons) rather than
# revoked, so that every deny reason is seen through PAM.
revoke_leavers = no
ldap_sync = yes
reload_interval_ms = 100
client_timeout_ms = 3000
EOF
	# The module refuses a config that others may change.
	if ! chown 0:0 "$1" || ! chmod 0644 "$1"; then
		fail "cannot secure $1"
	fi
}

conf=$work/clearway.conf
stopped_conf=$work/stopped.conf
open_conf=$work/open.conf
mkdir -m 0700 "$work/state" || fail "mkdir state"
chmod 0755 "$work"
write_config "$conf" "$work/clearwayd.sock"

# A socket file nobody listens on: what a crashed daemon leaves behind.
python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])' "$work/stopped.sock" || fail "cannot make stopped.sock"
write_config "$stopped_conf" "$work/stopped.sock"
write_config "$open_conf" "$work/clearwayd.sock"
chmod 0666 "$open_conf"
# The host class from the configuration (one per host), for stacks that
# name none: what a generic pam-auth-update profile relies on.
hc_conf=$work/hc.conf
write_config "$hc_conf" "$work/clearwayd.sock"
sed -i '/^\[daemon\]/a host_class = sc-hosts' "$hc_conf"

"$clearwayd" -f -c "$conf" >"$work/clearwayd.log" 2>&1 &
daemon_pid=$!

# --- 2. wait until the daemon answers from synced data ----------------

# wait_for_exit CODE ARGS...: polls clearwayctl until it exits with CODE.
wait_for_exit() {
	local want=$1 rc deadline=$((SECONDS + READY_TIMEOUT))

	shift
	while :; do
		"$clearwayctl" -c "$conf" "$@" >/dev/null 2>&1
		rc=$?
		[ "$rc" -eq "$want" ] && return 0
		if ! kill -0 "$daemon_pid" 2>/dev/null; then
			show_daemon_log
			fail "clearwayd exited while waiting for: clearwayctl $*"
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			show_daemon_log
			fail "clearwayctl $* still exits $rc (want $want) after ${READY_TIMEOUT} s"
		fi
		sleep 0.2
	done
}

wait_for_exit 0 check alice --host-class sc-hosts
echo "clearwayd is ready"

# --- 3. test state in Redis -------------------------------------------

now=$(date +%s)
redis SADD cw:revoked mallory >/dev/null || fail "redis SADD"
redis HSET cw:elevations oscar \
    "[{\"role\":\"ops-admin\",\"start\":$((now - 60)),\"end\":$((now + 3600))}]" \
    >/dev/null || fail "redis HSET"
redis INCR cw:gen >/dev/null || fail "redis INCR"
wait_for_exit 1 check mallory --host-class sc-hosts
echo "clearwayd has reloaded the test state"

# --- 4. every user is decided for the intended reason -----------------

reason_failures=0

# expect_reason USER HOST_CLASS MODE EXIT REASON
expect_reason() {
	local user=$1 hc=$2 mode=$3 want_rc=$4 want=$5 out rc got
	local args=(-c "$conf" --json check "$user" --host-class "$hc")

	[ "$mode" = admin ] && args+=(--mode admin)
	out=$("$clearwayctl" "${args[@]}" 2>"$work/ctl.err")
	rc=$?
	got=$(printf '%s' "$out" | python3 -c '
import json, sys
try:
    print(json.load(sys.stdin)["reason"])
except Exception as e:
    print("<unparsable: %s>" % e)')
	if [ "$rc" -ne "$want_rc" ] || [ "$got" != "$want" ]; then
		echo "not ok - clearwayctl check $user --host-class $hc" \
		    "(mode $mode): exit $rc reason $got, want exit $want_rc" \
		    "reason $want" >&2
		echo "#   output: $out $(cat "$work/ctl.err")" >&2
		reason_failures=$((reason_failures + 1))
	else
		echo "ok - $user on $hc ($mode): $want"
	fi
}

expect_reason alice sc-hosts login 0 ok
expect_reason bob open-hosts login 0 ok
expect_reason alice open-hosts login 1 no_role
expect_reason nobody-here sc-hosts login 1 unknown_user
expect_reason mallory sc-hosts login 1 revoked
expect_reason ivan sc-hosts login 1 record_invalid
expect_reason carol sc-hosts login 1 not_active
expect_reason sybil sc-hosts login 1 not_active
expect_reason dave sc-hosts login 1 left
expect_reason erin sc-hosts login 1 checks_incomplete
expect_reason frank sc-hosts login 1 right_to_work_expired
expect_reason bob sc-hosts login 1 clearance_insufficient
expect_reason grace sc-hosts login 1 clearance_expired
expect_reason heidi sc-hosts login 1 training_expired
expect_reason judy sc-hosts login 1 no_role
expect_reason alice sc-hosts admin 1 elevation_required
expect_reason oscar sc-hosts admin 0 ok_elevated
expect_reason alice no-such-class login 1 unknown_host_class

# --- 5. PAM service files and the test program ------------------------

svc=$work/pam.d
mkdir "$svc" || fail "mkdir $svc"
debug=$secdir/pam_debug.so
permit=$secdir/pam_permit.so
# The module's own result decides, except that its PAM_IGNORE falls
# through to pam_debug's PAM_USER_UNKNOWN (see test_pam.c).
control='[success=done ignore=ignore default=die]'

# account_service NAME MODULE-ARGS...
account_service() {
	local name=$1

	shift
	{
		echo "account $control $module $*"
		echo "account required $debug acct=user_unknown"
	} >"$svc/$name"
}

session_service() {
	local name=$1

	shift
	{
		echo "session $control $module $*"
		echo "session required $debug open_session=user_unknown close_session=user_unknown"
	} >"$svc/$name"
}

account_service clearway-sc host_class=sc-hosts config="$conf"
{
	echo "auth $control $module host_class=sc-hosts config=$conf"
	echo "auth required $debug auth=user_unknown cred=user_unknown"
} >>"$svc/clearway-sc"
account_service clearway-sc-admin host_class=sc-hosts mode=admin config="$conf"
account_service clearway-open host_class=open-hosts config="$conf" debug
account_service clearway-nohc host_class=no-such-class config="$conf"
account_service clearway-badarg host_class=sc-hosts config="$conf" no_such_argument
account_service clearway-nohcarg mode=admin config="$conf"
account_service clearway-hcconf config="$hc_conf"
account_service clearway-hcoverride host_class=open-hosts config="$hc_conf"
account_service clearway-stopped host_class=sc-hosts config="$stopped_conf"
account_service clearway-noconf host_class=sc-hosts config="$work/missing.conf"
account_service clearway-openconf host_class=sc-hosts config="$open_conf"
account_service clearway-su host_class=sc-hosts subject=ruser config="$conf"
session_service clearway-session host_class=sc-hosts config="$conf"
session_service clearway-session-stopped host_class=sc-hosts config="$stopped_conf"
session_service clearway-session-badarg host_class=sc-hosts config="$conf" no_such_argument
# As a site would stack it: the module, then the rest of the stack.
{
	echo "account required $module host_class=sc-hosts config=$conf"
	echo "account required $permit"
} >"$svc/clearway-exempt"

# An instrumented module in a wrapped libpam: ASan's runtime must be the
# first library loaded, and pam_wrapper must not use RTLD_DEEPBIND.
preload=libpam_wrapper.so
asan=$(ldd "$test_pam" | awk '/libasan/ { print $3 }')
if [ -n "$asan" ]; then
	[ -r "$asan" ] || asan=$(gcc -print-file-name=libasan.so)
	preload="$asan $preload"
fi

echo "running $test_pam"
LD_PRELOAD=$preload PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$svc \
    PAM_WRAPPER_DEBUGLEVEL=2 UID_WRAPPER_DISABLE_DEEPBIND=1 \
    "$test_pam" ${CW_PAM_TEST_ONLY:+"$CW_PAM_TEST_ONLY"} 2>"$work/pam.log"
test_rc=$?
if [ "$test_rc" -ne 0 ]; then
	echo "--- module log (pam_wrapper stderr) ---" >&2
	grep -E '^# case|SYSLOG\(|ERROR|AddressSanitizer|runtime error' \
	    "$work/pam.log" >&2
	show_daemon_log
fi

# --- 6. what the module logged ----------------------------------------

log_failures=0
grep -a 'SYSLOG(' "$work/pam.log" >"$work/syslog.txt"

expect_log() {
	if grep -a -q -F -- "$1" "$work/syslog.txt"; then
		echo "ok - logged: $1"
	else
		echo "not ok - not logged: $1" >&2
		log_failures=$((log_failures + 1))
	fi
}

refuse_log() {
	if grep -a -q -F -- "$1" "$work/syslog.txt"; then
		echo "not ok - logged what must not be: $2" >&2
		log_failures=$((log_failures + 1))
	else
		echo "ok - not logged: $2"
	fi
}

if [ -z "${CW_PAM_TEST_ONLY:-}" ]; then
	d='host_class=sc-hosts mode=login decision'
	# An allow the daemon made is clearwayd's to log; the module logs
	# it only with debug (clearway-open has it: bob's line below).
	refuse_log "user=alice $d=allow reason=ok" \
	    "the module's line for an allow, without debug"
	expect_log "user=nobody-here $d=deny reason=unknown_user"
	expect_log "user=mallory $d=deny reason=revoked"
	expect_log "user=ivan $d=deny reason=record_invalid"
	expect_log "user=carol $d=deny reason=not_active"
	expect_log "user=sybil $d=deny reason=not_active"
	expect_log "user=dave $d=deny reason=left"
	expect_log "user=erin $d=deny reason=checks_incomplete"
	expect_log "user=frank $d=deny reason=right_to_work_expired"
	expect_log "user=bob $d=deny reason=clearance_insufficient"
	expect_log "user=grace $d=deny reason=clearance_expired"
	expect_log "user=heidi $d=deny reason=training_expired"
	expect_log "user=judy $d=deny reason=no_role"
	expect_log "user=alice host_class=sc-hosts mode=admin decision=deny reason=elevation_required"
	refuse_log "user=oscar host_class=sc-hosts mode=admin decision=allow" \
	    "the module's line for an elevated allow, without debug"
	expect_log "user=bob host_class=open-hosts mode=login decision=allow reason=ok"
	expect_log "user=alice host_class=open-hosts mode=login decision=deny reason=no_role"
	expect_log "user=alice host_class=no-such-class mode=login decision=deny reason=unknown_host_class"
	expect_log "user=trent $d=ignore reason=exempt"
	expect_log "user=rescue $d=allow reason=breakglass"
	expect_log "SYSLOG(1): break-glass logon by rescue on host class sc-hosts service clearway-sc"
	expect_log "user=alice $d=unavailable reason=policy_unavailable"
	expect_log "bad module arguments: unknown argument 'no_such_argument'"
	expect_log "no host class: neither the host_class= argument nor [daemon] host_class in $conf is set; denying"
	expect_log "cannot load configuration: $open_conf: mode 0666 is too open"
	expect_log "invalid user name (10240 bytes)"
	expect_log "invalid user name (6 bytes)"
	expect_log "PAM_RUSER is not set"
	expect_log "asking clearwayd at $work/clearwayd.sock"
	expect_log "session open for user=alice host_class=sc-hosts"
	expect_log "session close for user=alice host_class=sc-hosts"
	refuse_log "../etc" "the user name ../etc"
	refuse_log "$(printf 'ali\033ce')" "a user name with ESC"
	refuse_log "$(printf 'alice\t')" "a user name with a tab"
	refuse_log "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	    "the 10 KB user name"
fi

if grep -a -q -E 'AddressSanitizer|runtime error:|LeakSanitizer' "$work/pam.log"; then
	echo "not ok - sanitizer report in the test run:" >&2
	grep -a -A 30 -E 'AddressSanitizer|runtime error:|LeakSanitizer' \
	    "$work/pam.log" >&2
	log_failures=$((log_failures + 1))
fi
if ! kill -0 "$daemon_pid" 2>/dev/null; then
	show_daemon_log
	fail "clearwayd died during the test"
fi

echo "pam_test: test_pam exit $test_rc, $reason_failures reason" \
    "failures, $log_failures log failures"
if [ "$test_rc" -ne 0 ] || [ "$reason_failures" -ne 0 ] ||
    [ "$log_failures" -ne 0 ]; then
	exit 1
fi
exit 0
