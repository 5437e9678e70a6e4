#!/bin/bash
# SPDX-License-Identifier: MIT
# ThreadSanitizer run: builds with -DCW_TSAN=ON in its own build directory
# (TSan cannot be combined with ASan) and runs the tests whose programs are
# threaded: every integration test that runs clearwayd, the revocation
# queue and audit pipeline drivers, and the fault tests (but those
# labelled large: too slow under TSan).  Every report is
# collected from TSAN_OPTIONS log_path (the daemon's stderr goes to logs
# that the tests delete) and the run fails when there is any.  The PAM
# module is built without TSan: sshd and pamtester cannot load its runtime.
#   scripts/tsan.sh            the full set (about 10 minutes on 2 cores)
#   scripts/tsan.sh --startup  only a daemon's start, work and stop
#                              (fault_sigterm; cheap enough for CI)
#   scripts/tsan.sh -R REGEX   the tests ctest -R selects
# Run as root on Debian 12 from the top of the tree.  CW_TSAN_BUILD_DIR
# overrides the build directory (default build/tsan).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CW_TSAN_BUILD_DIR:-$top/build/tsan}
integration='^(daemon|pam_integration|sync|elevation|revocation|revq|audit_pipeline)$'
targets=()
select=()
case ${1:-} in
    "") select=(full) ;;
    --startup) select=(-R '^fault_sigterm$'); targets=(--target clearwayd clearwayctl) ;;
    -R) [[ $# -eq 2 ]] || { echo "usage: $0 [--startup | -R REGEX]" >&2; exit 2; }
        select=(-R "$2") ;;
    *) echo "usage: $0 [--startup | -R REGEX]" >&2; exit 2 ;;
esac

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCW_WERROR=ON \
    -DCW_TSAN=ON >/dev/null
cmake --build "$build" -j"$(nproc)" "${targets[@]}"

reports=$(mktemp -d /tmp/cw-tsan.XXXXXX)
trap 'rm -rf "$reports"' EXIT
# halt_on_error=0: a test goes on after a report, so one run finds them all.
export TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 history_size=4 log_path=$reports/tsan ${TSAN_OPTIONS:-}"
cd "$build"
rc=0
if [[ ${select[0]} == full ]]; then
    ctest --output-on-failure --timeout 900 -R "$integration" || rc=1
    ctest --output-on-failure --timeout 900 -L faults -LE large || rc=1
else
    ctest --output-on-failure --timeout 900 "${select[@]}" || rc=1
fi

n=0
for f in "$reports"/tsan.*; do
    [[ -e $f ]] || continue
    n=$((n + $(grep -c '^WARNING: ThreadSanitizer' "$f")))
    cat "$f"
done
echo "ThreadSanitizer reports: $n"
((n == 0)) || rc=1
exit $rc
