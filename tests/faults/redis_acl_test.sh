#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 13: Redis users with least rights (etc/redis-acl.conf.example,
# docs/security.md).  A redis-server loads the shipped example (hash
# placeholders filled in); a central clearwayd (AUTH clearway-central)
# syncs the rig's directory and revokes mallory with no NOPERM anywhere.
# Then, with the host user's credentials (AUTH clearway-host, through the
# daemon's own client: bench/redis_probe), every command that could
# change another host's decision, forge or erase a record, or harm the
# server is refused with NOPERM, and afterwards nothing has changed:
# mallory is still revoked, the queue and the policy are as they were.
# What a host needs (reading the policy, appending to the audit stream)
# is allowed.  A clearwayd with role = host under the host user decides
# correctly (alice allowed, the revoked mallory denied), with no NOPERM.
#   redis_acl_test.sh CLEARWAYD CLEARWAYCTL REDIS_PROBE ACL_EXAMPLE
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 probe=$3 example=$4
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-redisacl.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
redis_pid= host_pid= central_pid=
cleanup() {
    cw_stop_daemon
    [[ -n $central_pid ]] && CW_DAEMON_PID=$central_pid cw_stop_daemon
    [[ -n $host_pid ]] && CW_DAEMON_PID=$host_pid cw_stop_daemon
    [[ -n $redis_pid ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

# The example, with fresh secrets.
umask 077
openssl rand -hex 32 >"$work/central.pw"
openssl rand -hex 32 >"$work/host.pw"
umask 022
sha() { tr -d '\n' <"$1" | sha256sum | cut -d' ' -f1; }
sed -e "s/CENTRAL_SHA256/$(sha "$work/central.pw")/" -e "s/HOST_SHA256/$(sha "$work/host.pw")/" \
    "$example" >"$work/clearway-acl.conf"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# DEBUG enabled, so that the ACL is what refuses it (not the default
# enable-debug-command no).
printf 'include %s\nport %s\nbind 127.0.0.1\nsave ""\ndir %s\nenable-debug-command yes\n' \
    "$work/clearway-acl.conf" "$port" "$work" >"$work/redis.conf"
redis-server "$work/redis.conf" >"$work/redis.log" 2>&1 &
redis_pid=$!
for ((i = 0; i < 100; i++)); do [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]] && break; sleep 0.05; done
as_host() { "$probe" --user clearway-host --password-file "$work/host.pw" 127.0.0.1 "$port" "$@"; }
as_central() { "$probe" --user clearway-central --password-file "$work/central.pw" 127.0.0.1 "$port" "$@"; }
[[ $(as_central PING) == PONG ]] && pass "redis loads the example ACL; central user authenticates" ||
    { fail "redis with the ACL: $(tail -n 3 "$work/redis.log")"; finish; exit 1; }
out=$("$probe" 127.0.0.1 "$port" GET cw:gen)
[[ $out == *NOAUTH* || $out == *"no permissions"* ]] && pass "no anonymous access (default user off)" ||
    fail "anonymous: $out"

# ----------------------------------------------------- the central daemon
bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a
# conf DIR USER PWFILE EXTRA...: the rig's config on this Redis as USER.
conf() {
    local dir=$1 user=$2 pw=$3
    shift 3
    mkdir -m 0755 -p "$dir/run"
    cw_write_config "$dir/clearway.conf" "$dir/run/clearwayd.sock" "$@"
    sed -i "s|^socket = $CW_REDIS_SOCKET\$|host = 127.0.0.1\nport = $port\nuser = $user\npassword_file = $pw|" \
        "$dir/clearway.conf"
}
chmod 0600 "$work/central.pw" "$work/host.pw"
conf "$work/central" clearway-central "$work/central.pw"
cw_start_daemon "$daemon" "$work/central/clearway.conf" "$work/central.log"
central_pid=$CW_DAEMON_PID     # CW_DAEMON_PID is the host's below
cw_wait_answer "$ctl" "$work/central/clearway.conf" alice sc-hosts 20 || { tail -n 20 "$work/central.log"; exit 1; }
[[ $("$ctl" -c "$work/central/clearway.conf" check alice --host-class sc-hosts 2>&1) == *allow* ]] &&
    pass "central daemon syncs and decides as clearway-central" || fail "central: alice not allowed"
"$ctl" -c "$work/central/clearway.conf" revoke mallory --reason "ACL test" >"$work/revoke.out" 2>&1 &&
    pass "central: revoke mallory recorded" || fail "central revoke: $(cat "$work/revoke.out")"
rid=$(sed -n 's/^revocation \([^:]*\):.*/\1/p' "$work/revoke.out")
sleep 1
n=$(grep -c NOPERM "$work/central.log")
((n == 0)) && pass "central: no NOPERM in its log" || fail "central: $n NOPERM: $(grep -m3 NOPERM "$work/central.log")"

# ------------------------------------------------ what the host may do
snapshot() {
    as_central SISMEMBER cw:revoked mallory
    as_central HGETALL cw:staff | md5sum
    as_central XLEN cw:revq
    as_central GET cw:gen
    as_central GET cw:epoch
    as_central HLEN cw:elevations
    as_central XLEN cw:changes
}
before=$(snapshot)
allowed() {
    local out rc=0
    out=$(as_host "$@" 2>&1) || rc=$?
    ((rc == 0)) && pass "host may: $*" || fail "host may not: $* -> $out"
}
allowed GET cw:gen
allowed HGETALL cw:staff
allowed SISMEMBER cw:revoked mallory
allowed XRANGE cw:changes - +
allowed EVAL_RO "return redis.call('GET', KEYS[1])" 1 cw:gen
allowed XADD cw:audit '*' event test
allowed XADD "cw:audit:$(hostname)" '*' event test

# ------------------------------------------------ what the host may not
refused=()
forbidden() {
    local out rc=0
    out=$(as_host "$@" 2>&1) || rc=$?
    # NOPERM, or inside a script "the user executing the script can't
    # run this command": both are the ACL's refusal.
    if ((rc == 2)) && [[ $out == *NOPERM* || $out == *"user executing the script can't run"* ]]; then
        pass "host refused: $*"
        refused+=("$*")
    else
        fail "host NOT refused: $* -> rc $rc $out"
    fi
}
# The server itself.
forbidden FLUSHALL
forbidden FLUSHDB
forbidden KEYS '*'
forbidden CONFIG GET '*'
forbidden CONFIG SET appendonly no
forbidden DEBUG SLEEP 0
forbidden SCRIPT FLUSH
forbidden SCRIPT KILL
forbidden FUNCTION FLUSH
forbidden SHUTDOWN NOSAVE
forbidden MONITOR
forbidden CLIENT KILL TYPE normal
forbidden CLIENT PAUSE 10000
forbidden ACL SETUSER clearway-host '+@all'
forbidden SAVE
forbidden BGREWRITEAOF
forbidden SWAPDB 0 1
# Arbitrary Lua (it could write, or loop and stall the fleet's Redis).
forbidden EVAL "redis.call('SREM', 'cw:revoked', 'mallory')" 0
forbidden EVAL "return 1" 0
forbidden EVAL_RO "return redis.call('SREM', KEYS[1], 'mallory')" 1 cw:revoked
# Policy data (every host's decisions).
forbidden HSET cw:staff forged '{}'
forbidden HDEL cw:staff x
forbidden DEL cw:staff
forbidden RENAME cw:staff cw:old
forbidden HSET cw:hostclass x '{}'
forbidden HSET cw:role x '{}'
forbidden INCR cw:gen
forbidden SET cw:gen 1
forbidden XADD cw:changes '*' forged 1
forbidden SET cw:epoch 0
forbidden SET cw:ldap:cookie x
forbidden HSET cw:elevations mallory '[]'
forbidden XADD cw:elevation-history '*' forged 1
# The revoked set, the queue, reinstatements.
forbidden SREM cw:revoked mallory
forbidden DEL cw:revoked
forbidden SADD cw:revoked alice
forbidden HSET cw:reinstated mallory "x 1 1"
forbidden XADD cw:revq '*' forged 1
forbidden XDEL cw:revq 0-1
forbidden XACK cw:revq workers 0-1
forbidden XGROUP DESTROY cw:revq workers
forbidden XREADGROUP GROUP workers evil COUNT 1 STREAMS cw:revq '>'
forbidden DEL cw:revq
forbidden ZREM cw:rev:open "${rid:-x}"
forbidden HSET "cw:rev:${rid:-x}" state done
forbidden ZADD cw:revsched 0 x
# The audit trail: append only, never erase or trim.
forbidden XDEL cw:audit 0-1
forbidden XTRIM cw:audit MAXLEN 0
forbidden DEL cw:audit
forbidden SET cw:audit:writer evil
# Outside the prefix.
forbidden SET other 1
forbidden GET other

after=$(snapshot)
[[ $before == "$after" ]] && pass "after every attempt: revoked set, policy, queue, generation, epoch unchanged" ||
    fail "state changed: before [$before] after [$after]"
[[ $("$ctl" -c "$work/central/clearway.conf" check mallory --host-class sc-hosts 2>&1) == *revoked* ]] &&
    pass "mallory still denied as revoked" || fail "mallory not denied"
echo "# refused to the host user (${#refused[@]}):"
for c in "${refused[@]}"; do echo "#   $c"; done

# ------------------------------- a host-role daemon under the host user
# Issue 14: role = host reads with plain reads and EVAL_RO, leaves
# elevation expiry, re-assertion and leavers to the central role: it
# decides from the store like the central daemon, and never hits NOPERM
# (tests/faults/roles_test.sh goes further).
conf "$work/host" clearway-host "$work/host.pw" "role = host"
cw_start_daemon "$daemon" "$work/host/clearway.conf" "$work/host.log"
host_pid=$CW_DAEMON_PID
cw_wait_answer "$ctl" "$work/host/clearway.conf" alice sc-hosts 20 >/dev/null 2>&1
allows=0
for ((i = 0; i < 5; i++)); do
    rc=0
    "$ctl" -c "$work/host/clearway.conf" check mallory --host-class sc-hosts >/dev/null 2>&1 || rc=$?
    ((rc == 0)) && allows=$((allows + 1))
    sleep 0.2
done
((allows == 0)) && pass "host role under the host user: revoked mallory never allowed" ||
    fail "host role allowed mallory $allows times"
rc=0
"$ctl" -c "$work/host/clearway.conf" check alice --host-class sc-hosts >/dev/null 2>&1 || rc=$?
((rc == 0)) && pass "host role under the host user: alice allowed" || fail "host role: alice rc $rc"
n=$(grep -c NOPERM "$work/host.log")
((n == 0)) && pass "host role: no NOPERM in its log" || fail "host role: $n NOPERM: $(grep -m3 NOPERM "$work/host.log")"
finish
