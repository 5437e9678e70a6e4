#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 13: TLS to Redis.  A throwaway CA made here signs a Redis server
# certificate (DNS:localhost, IP:127.0.0.1), an expired one and a client
# certificate; Debian's redis-server serves TLS with them.
#   1. The client (redis_probe: daemon/store/redis.c + redis_tls.c): TLS
#      works, with a client certificate too; a wrong host name, an
#      unknown CA, an expired certificate, a plaintext server, a server
#      demanding a client certificate we lack, and a key file open to
#      others are each refused with an error naming the cause.
#   2. clearwayd with [redis] uri = rediss://...: syncs and answers over
#      TLS; a user revoked then stays denied (clearwayctl and PAM) when
#      the daemon restarts against each bad server above, and the log
#      names the cause.
#   redis_tls_test.sh CLEARWAYD CLEARWAYCTL PAM_MODULE REDIS_PROBE
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 module=$(realpath "$3") probe=$4
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/lib_tls.sh"

work=$(mktemp -d /tmp/cw-redistls.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
cleanup() {
    cw_stop_daemon
    cw_tls_redis_stop_all
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

cw_tls_make_ca "$work/tls" || { echo "certificates failed" >&2; exit 1; }
t=$work/tls
cw_tls_redis_start good "$work" good "$t/server.pem" no || exit 1
cw_tls_redis_start clientauth "$work" clientauth "$t/server.pem" yes || exit 1
cw_tls_redis_start expired "$work" expired "$t/expired.pem" no || exit 1
cw_tls_redis_start plain "$work" plain "" no || exit 1

# ---------------------------------------------------------- 1. the client
# probe NAME EXPECTED_RC PATTERN ARGS...: the output must match PATTERN.
probe() {
    local name=$1 want=$2 pattern=$3 out rc=0
    shift 3
    out=$("$probe" --timeout 1000 "$@" 2>&1) || rc=$?
    if [[ $rc == "$want" && $out =~ $pattern ]]; then
        pass "client: $name"
        echo "#   $out"
    else
        fail "client: $name (rc $rc, want $want): $out"
    fi
}
probe "TLS by host name, test CA" 0 '^PONG$' --tls --ca "$t/ca.pem" localhost "$good" PING
probe "TLS by IP address (IP SAN)" 0 '^PONG$' --tls --ca "$t/ca.pem" 127.0.0.1 "$good" PING
probe "TLS with a client certificate" 0 '^PONG$' --tls --ca "$t/ca.pem" \
    --cert "$t/client.pem" --key "$t/client.key" localhost "$clientauth" PING
probe "wrong host name refused" 1 'hostname mismatch.*does not name the server' \
    --tls --ca "$t/ca.pem" --name redis.wrong.example 127.0.0.1 "$good" PING
probe "unknown CA refused" 1 'certificate refused: .*not signed by a CA in \[redis\] ca_file' \
    --tls --ca "$t/other-ca.pem" localhost "$good" PING
probe "expired certificate refused" 1 'certificate has expired' \
    --tls --ca "$t/ca.pem" localhost "$expired" PING
probe "plaintext server refused" 1 'TLS handshake: timed out after 1000 ms \(a plaintext port' \
    --tls --ca "$t/ca.pem" localhost "$plain" PING
probe "server demanding a client certificate refused" 1 \
    'demands a client certificate and none is configured \(set \[redis\] cert_file and key_file\)' \
    --tls --ca "$t/ca.pem" localhost "$clientauth" PING
chmod 0640 "$t/client.key"
probe "client key open to group refused" 1 'key_file .*client.key: mode 0640 is too open.*fix: chown root:root .*client.key && chmod 0600' \
    --tls --ca "$t/ca.pem" --cert "$t/client.pem" --key "$t/client.key" localhost "$clientauth" PING
chmod 0600 "$t/client.key"
probe "plain TCP to a TLS port gets no answer" 1 'connection closed by server' localhost "$good" PING

# ------------------------------------------------- 2. the daemon over TLS
bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a
mkdir -m 0755 -p "$work/run"
conf=$work/clearway.conf log=$work/clearwayd.log
# conf_redis LINES...: the rig's config with [redis] socket replaced.
conf_redis() {
    cw_write_config "$conf" "$work/run/clearwayd.sock" "revocation_workers = 0"
    local lines
    lines=$(printf '%s\\n' "$@")
    sed -i "s|^socket = $CW_REDIS_SOCKET\$|${lines%\\n}|" "$conf"
}
echo "account required $module host_class=sc-hosts config=$conf" >"$work/sshd-tls"
mkdir -p "$work/pam.d" && mv "$work/sshd-tls" "$work/pam.d/"
preload=
ldd "$module" 2>/dev/null | grep libasan >/dev/null && preload="$(gcc -print-file-name=libasan.so) "
logon() {
    ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="${preload}libpam_wrapper.so" PAM_WRAPPER=1 \
        PAM_WRAPPER_SERVICE_DIR="$work/pam.d" pamtester sshd-tls "$1" acct_mgmt \
        >"$work/pamtester.out" 2>&1
}
check_rc() { local rc=0; "$ctl" -c "$conf" check "$1" --host-class sc-hosts >/dev/null 2>&1 || rc=$?; echo $rc; }

conf_redis "uri = rediss://localhost:$good" "ca_file = $t/ca.pem"
"$daemon" -t -c "$conf" >"$work/t.out" 2>&1 && pass "daemon: -t accepts a rediss:// config" ||
    fail "daemon: -t: $(cat "$work/t.out")"
cw_start_daemon "$daemon" "$conf" "$log"
if cw_wait_answer "$ctl" "$conf" alice sc-hosts 20 && [[ $(check_rc alice) == 0 ]]; then
    pass "daemon over TLS: synced and allows alice"
else
    fail "daemon over TLS: alice not allowed: $(tail -n 5 "$log")"
fi
keys=$(redis-cli --tls --cacert "$t/ca.pem" -h localhost -p "$good" DBSIZE 2>&1)
[[ $keys =~ ^[0-9]+$ && $keys -gt 10 ]] && pass "daemon over TLS: the data is in the TLS Redis ($keys keys)" ||
    fail "daemon over TLS: TLS Redis holds: $keys"
logon alice && pass "daemon over TLS: PAM allows alice" || fail "PAM alice: $(cat "$work/pamtester.out")"
"$ctl" -c "$conf" revoke mallory --reason "TLS test" >"$work/revoke.out" 2>&1 ||
    fail "revoke mallory: $(cat "$work/revoke.out")"
for ((i = 0; i < 50; i++)); do
    grep -qx mallory "$work/state/revoked.list" 2>/dev/null && break
    sleep 0.1
done
[[ $(check_rc mallory) == 1 ]] && pass "daemon over TLS: mallory revoked and denied" ||
    fail "mallory: rc $(check_rc mallory)"
cw_stop_daemon

# bad NAME CAUSE_PATTERN LINES...: restart against a server that must be
# refused; the revoked user is never allowed, the log names the cause.
bad() {
    local name=$1 pattern=$2 allows=0 i rc
    shift 2
    conf_redis "$@"
    : >"$log"
    cw_start_daemon "$daemon" "$conf" "$log"
    cw_wait_answer "$ctl" "$conf" mallory sc-hosts 20 >/dev/null 2>&1
    for ((i = 0; i < 5; i++)); do
        rc=$(check_rc mallory)
        [[ $rc == 0 ]] && allows=$((allows + 1))
        logon mallory && allows=$((allows + 1))
        sleep 0.2
    done
    ((allows == 0)) && pass "$name: revoked mallory never allowed (10 decisions, ctl rc $rc)" ||
        fail "$name: mallory allowed $allows times"
    echo "#   $name: alice gets rc $(check_rc alice) (0 allow, 1 deny, 3 unavailable)"
    for ((i = 0; i < 30; i++)); do
        grep -Eq "$pattern" "$log" && break
        sleep 0.1
    done
    if grep -Eq "$pattern" "$log"; then
        pass "$name: the log names the cause"
        echo "#   $(grep -Em1 "$pattern" "$log" | cut -c1-220)"
    else
        fail "$name: cause not logged: $(grep -i redis "$log" | tail -n 3)"
    fi
    cw_stop_daemon
}
bad "wrong host name" 'hostname mismatch' \
    "uri = rediss://127.0.0.1:$good" "ca_file = $t/ca.pem" "server_name = redis.wrong.example"
bad "unknown CA" 'not signed by a CA in \[redis\] ca_file' \
    "uri = rediss://localhost:$good" "ca_file = $t/other-ca.pem"
bad "expired certificate" 'certificate has expired' \
    "uri = rediss://localhost:$expired" "ca_file = $t/ca.pem"
bad "plaintext server" 'a plaintext port' \
    "uri = rediss://localhost:$plain" "ca_file = $t/ca.pem"
bad "client certificate demanded" 'demands a client certificate' \
    "uri = rediss://localhost:$clientauth" "ca_file = $t/ca.pem"

finish
