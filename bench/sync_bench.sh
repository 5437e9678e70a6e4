#!/bin/bash
# SPDX-License-Identifier: MIT
# LDAP sync benchmarks (issue 3) on a generated directory:
#   (a) initial full sync of N staff into an empty Redis: time, peak RSS;
#   (b) ldapmodify -> decision latency over CHANGES changes;
#   (c) restart and resume after 1,000 changes made while stopped.
#   bench/sync_bench.sh [N] [CHANGES]     (defaults 100000 and 200)
# Builds a release tree, starts a throwaway rig; prints numbers only.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n=${1:-100000}
changes=${2:-200}

bench_begin sync-bench
echo "generating $n staff..."
python3 "$top/bench/gen-directory.py" "$n" >"$work/dir.ldif"
bash "$top/tests/rig/rig.sh" bulkload "$rig" "$work/dir.ldif" 2>&1 | tail -1
mkdir -m 0755 "$work/run"
conf=$work/clearway.conf
sock=$work/run/clearwayd.sock
cw_write_config "$conf" "$sock"
sed -i 's/^reload_interval_ms = .*/reload_interval_ms = 1000/' "$conf"

peak_rss() { awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$CW_DAEMON_PID/status"; }

"$build/daemon/clearwayd" -f -c "$conf" >"$work/d.log" 2>&1 &
CW_DAEMON_PID=$!
secs=$(python3 "$top/bench/sync_latency.py" wait-synced "$sock" "$n" 300)
echo "(a) initial full sync of $n staff: ${secs} s; daemon peak RSS $(peak_rss)"

python3 "$top/bench/sync_latency.py" latency "$sock" "$rig" "$changes" |
    sed 's/^/(b) /'
echo "    daemon peak RSS now $(peak_rss)"

cw_stop_daemon
python3 "$top/bench/gen-changes.py" 1000 --seed 11 --staff "$n" |
    ldapmodify -c -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" \
        -y "$CW_LDAP_ADMIN_PW_FILE" >/dev/null
"$build/daemon/clearwayd" -f -c "$conf" >>"$work/d.log" 2>&1 &
CW_DAEMON_PID=$!
secs=$(python3 "$top/bench/sync_latency.py" wait-synced "$sock" "$n" 300)
echo "(c) restart and resume after 1,000 offline changes: ${secs} s" \
    "($(grep -o 'incremental refresh, [0-9]* entries written' "$work/d.log" | tail -1))"
echo "    daemon peak RSS $(peak_rss)"
grep -E "loaded|in sync" "$work/d.log" | sed "s/^/    log: /"
