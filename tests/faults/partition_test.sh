#!/bin/bash
# SPDX-License-Identifier: MIT
# A real network partition (issue 14's "a host cut off", the first case of
# issue 15's fault suite): a host-role daemon runs in its own network
# namespace, reaching Redis over a veth pair the test made; a central
# daemon (role both, with the rig's slapd) runs outside.  The link is set
# down on both sides; then:
#   - every check on the host still answers at once, from memory;
#   - a user revoked before the cut stays denied throughout (sampled);
#   - past offline_grace (3 s here) a valid user is denied too
#     (policy_unavailable), measured from the cut;
#   - a leaver filed on the central during the cut is never allowed on
#     the host once offline_grace has passed;
#   - the same through real libpam: the answer the PAM module took from
#     the host's answer table (core/answer_table.h) before the cut is not
#     taken past offline_grace, and the valid user is refused there too;
# and the link set up again: the host is back within seconds (measured),
# with the leaver denied and the valid user allowed.
#   partition_test.sh CLEARWAYD CLEARWAYCTL PAM_MODULE PAM_LOAD
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 module=$(realpath "$3") pam_load=$4
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"

if ! ip netns list >/dev/null 2>&1 || [[ $(id -u) != 0 ]]; then
    echo "skipped: needs root and ip netns"
    exit 0
fi
work=$(mktemp -d /tmp/cw-partition.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
ns=cwpart$$
idx=$((100 + RANDOM % 150))
redis_pid= host_pid= central_pid= sampler=
cleanup() {
    [[ -n $sampler ]] && kill "$sampler" 2>/dev/null
    [[ -n $host_pid ]] && CW_DAEMON_PID=$host_pid cw_stop_daemon
    [[ -n $central_pid ]] && CW_DAEMON_PID=$central_pid cw_stop_daemon
    [[ -n $redis_pid ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    cw_netns_cleanup
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

cw_netns_add "$ns" "$idx" || { echo "cannot make netns $ns" >&2; exit 1; }
# Redis on loopback for the central, and on the link's outer address for
# the namespaced host.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'port %s\nbind 127.0.0.1 %s\nsave ""\ndir %s\nprotected-mode no\n' \
    "$port" "$CW_NETNS_OUTER" "$work" >"$work/redis.conf"
redis-server "$work/redis.conf" >"$work/redis.log" 2>&1 &
redis_pid=$!
for ((i = 0; i < 100; i++)); do [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]] && break; sleep 0.05; done

bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a
conf() {
    local dir=$1 addr=$2
    shift 2
    mkdir -m 0755 -p "$dir/run"
    cw_write_config "$dir/clearway.conf" "$dir/run/clearwayd.sock" "$@"
    sed -i "s|^socket = $CW_REDIS_SOCKET\$|host = $addr\nport = $port|" "$dir/clearway.conf"
}
C=$work/central/clearway.conf H=$work/host/clearway.conf
rc() { local r=0; "$ctl" -c "$1" check "$2" --host-class sc-hosts >/dev/null 2>&1 || r=$?; echo "$r"; }
preload=
ldd "$pam_load" "$module" 2>/dev/null | grep -q libasan && preload="$(gcc -print-file-name=libasan.so)"
# pam_ok USER: one logon on the host through real libpam (0: allowed).
pam_ok() {
    ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$preload" \
        "$pam_load" "$work/pam.d" sshd-sc account 0 0 "$1" 2>/dev/null | grep -q '^success 1'
}
says() { "$ctl" -c "$1" check "$2" --host-class sc-hosts 2>&1; }
now_ms() { date +%s%3N; }
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

conf "$work/central" 127.0.0.1
cw_start_daemon "$daemon" "$C" "$work/central.log"
central_pid=$CW_DAEMON_PID
cw_wait_answer "$ctl" "$C" alice sc-hosts 20 || { tail -n 20 "$work/central.log"; exit 1; }

conf "$work/host" "$CW_NETNS_OUTER" "role = host" "offline_grace = 3s"
ip netns exec "$ns" "$daemon" -f -d -c "$H" >>"$work/host.log" 2>&1 &
host_pid=$!
for ((i = 0; i < 200; i++)); do [[ $(rc "$H" alice) == 0 ]] && break; sleep 0.1; done
[[ $(rc "$H" alice) == 0 ]] && pass "host in netns $ns reaches Redis at $CW_NETNS_OUTER: alice allowed" ||
    { fail "host: alice $(says "$H" alice)"; tail -n 20 "$work/host.log"; exit 1; }
mkdir -m 0755 "$work/pam.d"
echo "account required $module host_class=sc-hosts config=$H" >"$work/pam.d/sshd-sc"
pam_ok alice && pam_ok alice && pass "alice logs on to the host through PAM (the second from its answer table)" ||
    fail "alice refused through PAM before the cut"

# A user revoked before the cut, and one valid user to file as a leaver
# during it.
"$ctl" -c "$C" revoke mallory --reason "partition test" >/dev/null 2>&1
for ((i = 0; i < 100; i++)); do [[ $(rc "$H" mallory) == 1 ]] && break; sleep 0.1; done
[[ $(rc "$H" mallory) == 1 ]] && pass "mallory revoked, denied on the host" || fail "mallory: $(says "$H" mallory)"
victim=
for u in $("$ctl" -c "$C" who --host-class sc-hosts 2>/dev/null | awk '$2 == "allow" && $1 != "alice" {print $1}'); do
    [[ $(rc "$H" "$u") == 0 ]] && { victim=$u; break; }
done
[[ -n $victim ]] && pass "$victim is allowed on the host before the cut" || fail "no valid user to file as a leaver"

# Sampled throughout: any allow of mallory is a failure.
sample() {
    while :; do
        [[ $(rc "$H" mallory) == 0 ]] && echo allow >>"$work/mallory.allows"
        echo ask >>"$work/mallory.asks"
        sleep 0.1
    done
}
: >"$work/mallory.allows"; : >"$work/mallory.asks"
sample &
sampler=$!

# ------------------------------------------------------------- the cut
cw_netns_cut "$ns" "$idx" && pass "link set down on both sides" || fail "cut"
t_cut=$(now_ms)
"$ctl" -c "$C" leaver "$victim" --reason "partition test" >"$work/leaver.out" 2>&1 &&
    pass "leaver $victim filed on the central during the cut" || fail "leaver: $(cat "$work/leaver.out")"
longest=0 denied_at= late_allows=0 pam_denied_at= pam_late=0
while (( $(now_ms) - t_cut < 15000 )); do
    t=$(now_ms)
    r=$(rc "$H" alice)
    d=$(( $(now_ms) - t ))
    ((d > longest)) && longest=$d
    if [[ $r == 3 && -z $denied_at ]]; then denied_at=$(( $(now_ms) - t_cut )); fi
    [[ -n $denied_at && $(rc "$H" "$victim") == 0 ]] && late_allows=$((late_allows + 1))
    if pam_ok alice; then
        [[ -n $pam_denied_at ]] && pam_late=$((pam_late + 1))
    elif [[ -z $pam_denied_at ]]; then
        pam_denied_at=$(( $(now_ms) - t_cut ))
    fi
    [[ -n $denied_at ]] && (( $(now_ms) - t_cut > denied_at + 2000 )) && break
    sleep 0.1
done
echo "# cut off: alice denied $(secs "${denied_at:-0}") s after the cut (offline_grace 3 s); the longest check took ${longest} ms"
[[ -n $denied_at ]] && ((denied_at >= 2500 && denied_at <= 6000)) &&
    pass "past offline_grace alice is denied" || fail "alice denied at ${denied_at:-never} ms"
[[ $(says "$H" alice) == *policy_unavailable* ]] && pass "reason policy_unavailable" || fail "alice: $(says "$H" alice)"
((longest < 500)) && pass "every check answered from memory during the cut (longest ${longest} ms)" ||
    fail "a check took ${longest} ms"
((late_allows == 0)) && pass "$victim (filed during the cut) never allowed past offline_grace" ||
    fail "$victim allowed $late_allows times past offline_grace"
echo "# through PAM: alice refused $(secs "${pam_denied_at:-0}") s after the cut"
[[ -n $pam_denied_at ]] && ((pam_denied_at >= 2500 && pam_denied_at <= 6000 && pam_late == 0)) &&
    pass "through PAM too: the table's allow not taken past offline_grace, and never again" ||
    fail "PAM refused alice at ${pam_denied_at:-never} ms, allowed $pam_late times after"

# ------------------------------------------------------------- healed
cw_netns_heal "$ns" "$idx" && pass "link up again" || fail "heal"
t_heal=$(now_ms) back=
while (( $(now_ms) - t_heal < 20000 )); do
    if [[ $(rc "$H" alice) == 0 && $(rc "$H" "$victim") == 1 ]]; then back=$(( $(now_ms) - t_heal )); break; fi
    sleep 0.05
done
echo "# healed: alice allowed and $victim denied $(secs "${back:-0}") s after the link came up"
[[ -n $back ]] && ((back < 10000)) && pass "back within seconds: alice allowed, $victim denied" ||
    fail "not back: alice $(says "$H" alice); $victim $(says "$H" "$victim")"
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null; sampler=
allows=$(wc -l <"$work/mallory.allows") asks=$(wc -l <"$work/mallory.asks")
echo "# mallory through the cut and the heal: $allows allows of $asks checks"
((allows == 0 && asks > 20)) && pass "mallory never allowed ($asks checks)" || fail "mallory allowed $allows of $asks"
finish
