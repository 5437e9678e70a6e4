#!/bin/bash
# SPDX-License-Identifier: MIT
# The audit export streams: exporting 1,000,000 records takes no more
# memory than exporting 10,000 (issue 6: constant memory on a year of
# data).  Peak RSS of the real clearwayctl is measured for both.
#   audit_export_memory_test.sh CLEARWAYCTL AUDIT_FIXTURE
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
ctl=$1 fixture=$2

work=$(mktemp -d /tmp/cw-audit-mem-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
keys=$work/keys
mkdir -m 0700 "$keys"
(umask 077; openssl rand -hex 32 >"$keys/k1.key")

# make_trail N: a trail of N records and a config naming it.
make_trail() {
    printf '[daemon]\nldap_sync = no\n[audit]\ndirectory = %s\nkey_dir = %s\n' \
        "$work/trail-$1" "$keys" >"$work/conf-$1"
    "$fixture" "$work/trail-$1" "$keys" "bulk=$1"
}

# peak_rss_kb N: exports trail N as CSV (to a counter, not memory) and
# prints the exporter's peak RSS in KiB, the lines and the exit status.
# Nothing else may run in this subshell: bash execs the last command in
# place, and the rusage of children already reaped would count too.
peak_rss_kb() {
    python3 - "$ctl" "$work/conf-$1" <<'PY'
import os, resource, subprocess, sys
# Under ASan, freed memory waits in a quarantine (256 MB by default) that
# would count as RSS: turn it off so RSS measures what the code holds.
env = dict(os.environ, ASAN_OPTIONS="quarantine_size_mb=0:"
           "thread_local_quarantine_size_kb=0:malloc_context_size=0:"
           "detect_leaks=0:allocator_release_to_os_interval_ms=0")
p = subprocess.Popen([sys.argv[1], "-c", sys.argv[2], "audit", "export",
                      "--format", "csv"], stdout=subprocess.PIPE, env=env)
lines = sum(1 for _ in p.stdout)
p.wait()
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(rss, lines, p.returncode)
PY
}

n=${CW_AUDIT_EXPORT_N:-1000000}
make_trail 10000 && make_trail "$n" || { fail "writing the trails"; finish; exit 1; }
read -r small small_lines small_rc < <(peak_rss_kb 10000)
read -r large large_lines large_rc < <(peak_rss_kb "$n")
echo "# export peak RSS: 10,000 records ${small} KiB; $n records ${large} KiB"
[[ $small_rc == 0 && $large_rc == 0 ]] && pass "both exports succeed" || fail "export failed"
(( large_lines >= n )) && pass "exported $large_lines lines" || fail "exported $large_lines lines"
[[ -n $large && -n $small ]] && (( large < small + 8192 )) && pass "$n records in no more memory than 10,000 (+8 MiB)" ||
    fail "RSS grew from ${small} to ${large} KiB"
finish
