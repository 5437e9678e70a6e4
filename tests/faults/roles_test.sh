#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14: daemon roles and bounded staleness, on a real Redis loading the
# shipped ACL example (etc/redis-acl.conf.example) and the rig's slapd.
#   (a) a central daemon (clearway-central) syncs and revokes mallory; a
#       host-role daemon under the read-only clearway-host user decides
#       correctly (alice allowed, mallory revoked, oscar's elevation
#       honoured in admin mode, the break-glass user allowed), with no
#       NOPERM anywhere; the CLI's writes sent to the host are refused
#       naming the central role, and nothing is written;
#   (b) Redis stopped (SIGSTOP): past offline_grace (4 s here) the host
#       denies valid users too (policy_unavailable), mallory stays revoked,
#       break-glass still works; visible in status, metrics and the log;
#       SIGCONT: allowed again within seconds (measured, printed);
#       the same with the connection broken (a TCP proxy killed, then
#       started again: the reconnect measured too);
#   (The thresholds allow half a second: the last contact may come just
#   before the cut.)
#   (c) admin mode is refused once the data is older than
#       admin_max_staleness (2 s here), before login is.
#   roles_test.sh CLEARWAYD CLEARWAYCTL ACL_EXAMPLE
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 example=$3
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-roles.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
redis_pid= host_pid= central_pid= host2_pid= proxy_pid=
cleanup() {
    [[ -n $host2_pid ]] && CW_DAEMON_PID=$host2_pid cw_stop_daemon
    [[ -n $proxy_pid ]] && kill "$proxy_pid" 2>/dev/null
    [[ -n $redis_pid ]] && kill -CONT "$redis_pid" 2>/dev/null
    [[ -n $host_pid ]] && CW_DAEMON_PID=$host_pid cw_stop_daemon
    [[ -n $central_pid ]] && CW_DAEMON_PID=$central_pid cw_stop_daemon
    [[ -n $redis_pid ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

# ------------------------------------------- Redis with the shipped ACL
umask 077
openssl rand -hex 32 >"$work/central.pw"
openssl rand -hex 32 >"$work/host.pw"
umask 022
sha() { tr -d '\n' <"$1" | sha256sum | cut -d' ' -f1; }
sed -e "s/CENTRAL_SHA256/$(sha "$work/central.pw")/" -e "s/HOST_SHA256/$(sha "$work/host.pw")/" \
    "$example" >"$work/clearway-acl.conf"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'include %s\nport %s\nbind 127.0.0.1\nsave ""\ndir %s\n' \
    "$work/clearway-acl.conf" "$port" "$work" >"$work/redis.conf"
redis-server "$work/redis.conf" >"$work/redis.log" 2>&1 &
redis_pid=$!
for ((i = 0; i < 100; i++)); do [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]] && break; sleep 0.05; done
central_cli() { REDISCLI_AUTH=$(cat "$work/central.pw") redis-cli --no-auth-warning -p "$port" --user clearway-central "$@"; }

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
C=$work/central/clearway.conf H=$work/host/clearway.conf
# rc CONF USER [ARGS]: clearwayctl check's exit status (0 allow, 1 deny, 3 unavailable).
rc() { local c=$1 u=$2 r=0; shift 2; "$ctl" -c "$c" check "$u" --host-class sc-hosts "$@" >/dev/null 2>&1 || r=$?; echo "$r"; }
says() { "$ctl" -c "$1" check "$2" --host-class sc-hosts "${@:3}" 2>&1; }

# ------------------------------------------------------------ central
conf "$work/central" clearway-central "$work/central.pw" "role = central"
cw_start_daemon "$daemon" "$C" "$work/central.log"
central_pid=$CW_DAEMON_PID
cw_wait_answer "$ctl" "$C" alice sc-hosts 20 || { tail -n 20 "$work/central.log"; exit 1; }
[[ $(rc "$C" alice) == 0 ]] && pass "central (clearway-central) syncs; alice allowed" || fail "central: alice"
"$ctl" -c "$C" revoke mallory --reason "roles test" >"$work/revoke.out" 2>&1 &&
    pass "central: revoke mallory recorded" || fail "central revoke: $(cat "$work/revoke.out")"
"$ctl" -c "$C" elevate oscar --role ops-admin --for 1h --reason "roles test" >"$work/elevate.out" 2>&1 &&
    pass "central: oscar elevated to ops-admin" || fail "central elevate: $(cat "$work/elevate.out")"

# ------------------------------------------------------ (a) the host
conf "$work/host" clearway-host "$work/host.pw" "role = host" "offline_grace = 4s" \
    "admin_max_staleness = 2s" "[policy]" "breakglass_users = rescue" "[audit]" "metrics_interval_s = 1"
# The rig's [ldap] keys stay in the file: a host ignores them.
out=$("$daemon" -t -c "$H" 2>&1)
[[ $out == *"configuration OK (role host)"* ]] && pass "clearwayd -t reports the role: $out" || fail "-t: $out"
cw_start_daemon "$daemon" "$H" "$work/host.log"
host_pid=$CW_DAEMON_PID
cw_wait_answer "$ctl" "$H" alice sc-hosts 20 || { tail -n 20 "$work/host.log"; exit 1; }
for ((i = 0; i < 50; i++)); do [[ $(rc "$H" mallory) == 1 && $(rc "$H" oscar --mode admin) == 0 ]] && break; sleep 0.1; done
[[ $(rc "$H" alice) == 0 ]] && pass "host under clearway-host: alice allowed" || fail "host: alice $(says "$H" alice)"
[[ $(says "$H" mallory) == *revoked* ]] && pass "host: mallory denied as revoked" || fail "host: mallory $(says "$H" mallory)"
[[ $(rc "$H" oscar --mode admin) == 0 ]] && pass "host: oscar's elevation honoured in admin mode" ||
    fail "host: oscar admin $(says "$H" oscar --mode admin)"
[[ $(says "$H" rescue) == *breakglass* ]] && pass "host: break-glass user allowed" || fail "host: rescue $(says "$H" rescue)"
for cmd in "revoke bob --reason x" "leaver bob --reason x" "suspend bob --reason x --until 2099-01-01T00:00Z" \
    "elevate bob --role ops-admin --for 1h --reason x" "drop oscar --role ops-admin" \
    "reinstate mallory --reason x"; do
    r=0
    # shellcheck disable=SC2086
    out=$("$ctl" -c "$H" $cmd 2>&1) || r=$?
    if ((r == 1)) && [[ $out == *"served by a central daemon"* && $out == *"role = host"* ]]; then
        pass "host refuses '${cmd%% *}', naming where it is served"
    else
        fail "host: '$cmd' -> rc $r: $out"
    fi
done
echo "# e.g.: $("$ctl" -c "$H" revoke bob --reason x 2>&1)"
# A read-only query the host serves itself (EVAL_RO of the page script).
out=$("$ctl" -c "$H" queue 2>&1) && [[ $out != *NOPERM* ]] &&
    pass "host serves the queue listing read-only: $out" || fail "host queue: $out"
[[ $(central_cli SISMEMBER cw:revoked bob) == 0 && $(central_cli SISMEMBER cw:revoked mallory) == 1 ]] &&
    pass "nothing written by the refused commands (bob not revoked, mallory still)" || fail "revoked set changed"
st=$("$ctl" -c "$H" --json status 2>/dev/null)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["role"]=="host", d; s=d["staleness"]; assert s["data_age_seconds"]<=2 and not s["offline_grace_expired"] and not s["admin_stale"], s' "$st" 2>"$work/py.err" &&
    pass "status: role host, data fresh" || fail "status: $st $(cat "$work/py.err")"
sleep 1.5
# mallory has no account here, so no process: no session to end, and no
# step run or recorded (one audit event per host per revocation would not
# scale: docs/scaling.md).
n=$(grep -c "mallory has no process on this host" "$work/host.log" || true)
((n >= 1)) && pass "host: mallory has no process here, no session step run or recorded" ||
    fail "host: no 'no process' line for mallory"
n=$(cat "$work/host.log" "$work/central.log" "$work/redis.log" | grep -c NOPERM)
((n == 0)) && pass "no NOPERM in the host's, central's or Redis's log" ||
    fail "$n NOPERM: $(grep -h -m3 NOPERM "$work/host.log" "$work/central.log")"

# ------------------------------------------ (b)(c) the host cut off
kill -STOP "$redis_pid"
t0=$(date +%s.%N)
admin_off= login_off=
for ((i = 0; i < 100; i++)); do
    now=$(date +%s.%N)
    [[ -z $admin_off && $(rc "$H" oscar --mode admin) != 0 ]] && admin_off=$(echo "$now - $t0" | bc)
    [[ -z $login_off && $(rc "$H" alice) != 0 ]] && login_off=$(echo "$now - $t0" | bc)
    [[ -n $admin_off && -n $login_off ]] && break
    sleep 0.2
done
echo "# Redis stopped: admin refused after ${admin_off:-never}s (limit 2s), login after ${login_off:-never}s (grace 4s)"
[[ -n $admin_off ]] && (($(echo "$admin_off >= 1.5" | bc))) && [[ $(rc "$H" alice) != 0 || $(echo "$admin_off < $login_off" | bc) == 1 ]] &&
    pass "(c) admin mode refused past admin_max_staleness, before login" || fail "(c) admin: ${admin_off:-never} login ${login_off:-never}"
[[ -n $login_off ]] && (($(echo "$login_off >= 3.5" | bc))) &&
    pass "(b) past offline_grace a valid user is denied" || fail "(b) login refused at ${login_off:-never}s"
out=$(says "$H" alice)
[[ $out == *policy_unavailable* ]] && pass "(b) reason policy_unavailable: $out" || fail "(b) alice: $out"
[[ $(says "$H" mallory) == *revoked* ]] && pass "(b) mallory still denied as revoked" || fail "(b) mallory: $(says "$H" mallory)"
[[ $(says "$H" rescue) == *breakglass* && $(rc "$H" rescue) == 0 ]] && pass "(b) break-glass still allowed" ||
    fail "(b) rescue: $(says "$H" rescue)"
st=$("$ctl" -c "$H" --json status 2>/dev/null)
python3 -c 'import json,sys; s=json.loads(sys.argv[1])["staleness"]; assert s["offline_grace_expired"] and s["admin_stale"] and s["data_age_seconds"]>=4, s' "$st" 2>"$work/py.err" &&
    pass "(b) status shows offline_grace_expired" || fail "(b) status: $st $(cat "$work/py.err")"
sleep 1.5
m=$(grep -c '^clearway_offline_grace_expired 1' "$work/host/clearway.prom")
((m == 1)) && pass "(b) metrics: clearway_offline_grace_expired 1" ||
    fail "(b) metrics: $(grep -h 'offline\|data_age' "$work/host/clearway.prom")"
n=$(grep -c "offline_grace passed" "$work/host.log")
((n == 1)) && pass "(b) one log line on crossing into stale" || fail "(b) $n 'offline_grace passed' lines"

kill -CONT "$redis_pid"
t0=$(date +%s.%N)
back=
for ((i = 0; i < 150; i++)); do
    [[ $(rc "$H" alice) == 0 ]] && { back=$(echo "$(date +%s.%N) - $t0" | bc); break; }
    sleep 0.1
done
echo "# Redis resumed: alice allowed again after ${back:-never}s"
[[ -n $back ]] && (($(echo "$back < 10" | bc))) && pass "(b) reconnected: allowed again within ${back}s" ||
    fail "(b) not back within 15s"
[[ $(says "$H" mallory) == *revoked* ]] && pass "mallory still revoked after the return" || fail "mallory after return"
for ((i = 0; i < 50; i++)); do [[ $(grep -c "no longer passed" "$work/host.log") -ge 1 ]] && break; sleep 0.1; done
n=$(grep -c "offline_grace no longer passed" "$work/host.log")
((n == 1)) && pass "one log line on crossing out of stale" || fail "$n lines out of stale"
n=$(grep -c NOPERM "$work/host.log")
((n == 0)) && pass "no NOPERM in the host's log at the end" || fail "$n NOPERM: $(grep -m3 NOPERM "$work/host.log")"

# ---------------- (b) again, the connection broken: a proxy killed
# A second host reaches Redis through a TCP proxy; killing the proxy drops
# its connections and refuses new ones (as a partition that resets), and
# starting it again on the same port is the network coming back: the
# measure includes the reconnect.
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
proxy() { python3 "$here/tcp_proxy.py" "$pport" "$port" & proxy_pid=$!
    for ((i = 0; i < 100; i++)); do [[ -n $(ss -Hltn "sport = :$pport" 2>/dev/null) ]] && break; sleep 0.05; done; }
proxy
H2=$work/host2/clearway.conf
conf "$work/host2" clearway-host "$work/host.pw" "role = host" "offline_grace = 3s" \
    "[policy]" "breakglass_users = rescue"
sed -i "s|^port = $port\$|port = $pport|" "$H2"
cw_start_daemon "$daemon" "$H2" "$work/host2.log"
host2_pid=$CW_DAEMON_PID
cw_wait_answer "$ctl" "$H2" alice sc-hosts 20 || { tail -n 20 "$work/host2.log"; exit 1; }
[[ $(rc "$H2" alice) == 0 ]] && pass "host 2 (through the proxy): alice allowed" || fail "host 2: alice $(says "$H2" alice)"
kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null
t0=$(date +%s.%N) off=
for ((i = 0; i < 60; i++)); do
    [[ $(rc "$H2" alice) == 3 ]] && { off=$(echo "$(date +%s.%N) - $t0" | bc); break; }
    sleep 0.2
done
echo "# proxy killed: alice unavailable after ${off:-never}s (grace 3s)"
[[ -n $off ]] && (($(echo "$off >= 2.5" | bc))) && pass "(b) connection broken: denied past offline_grace" ||
    fail "(b) proxy: ${off:-never}"
[[ $(says "$H2" mallory) == *revoked* && $(rc "$H2" rescue) == 0 ]] &&
    pass "(b) connection broken: mallory revoked, break-glass allowed" || fail "(b) proxy: mallory/rescue"
proxy
t0=$(date +%s.%N) back=
for ((i = 0; i < 150; i++)); do
    [[ $(rc "$H2" alice) == 0 ]] && { back=$(echo "$(date +%s.%N) - $t0" | bc); break; }
    sleep 0.1
done
echo "# proxy back: alice allowed again after ${back:-never}s (reconnect included)"
[[ -n $back ]] && (($(echo "$back < 10" | bc))) && pass "(b) reconnected through the proxy: allowed again within ${back}s" ||
    fail "(b) proxy: not back within 15s"
CW_DAEMON_PID=$host2_pid cw_stop_daemon; host2_pid=
kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null; proxy_pid=
finish
