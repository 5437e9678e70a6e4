#!/bin/bash
# SPDX-License-Identifier: MIT
# What TLS to Redis costs (issue 13):
#   - a Redis round trip (PING, GET cw:gen, HGETALL cw:staff) through the
#     daemon's own client on one connection, plain TCP against TLS;
#   - a new connection with the command (TCP connect, TLS handshake);
#   - the PAM account decision through real libpam (bench_pam) with the
#     daemon on plain TCP and then on TLS.  Decisions are answered from
#     memory, so TLS should not show here; this checks it.
#   bench/redis_tls_bench.sh [CALLS]     (default 5000; run as root)
# Prints numbers; asserts nothing about them.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$top/tests/faults/lib_tls.sh"
calls=${1:-5000}

bench_begin redis-tls sample
trap 'cw_tls_redis_stop_all; bench_cleanup' EXIT
cw_tls_make_ca "$work/tls"
cw_tls_redis_start tls_port "$work" bench "$work/tls/server.pem" no
mkdir -m 0755 "$work/run" "$work/pam.d"
conf=$work/clearway.conf
probe=$build/bench/redis_probe

echo "clearway $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'), $calls calls each"
echo "account required $build/pam_module/pam_clearway.so host_class=sc-hosts config=$conf" \
    >"$work/pam.d/bench"

# run_daemon LABEL [REDIS LINES...]: the daemon on that Redis, synced.
run_daemon() {
    local label=$1 lines
    shift
    cw_write_config "$conf" "$work/run/clearwayd.sock"
    if (($# > 0)); then
        lines=$(printf '%s\\n' "$@")
        sed -i "s|^socket = $CW_REDIS_SOCKET\$|${lines%\\n}|" "$conf"
    fi
    "$build/daemon/clearwayd" -f -c "$conf" >"$work/clearwayd-$label.log" 2>&1 &
    CW_DAEMON_PID=$!
    cw_wait_answer "$build/cli/clearwayctl" "$conf" alice sc-hosts
}

tcp=(127.0.0.1 "$CW_REDIS_PORT")
tls=(--tls --ca "$work/tls/ca.pem" localhost "$tls_port")

run_daemon tcp "host = 127.0.0.1" "port = $CW_REDIS_PORT"
echo "PAM decision, daemon on Redis over plain TCP:"
"$build/bench/bench_pam" "$work/pam.d" bench alice "$calls"
cw_stop_daemon
run_daemon tls "uri = rediss://localhost:$tls_port" "ca_file = $work/tls/ca.pem"
echo "PAM decision, daemon on Redis over TLS:"
"$build/bench/bench_pam" "$work/pam.d" bench alice "$calls"
cw_stop_daemon

# The generation a reload polls, and every staff record (a full reload).
for what in "PING" "GET cw:gen" "HGETALL cw:staff"; do
    # shellcheck disable=SC2086
    echo "redis $what, one connection:  tcp $("$probe" --repeat "$calls" "${tcp[@]}" $what)"
    # shellcheck disable=SC2086
    echo "redis $what, one connection:  tls $("$probe" --repeat "$calls" "${tls[@]}" $what)"
done
n=$((calls / 10))
echo "connect + PING, new connection each: tcp $("$probe" --fresh --repeat "$n" "${tcp[@]}" PING)"
echo "connect + PING, new connection each: tls $("$probe" --fresh --repeat "$n" "${tls[@]}" PING)"
