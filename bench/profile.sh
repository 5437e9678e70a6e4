#!/bin/bash
# SPDX-License-Identifier: MIT
# Where clearwayd spends a warm logon: perf on the daemon while the peer
# benchmark's loop logs on through real libpam (pam_start_confdir).
#   bench/profile.sh [CALLS] [BUILD TAG]   (root; default 20000, build/release)
# BUILD is another build tree to profile as it is (not rebuilt), e.g.
# main's, and TAG names its files.  Writes to bench/out/ (TAG defaults to
# clearwayd): profile-TAG.txt (perf report --stdio, by symbol, with
# callers), profile-TAG.folded and profile-TAG.svg (bench/flame.py, all
# threads), profile-TAG-answer.svg (the answer thread), and
# profile-TAG-threads.txt (CPU per decision of each thread, from /proc),
# profile-TAG-client.{svg,folded}: the PAM client's side of a logon, and
# profile-TAG-wakeups.txt: the answer thread's waits for a CPU once woken,
# and what ran there meanwhile (bench/wakeups.py, from a sched trace).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
calls=${1:-20000}
tag=${3:-clearwayd}
pb=$build/bench/peer_bench      # the loop: always this tree's
if [[ -n ${2:-} ]]; then
    build=$2
    bench_build() { :; }        # profiled as it is
fi
out=$top/bench/out
mkdir -p "$out"

bench_begin profile sample
mkdir -m 0755 "$work/run" "$work/pam.d"
conf=$work/clearway.conf
cw_write_config "$conf" "$work/run/clearwayd.sock"
"$build/daemon/clearwayd" -f -c "$conf" >"$work/clearwayd.log" 2>&1 &
CW_DAEMON_PID=$!
cw_wait_answer "$build/cli/clearwayctl" "$conf" alice sc-hosts
echo "account required $build/pam_module/pam_clearway.so host_class=sc-hosts config=$conf" \
    >"$work/pam.d/bench"
echo alice >"$work/users"
# Warm up (the log thread starts with the first decision), then measure.
"$pb" lat "$work/pam.d" bench "$work/users" 500 "$work/warm.csv" >/dev/null

tick() {
    local t
    for t in /proc/"$CW_DAEMON_PID"/task/*; do
        awk -v t="${t##*/}" '{sub(/.*\) /, ""); print t, $12 + $13}' "$t/stat"
    done
}
tick >"$work/t0"
# DWARF unwinding: the release build keeps no frame pointers.
perf record -q -F 4000 --call-graph dwarf,16384 -o "$work/perf.data" -p "$CW_DAEMON_PID" &
perf_pid=$!
sleep 0.5
"$pb" lat "$work/pam.d" bench "$work/users" "$calls" "$out/profile-$tag-latency.csv"
kill -INT "$perf_pid"
wait "$perf_pid" || true
tick >"$work/t1"
hz=$(getconf CLK_TCK)
join "$work/t0" "$work/t1" | awk -v n="$calls" -v hz="$hz" -v main="$CW_DAEMON_PID" '
    { us = ($3 - $2) * 1e6 / hz / n; sum += us
      printf "thread %s%s: %.1f us per decision\n", $1, $1 == main ? " (answer)" : "", us }
    END { printf "all threads: %.1f us per decision\n", sum }' | tee "$out/profile-$tag-threads.txt"
perf report -i "$work/perf.data" --stdio --children --sort sym -g caller,0.5,callee,function,percent \
    --percent-limit 2 >"$out/profile-$tag.txt" 2>/dev/null || true
perf script -i "$work/perf.data" 2>/dev/null >"$work/script.txt"
python3 "$top/bench/flame.py" --min-pct 0.2 --folded "$out/profile-$tag.folded" \
    --title "clearwayd, $calls warm logons, all threads" <"$work/script.txt" >"$out/profile-$tag.svg"
# The answer thread is the main thread (comm clearwayd, tid = pid).
awk -v p="$CW_DAEMON_PID" '/^[^ \t]/ { keep = ($2 == p) } keep' "$work/script.txt" |
    python3 "$top/bench/flame.py" --min-pct 0.2 --title "clearwayd answer thread, $calls warm logons" \
    >"$out/profile-$tag-answer.svg"

# The other half of a logon: the PAM client (libpam loading the module,
# the exchange, pam_end unloading it), a quarter as many logons.
perf record -q -F 4000 --call-graph dwarf,16384 -o "$work/client.data" \
    "$pb" lat "$work/pam.d" bench "$work/users" $((calls / 4)) "$work/client.csv" >/dev/null
perf script -i "$work/client.data" 2>/dev/null |
    python3 "$top/bench/flame.py" --min-pct 0.2 --folded "$out/profile-$tag-client.folded" \
    --title "PAM client (peer_bench), $((calls / 4)) warm logons" >"$out/profile-$tag-client.svg"

# The tail: how long the answer thread waits for a CPU once a logon wakes
# it, and behind whom (every CPU's scheduler switches, a quarter as many
# logons again).
perf record -q -e sched:sched_switch,sched:sched_wakeup -a -o "$work/sched.data" \
    "$pb" lat "$work/pam.d" bench "$work/users" $((calls / 4)) "$work/sched.csv" >/dev/null
perf script -i "$work/sched.data" -F cpu,time,event,trace 2>/dev/null |
    python3 "$top/bench/wakeups.py" "$CW_DAEMON_PID" | tee "$out/profile-$tag-wakeups.txt"
echo "profile: $out/profile-$tag.{txt,svg,folded}, profile-$tag-answer.svg," \
    "profile-$tag-client.{svg,folded}, profile-$tag-threads.txt," \
    "profile-$tag-wakeups.txt"
