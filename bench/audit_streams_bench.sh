#!/bin/bash
# SPDX-License-Identifier: MIT
# The central audit writer with many host streams (docs/audit.md,
# "Measured"): a redis-server of its own (Unix socket, no persistence),
# HOSTS streams cw:audit:h<N> preloaded with EVENTS events each, then a
# real clearwayd that is only the writer (ldap_sync = no).  Measures:
#   - finding the streams after taking the lease (its log line);
#   - draining HOSTS x EVENTS events into the trail (events/s);
#   - idle: the writer's commands per second and Redis's CPU time for
#     them (INFO commandstats) over 10 s with every stream empty;
#   - latency: one event XADDed to a random existing stream until it is
#     sealed (median of 20), and to a new host's first stream.
#   bench/audit_streams_bench.sh [HOSTS [EVENTS]]     (default 1000 20)
# Uses the build in $CW_BUILD_DIR (default build/release; built if absent).
set -euo pipefail
hosts=${1:-1000} events=${2:-20}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CW_BUILD_DIR:-$top/build/release}
[[ -x $build/daemon/clearwayd ]] || {
    cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCW_BUILD_TESTS=OFF >/dev/null
    cmake --build "$build" -j2 --target clearwayd clearwayctl >/dev/null
}
work=$(mktemp -d /tmp/cw-auditstreams-bench.XXXXXX)
chmod 0755 "$work"
rpid= dpid=
cleanup() {
    [[ -n $dpid ]] && kill -TERM "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
    [[ -n $rpid ]] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
sock=$work/r.sock
redis-server --port 0 --unixsocket "$sock" --save "" --appendonly no --dir "$work" \
    >"$work/redis.log" 2>&1 &
rpid=$!
R() { redis-cli -s "$sock" "$@"; }
for ((i = 0; i < 100; i++)); do [[ $(R PING 2>/dev/null) == PONG ]] && break; sleep 0.05; done

# HOSTS x EVENTS XADDs as raw RESP through redis-cli --pipe.
python3 - "$hosts" "$events" <<'EOF' | R --pipe >/dev/null
import sys
hosts, events = int(sys.argv[1]), int(sys.argv[2])
out = sys.stdout.buffer
def cmd(*a):
    b = [b"*%d\r\n" % len(a)]
    for x in a:
        x = x.encode()
        b.append(b"$%d\r\n%s\r\n" % (len(x), x))
    out.write(b"".join(b))
for k in range(1, events + 1):
    for h in range(hosts):
        host = "h%05d" % h
        line = ('{"type":"pam_decision","time":"2026-11-23T09:00:00.000000Z",'
                '"host":"%s","actor":"alice","subject":"alice","outcome":"deny",'
                '"details":{"reason":"revoked","event_id":"%016x:%d"}}'
                % (host, h + 1, k))
        cmd("XADD", "cw:audit:" + host, "*", "e", line)
EOF
# Some unrelated keys, as a store holds (the SCAN walks them too).
python3 -c '
import sys
out = sys.stdout.buffer
for i in range(20000):
    k = b"cw:rev:%d" % i
    out.write(b"*4\r\n$4\r\nHSET\r\n$%d\r\n%s\r\n$1\r\nx\r\n$1\r\n1\r\n" % (len(k), k))
' | R --pipe >/dev/null
total=$((hosts * events))
echo "streams: $hosts, events: $total, keys in Redis: $(R DBSIZE)"

mkdir -m 0700 "$work/keys"
(umask 077; openssl rand -hex 32 >"$work/keys/k1.key")
mkdir -m 0755 "$work/run"
cat >"$work/c.conf" <<EOF
[redis]
socket = $sock
timeout_ms = 2000
[daemon]
socket = $work/run/clearwayd.sock
state_dir = $work/state
ldap_sync = no
revocation_workers = 0
revoke_leavers = no
[audit]
writer = yes
directory = $work/trail
key_dir = $work/keys
spool_dir = $work/spool
metrics_file =
EOF
sealed() { cat "$work"/trail/audit-*.jsonl 2>/dev/null | grep -c '"type":"pam_decision"' || true; }
t0=$(date +%s.%N)
"$build/daemon/clearwayd" -f -d -c "$work/c.conf" >"$work/d.log" 2>&1 &
dpid=$!
for ((i = 0; i < 6000; i++)); do grep -q 'audit streams (' "$work/d.log" && break; sleep 0.01; done
t1=$(date +%s.%N)
while (($(sealed) < total)); do sleep 0.1; done
t2=$(date +%s.%N)
echo "found: $(grep -o '[0-9]* audit streams' "$work/d.log") $(printf '%.2f' "$(echo "$t1 - $t0" | bc)") s after start (incl. daemon start)"
echo "drained $total events of $hosts streams in $(printf '%.2f' "$(echo "$t2 - $t1" | bc)") s:" \
    "$(echo "$total / ($t2 - $t1)" | bc) events/s"
[[ $(sealed) == "$total" ]] && echo "sealed exactly $total (no copy)" || echo "SEALED $(sealed) != $total"

sleep 2
R CONFIG RESETSTAT >/dev/null
sleep 10
R INFO commandstats | tr -d '\r' | awk -F'[:,=]' '/^cmdstat_(xreadgroup|scan|xpending|xautoclaim)/ {
    printf "idle 10 s: %-22s calls %6d  usec %8d  (%.1f per s, %.0f us per call)\n", $1, $3, $5, $3 / 10, $7 }'
echo "redis used_cpu_sys+user now: $(R INFO cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {print s}') s"

lat() {  # STREAM HOST N: seconds until event N of HOST is sealed
    local s=$1 h=$2 n=$3 a b
    a=$(date +%s.%N)
    R XADD "$s" '*' e "{\"type\":\"pam_decision\",\"time\":\"2026-11-23T09:00:00.000000Z\",\"host\":\"$h\",\"actor\":\"x\",\"subject\":\"x\",\"outcome\":\"deny\",\"details\":{\"tty\":\"lat-$h-$n\"}}" >/dev/null
    until grep -q "\"lat-$h-$n\"" "$work"/trail/audit-*.jsonl 2>/dev/null; do sleep 0.005; done
    b=$(date +%s.%N)
    echo "$b - $a" | bc
}
for ((k = 0; k < 20; k++)); do
    h=$(printf 'h%05d' $((RANDOM % hosts)))
    lat "cw:audit:$h" "$h" "$k"
    sleep 0.$((RANDOM % 5))
done | sort -n | awk '{a[NR] = $1} END {printf "latency, existing stream (20): median %.3f s, max %.3f s\n", a[int((NR + 1) / 2)], a[NR]}'
echo "latency, a new host's first event (found by the SCAN cycle): $(printf '%.3f' "$(lat cw:audit:newhost newhost 0)") s"
