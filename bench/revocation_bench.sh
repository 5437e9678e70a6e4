#!/bin/bash
# SPDX-License-Identifier: MIT
# Revocation benchmarks (issue 4) through the real daemon:
#   (a) "clearwayctl leaver" returning -> the PAM module denying, over N
#       leavers (bench/leaver_bench.c, real libpam);
#   (b) the drain rate of M queued revocations with the LDAP steps, by
#       clearwayd's own workers ([daemon] revocation_workers = W): filed
#       with the workers off, then timed from the workers' start to an
#       empty queue.
#   bench/revocation_bench.sh [N] [M] [W]   (defaults 1000, 10000 and 4)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n=${1:-1000}
m=${2:-10000}
workers=${3:-4}

bench_begin revoke-bench
python3 "$top/bench/gen-directory.py" $((n + m)) >"$work/dir.ldif"
bash "$top/tests/rig/rig.sh" bulkload "$rig" "$work/dir.ldif" >/dev/null 2>&1
mkdir -m 0755 "$work/run" "$work/pam.d"
conf=$work/clearway.conf
cw_write_config "$conf" "$work/run/clearwayd.sock" "revocation_workers = $workers"
# Nobody to log out here: time the queue, not pkill.
sed -i 's/^end_sessions_command = .*/end_sessions_command = true %u/' "$conf"
"$build/daemon/clearwayd" -f -c "$conf" >"$work/d.log" 2>&1 &
CW_DAEMON_PID=$!
python3 "$top/bench/sync_latency.py" wait-synced "$work/run/clearwayd.sock" $((n + m)) 120 >/dev/null ||
    { echo "the daemon did not sync $((n + m)) staff:"; tail -5 "$work/d.log"; exit 1; }
echo "account required $build/pam_module/pam_clearway.so host_class=general-hosts config=$conf" \
    >"$work/pam.d/bench"

"$build/bench/leaver_bench" "$work/pam.d" bench "$work/run/clearwayd.sock" 1 "$n" |
    sed 's/^/(a) /'
until [[ $(redis-cli -s "$CW_REDIS_SOCKET" ZCARD cw:rev:open) == 0 ]]; do sleep 0.1; done

# (b) File M revocations with no worker running, then time the drain.
restart() {
    cw_stop_daemon
    sed -i "s/^revocation_workers = .*/revocation_workers = $1/" "$conf"
    "$build/daemon/clearwayd" -f -c "$conf" >>"$work/d.log" 2>&1 &
    CW_DAEMON_PID=$!
    cw_wait_answer "$build/cli/clearwayctl" "$conf" "s000001" general-hosts
}
restart 0
python3 - "$work/run/clearwayd.sock" $((n + 1)) "$m" <<'PY'
import json, socket, struct, sys
path, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(first, first + count):
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    b = json.dumps({"v": 1, "op": "leaver", "user": "s%06d" % i,
                    "reason": "drain benchmark"}).encode()
    s.sendall(struct.pack(">I", len(b)) + b)
    h = s.recv(4); n = struct.unpack(">I", h)[0]; d = b""
    while len(d) < n: d += s.recv(n - len(d))
    assert json.loads(d)["status"] == "ok", d
    s.close()
PY
queued=$(redis-cli -s "$CW_REDIS_SOCKET" ZCARD cw:rev:open)
start=${EPOCHREALTIME/./}
restart "$workers"
until [[ $(redis-cli -s "$CW_REDIS_SOCKET" ZCARD cw:rev:open) == 0 ]]; do sleep 0.05; done
end=${EPOCHREALTIME/./}
dead=$(redis-cli -s "$CW_REDIS_SOCKET" XLEN cw:revq:dead)
awk -v n="$queued" -v us=$((end - start)) -v w="$workers" -v d="$dead" 'BEGIN {
    printf "(b) %d queued revocations drained by %d workers (end elevations, lock, remove roles; daemon start included) in %.2f s: %.0f per second; dead letters: %d\n",
        n, w, us / 1e6, n / (us / 1e6), d }'
