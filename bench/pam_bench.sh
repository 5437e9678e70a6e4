#!/bin/bash
# SPDX-License-Identifier: MIT
# PAM account-check latency through real libpam against the real daemon,
# slapd and Redis: the figure the foundation issue asks for.
#   bench/pam_bench.sh [CALLS]     (default 10000; run as root)
# Builds a release tree in build/release, starts a throwaway rig and
# clearwayd, and runs bench_pam (pam_start_confdir, no wrapper) for an
# allowed and a denied user.  Prints numbers; asserts nothing about them.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
calls=${1:-10000}

bench_begin bench sample
mkdir -m 0755 "$work/run" "$work/pam.d"
conf=$work/clearway.conf
cw_write_config "$conf" "$work/run/clearwayd.sock"
# Logging each decision is part of the cost, as in production; send it
# to a file rather than a terminal.
"$build/daemon/clearwayd" -f -c "$conf" >"$work/clearwayd.log" 2>&1 &
CW_DAEMON_PID=$!
cw_wait_answer "$build/cli/clearwayctl" "$conf" alice sc-hosts
echo "account required $build/pam_module/pam_clearway.so host_class=sc-hosts config=$conf" \
    >"$work/pam.d/bench"

echo "clearway $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, $calls calls each"
if [[ -n ${CW_BENCH_PERF:-} ]]; then
    perf record -q -g -o "$CW_BENCH_PERF" -p "$CW_DAEMON_PID" &
    perf_pid=$!
fi
for user in alice bob; do
    "$build/bench/bench_pam" "$work/pam.d" bench "$user" "$calls"
done
if [[ -n ${CW_BENCH_PERF:-} ]]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
