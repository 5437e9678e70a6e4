#!/bin/bash
# SPDX-License-Identifier: MIT
# A cold load from Redis (cw_store_load_all, what a restarted clearwayd
# does first) of N generated staff, timed apart from LDAP:
#   bench/store_load_bench.sh [N [ROUNDS]]     (defaults 100000 and 5)
# once with the parse worker clearwayd's follow thread uses, once without.
# Builds the release tree, starts a throwaway redis-server in a temp dir
# (Unix socket only), fills it with bench/store_fill.py, prints numbers.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CW_BUILD_DIR:-$top/build/release}
n=${1:-100000}
rounds=${2:-5}

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCW_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target store_load_bench >/dev/null
work=$(mktemp -d /tmp/cw-store-load.XXXXXX)
cleanup() {
    timeout 5 redis-cli -s "$work/redis.sock" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
redis-server --port 0 --unixsocket "$work/redis.sock" --unixsocketperm 700 \
    --save '' --appendonly no --dir "$work" --daemonize yes \
    --pidfile "$work/redis.pid" --logfile "$work/redis.log" >/dev/null
for _ in $(seq 50); do
    [ "$(redis-cli -s "$work/redis.sock" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
done
python3 "$top/bench/gen-directory.py" "$n" |
    python3 "$top/bench/store_fill.py" cw: |
    redis-cli -s "$work/redis.sock" --pipe | tail -1
"$build/bench/store_load_bench" "$work/redis.sock" cw: "$rounds" 1
"$build/bench/store_load_bench" "$work/redis.sock" cw: "$rounds" 0
