# SPDX-License-Identifier: MIT
# Shell helpers for tests with two central daemons on one rig (the sync
# leader's and the audit writer's leases, store/lease.h).  Source after
# tests/lib/daemon.sh and the rig's env.
#
#   ld_conf DIR [extra INI lines...]   DIR/clearway.conf: its own socket,
#                                      state dir, spool, metrics file
#   ld_start NAME DIR LOG              starts clearwayd; sets LD_PID[NAME]
#   ld_kill NAME                       SIGKILL, reaped
#   ld_stop_all                        TERM (bounded), then KILL, all of them
#   ld_get KEY                         GET <prefix>KEY from the rig's redis
#   ld_lease CONF                      "held token" of this daemon's sync
#                                      leader lease, from clearwayctl status
#   ld_now_ms                          the wall clock in ms
#   ld_burst N TAG                     LDIF: add N staff, modify each, delete
#                                      every third (a change burst)
#   ld_wait SECONDS CMD...             until CMD succeeds; prints seconds
# shellcheck disable=SC2154  # ctl is the sourcing test's

declare -A LD_PID=()

ld_conf() {
    local dir=$1
    shift
    mkdir -p "$dir/state" "$dir/spool"
    cw_write_config "$dir/clearway.conf" "$dir/clearwayd.sock" "$@"
}

ld_start() {
    "$daemon" -f -d -c "$2/clearway.conf" >>"$3" 2>&1 &
    LD_PID[$1]=$!
}

ld_kill() {
    local pid=${LD_PID[$1]:-}
    [[ -n $pid ]] || return 0
    kill -KILL "$pid" 2>/dev/null
    kill -CONT "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    LD_PID[$1]=
}

ld_stop_all() {
    local n pid i
    for n in "${!LD_PID[@]}"; do
        pid=${LD_PID[$n]}
        [[ -n $pid ]] || continue
        kill -CONT "$pid" 2>/dev/null
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 100; i++)); do
            cw_alive "$pid" || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        LD_PID[$n]=
    done
}

ld_get() {
    redis-cli -s "$CW_REDIS_SOCKET" GET "cw:$1" 2>/dev/null
}

ld_lease() {
    "$ctl" -c "$1" --json status 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
    l = d.get("data", d)["leases"]["sync_leader"]
    print("%s %s %s" % ("yes" if l["held"] else "no", l["token"],
                        l["fenced_writes"]))
except Exception:
    print("? 0 0")'
}

ld_now_ms() {
    date +%s%3N
}

ld_burst() {
    local n=$1 tag=$2 i base=ou=people,dc=clearway,dc=test
    for ((i = 0; i < n; i++)); do
        printf 'dn: uid=%s%d,%s\nchangetype: add\nobjectClass: inetOrgPerson\n' "$tag" "$i" "$base"
        printf 'objectClass: cwStaff\nuid: %s%d\ncn: %s%d\nsn: B\n' "$tag" "$i" "$tag" "$i"
        printf 'cwEmploymentStatus: active\ncwClearance: SC\ncwRole: ops\n\n'
    done
    for ((i = 0; i < n; i++)); do
        printf 'dn: uid=%s%d,%s\nchangetype: modify\nreplace: cwClearance\n' "$tag" "$i" "$base"
        printf 'cwClearance: BPSS\n-\n\n'
    done
    for ((i = 0; i < n; i += 3)); do
        printf 'dn: uid=%s%d,%s\nchangetype: delete\n\n' "$tag" "$i" "$base"
    done
}

ld_wait() {
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 10; i++)); do
        "$@" && { echo "$((i / 10)).$((i % 10))"; return 0; }
        sleep 0.1
    done
    echo "$limit+"
    return 1
}
