# SPDX-License-Identifier: MIT
# Real throwaway local users for tests that act as people (setpriv), shared
# safely between tests that ctest runs at the same time.  Several tests use
# the sample staff's names (anna, harry, ...): without this, one test's
# cleanup deleted an account another was still using, and two useradds at
# once failed on /etc/passwd's lock.
#
#   cw_users_hold NAME...   creates each missing account and holds it
#   cw_users_release        releases what this test holds; an account made
#                           by the tests goes once no test holds it
#
# Holds are files /tmp/clearway-test-users/NAME/PID, and every change to
# them or to the accounts is made under one flock.
CW_USERS_DIR=/tmp/clearway-test-users
CW_USERS_HELD=()

cw_users_hold() {
    local u rc=0
    mkdir -p "$CW_USERS_DIR"
    exec {CW_USERS_LOCK}>"$CW_USERS_DIR/.lock"
    flock "$CW_USERS_LOCK"
    for u in "$@"; do
        mkdir -p "$CW_USERS_DIR/$u"
        # A hold left by a test that was killed is not a hold.
        local h
        for h in "$CW_USERS_DIR/$u"/[0-9]*; do
            [[ -e $h ]] && ! kill -0 "${h##*/}" 2>/dev/null && rm -f "$h"
        done
        if ! id "$u" >/dev/null 2>&1; then
            if useradd -M -N -s /usr/sbin/nologin "$u"; then
                touch "$CW_USERS_DIR/$u/.created"
            else
                echo "useradd $u failed" >&2
                rc=1
                continue
            fi
        fi
        touch "$CW_USERS_DIR/$u/$$"
        CW_USERS_HELD+=("$u")
    done
    flock -u "$CW_USERS_LOCK"
    exec {CW_USERS_LOCK}>&-
    return $rc
}

cw_users_release() {
    local u
    [[ ${#CW_USERS_HELD[@]} -gt 0 ]] || return 0
    exec {CW_USERS_LOCK}>"$CW_USERS_DIR/.lock"
    flock "$CW_USERS_LOCK"
    for u in "${CW_USERS_HELD[@]}"; do
        rm -f "$CW_USERS_DIR/$u/$$"
        if [[ -e $CW_USERS_DIR/$u/.created ]] &&
            ! compgen -G "$CW_USERS_DIR/$u/[0-9]*" >/dev/null; then
            pkill -KILL -u "$u" 2>/dev/null
            userdel "$u" >/dev/null 2>&1
            rm -rf "${CW_USERS_DIR:?}/$u"
        fi
    done
    CW_USERS_HELD=()
    flock -u "$CW_USERS_LOCK"
    exec {CW_USERS_LOCK}>&-
}
