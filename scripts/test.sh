#!/bin/bash
# SPDX-License-Identifier: MIT
# The whole test suite, as CI runs it: installs what is missing, builds
# with -Werror and ASan+UBSan, and runs every test (unit, fuzz-corpus
# replays, and integration tests against real slapd, redis-server and
# libpam).  Run as root on Debian 12 from the top of the tree:
#   scripts/test.sh [extra ctest arguments]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CW_BUILD_DIR:-$top/build/sanitize}

bash "$top/scripts/deps.sh"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCW_WERROR=ON \
    -DCW_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
# A leak in a test program is a failure; ASan output names the place.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# A ThreadSanitizer check of a daemon's start, work and stop (its own
# build; scripts/tsan.sh alone runs the integration tests under TSan).
# Skipped when ctest arguments select tests, or with CW_SKIP_TSAN=1.
if [[ $# -eq 0 && ${CW_SKIP_TSAN:-0} != 1 ]]; then
    bash "$top/scripts/tsan.sh" --startup
fi
cd "$build"
ctest --output-on-failure -j"$(nproc)" --timeout 600 "$@"
