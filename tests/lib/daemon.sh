# SPDX-License-Identifier: MIT
# Shell helpers for tests that run the real clearwayd against a rig.
# Source after the rig's env (CW_LDAP_URI, CW_REDIS_SOCKET, ...) is loaded.
#
#   cw_write_config CONF SOCKET [extra INI lines...]
#   cw_start_daemon CLEARWAYD CONF LOG     sets CW_DAEMON_PID
#   cw_wait_answer CLEARWAYCTL CONF USER HC [SECONDS]   until check answers
#   cw_stop_daemon                         TERM, bounded wait, then KILL

# A config for the rig: sync from the rig's slapd into its redis, quick
# refresh so tests see LDAP changes in about a second.  Extra arguments are
# lines appended verbatim (each a new [section] or key).
cw_write_config() {
    local conf=$1 socket=$2
    shift 2
    {
        echo "[ldap]"
        echo "uri = $CW_LDAP_URI"
        # The rig's slapd is plain LDAP on loopback.
        echo "allow_plaintext = yes"
        echo "staff_base = $CW_STAFF_BASE"
        echo "hostclass_base = $CW_HOSTCLASS_BASE"
        echo "role_base = $CW_ROLE_BASE"
        echo "bind_dn = $CW_LDAP_ADMIN_DN"
        echo "bind_password_file = $CW_LDAP_ADMIN_PW_FILE"
        echo "timeout_ms = 2000"
        echo "[redis]"
        echo "socket = $CW_REDIS_SOCKET"
        echo "timeout_ms = 1000"
        echo "[audit]"
        echo "spool_dir = $(dirname "$conf")/spool"
        echo "metrics_file = $(dirname "$conf")/clearway.prom"
        echo "[daemon]"
        echo "socket = $socket"
        echo "reload_interval_ms = 100"
        echo "state_dir = $(dirname "$conf")/state"
        # Revocation steps quickly retried in tests; sessions ended with
        # pkill (there is no logind here).
        echo "redelivery_ms = 1000"
        echo "end_sessions_command = pkill -KILL -u %u"
        local line
        for line in "$@"; do echo "$line"; done
    } >"$conf"
    chmod 0644 "$conf"
}

cw_start_daemon() {
    local bin=$1 conf=$2 log=$3
    "$bin" -f -d -c "$conf" >>"$log" 2>&1 &
    CW_DAEMON_PID=$!
}

# Waits until clearwayctl check gets an answer (exit 0 or 1) from the daemon.
cw_wait_answer() {
    local ctl=$1 conf=$2 user=$3 hc=$4 limit=${5:-20} i rc
    for ((i = 0; i < limit * 10; i++)); do
        rc=0
        "$ctl" -c "$conf" check "$user" --host-class "$hc" >/dev/null 2>&1 || rc=$?
        if [[ $rc -eq 0 || $rc -eq 1 ]]; then
            return 0
        fi
        sleep 0.1
    done
    echo "daemon did not answer within ${limit}s" >&2
    return 1
}

# True while PID runs (a zombie, exited but not yet reaped, is not running).
cw_alive() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

cw_stop_daemon() {
    local i
    [[ -n ${CW_DAEMON_PID:-} ]] || return 0
    kill -TERM "$CW_DAEMON_PID" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        cw_alive "$CW_DAEMON_PID" || break
        sleep 0.05
    done
    kill -KILL "$CW_DAEMON_PID" 2>/dev/null || true
    wait "$CW_DAEMON_PID" 2>/dev/null || true
    CW_DAEMON_PID=
}
