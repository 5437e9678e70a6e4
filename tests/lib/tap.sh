# SPDX-License-Identifier: MIT
# Minimal test bookkeeping for shell tests: check NAME CMD... runs CMD and
# records a pass or a failure; finish prints "N passed, M failed" (the line
# CI reads) and exits non-zero on any failure.
CW_PASSED=0
CW_FAILED=0

pass() { CW_PASSED=$((CW_PASSED + 1)); echo "ok   - $*"; }
fail() { CW_FAILED=$((CW_FAILED + 1)); echo "FAIL - $*"; }

# expect_exit CODE NAME CMD...: CMD must exit with CODE.
expect_exit() {
    local want=$1 name=$2 rc=0
    shift 2
    "$@" >"${CW_LAST_OUT:-/dev/null}" 2>&1 || rc=$?
    if [[ $rc -eq $want ]]; then
        pass "$name"
    else
        fail "$name (exit $rc, wanted $want)"
        [[ -n ${CW_LAST_OUT:-} ]] && sed 's/^/      /' "$CW_LAST_OUT" | head -5
    fi
}

finish() {
    echo "$CW_PASSED passed, $CW_FAILED failed"
    [[ $CW_FAILED -eq 0 ]]
}
