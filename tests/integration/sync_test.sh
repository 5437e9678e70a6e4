#!/bin/bash
# SPDX-License-Identifier: MIT
# RFC 4533 sync against a real slapd with syncprov and a real Redis, with
# and without a session log: add, modify, delete, rename, move out of the
# base; changes while the daemon is stopped; a cookie slapd cannot use; a
# stale orphan in Redis; slapd restarted in the middle of a refresh; and
# TLS (good certificate, wrong host name, unknown CA).  After each step
# Redis must mirror the directory exactly (mirror_check.py) and decisions
# must follow.
#   sync_test.sh CLEARWAYD CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
daemon=$1 ctl=$2
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-sync-test.XXXXXX)
chmod 0755 "$work"
rig=
cleanup() {
    cw_stop_daemon
    [[ -n $rig ]] && bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
export CW_LAST_OUT=$work/last.out

reason_of() {
    "$ctl" -c "$conf" --json check "$1" --host-class "$2" 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"])' 2>/dev/null
}
# until_reason USER HC REASON [SECONDS]
until_reason() {
    local i got limit=$((${4:-10} * 10))
    for ((i = 0; i < limit; i++)); do
        got=$(reason_of "$1" "$2")
        [[ $got == "$3" ]] && break
        sleep 0.1
    done
    [[ $got == "$3" ]] && pass "$mode: $1 on $2: $3" ||
        fail "$mode: $1 on $2: got '$got', wanted $3"
}
mirror_exact() {
    local i
    for ((i = 0; i < ${2:-50}; i++)); do
        python3 "$here/mirror_check.py" "$rig" >"$work/mirror.out" 2>&1 && break
        sleep 0.2
    done
    if python3 "$here/mirror_check.py" "$rig" >"$work/mirror.out" 2>&1; then
        pass "$mode: $1: redis mirrors ldap exactly ($(grep -c . "$work/mirror.out") kinds)"
    else
        fail "$mode: $1: mirror differs"
        sed 's/^/      /' "$work/mirror.out" | head -10
    fi
}
ldap() { ldapmodify -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" "$@" >/dev/null; }
ldapdel() { ldapdelete -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" "$@"; }
rdn() { ldapmodrdn -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" "$@"; }
rcli() { redis-cli -s "$CW_REDIS_SOCKET" "$@"; }
staff_ldif() {  # uid, extra lines
    local uid=$1 past future
    past=$(date -u -d '-30 days' +%Y%m%d%H%M%SZ)
    future=$(date -u -d '+700 days' +%Y%m%d%H%M%SZ)
    cat <<EOF
dn: uid=$uid,$CW_STAFF_BASE
objectClass: inetOrgPerson
objectClass: cwStaff
uid: $uid
cn: $uid
sn: $uid
cwEmploymentStatus: active
cwIdentityCheck: $past
cwCriminalRecordCheck: $past
cwRightToWorkCheck: $past
cwClearance: SC
cwClearanceExpiry: $future
cwTrainingCompleted: $past
cwRole: ops
EOF
}
start_rig() {
    rig=$work/rig-$1
    shift
    bash "$here/../rig/rig.sh" start "$rig" "$@" >/dev/null 2>&1 &&
        bash "$top/tests/data/gen-sample.sh" | bash "$here/../rig/rig.sh" load "$rig" - >/dev/null 2>&1 ||
        { fail "cannot start rig $*"; finish; exit 1; }
    set -a; . "$rig/env"; set +a
    mkdir -p -m 0755 "$rig/run"
    conf=$rig/clearway.conf
    log=$rig/clearwayd.log
    cw_write_config "$conf" "$rig/run/clearwayd.sock"
}
stop_rig() {
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    rig=
}

# ------------------------------------------------------ changes, in both modes
for mode in sessionlog no-sessionlog; do
    if [[ $mode == sessionlog ]]; then start_rig sl; else start_rig nosl --no-sessionlog; fi
    cw_start_daemon "$daemon" "$conf" "$log"
    cw_wait_answer "$ctl" "$conf" alice sc-hosts || { fail "$mode: daemon never answered"; cat "$log"; }
    mirror_exact "initial full refresh"
    grep -q "ldap: in sync with .*(full refresh" "$log" && pass "$mode: full refresh logged" ||
        fail "$mode: no full refresh log line"

    staff_ldif zed | ldap -a
    until_reason zed sc-hosts ok
    ldap <<EOF
dn: uid=alice,$CW_STAFF_BASE
changetype: modify
replace: cwTrainingCompleted
cwTrainingCompleted: $(date -u -d '-400 days' +%Y%m%d%H%M%SZ)
EOF
    until_reason alice sc-hosts training_expired
    ldapdel "uid=zed,$CW_STAFF_BASE"
    until_reason zed sc-hosts unknown_user
    rdn -r "uid=alice,$CW_STAFF_BASE" "uid=alicia"
    until_reason alicia sc-hosts training_expired
    until_reason alice sc-hosts unknown_user
    printf 'dn: ou=elsewhere,%s\nobjectClass: organizationalUnit\nou: elsewhere\n' "$CW_LDAP_BASE" | ldap -a
    rdn -r -s "ou=elsewhere,$CW_LDAP_BASE" "uid=bob,$CW_STAFF_BASE" "uid=bob"
    until_reason bob open-hosts unknown_user
    mirror_exact "after add, modify, delete, rename, move out"
    rdn -r -s "$CW_STAFF_BASE" "uid=bob,ou=elsewhere,$CW_LDAP_BASE" "uid=bob"
    until_reason bob open-hosts ok

    # Changes while the daemon is stopped: resumed from the cookie.
    cw_stop_daemon
    staff_ldif yann | ldap -a
    ldapdel "uid=sybil,$CW_STAFF_BASE"
    ldap <<EOF
dn: uid=heidi,$CW_STAFF_BASE
changetype: modify
replace: cwTrainingCompleted
cwTrainingCompleted: $(date -u -d '-10 days' +%Y%m%d%H%M%SZ)
EOF
    : >"$log"
    cw_start_daemon "$daemon" "$conf" "$log"
    cw_wait_answer "$ctl" "$conf" heidi sc-hosts
    until_reason yann sc-hosts ok
    until_reason heidi sc-hosts ok
    until_reason sybil sc-hosts unknown_user
    grep -q "(incremental refresh" "$log" && pass "$mode: restart resumed incrementally" ||
        fail "$mode: restart did not resume incrementally: $(grep 'in sync' "$log")"
    mirror_exact "after changes made while stopped"

    # Cookies slapd cannot use (one it would silently treat as none, one
    # it refuses), each with an orphan only Redis knows about.
    for cookie in 'rid=000,csn=garbage' \
        'rid=000,csn=20991231000000.000000Z#000000#000#000000'; do
        cw_stop_daemon
        rcli SET cw:ldap:cookie "$cookie" >/dev/null
        rcli HSET cw:staff 00000000-dead-beef-0000-000000000000 \
            "{\"dn\":\"uid=ghost,$CW_STAFF_BASE\",\"uuid\":\"00000000-dead-beef-0000-000000000000\",\"attrs\":{\"uid\":[\"ghost\"],\"cwEmploymentStatus\":[\"active\"]}}" >/dev/null
        rcli INCR cw:gen >/dev/null
        : >"$log"
        cw_start_daemon "$daemon" "$conf" "$log"
        cw_wait_answer "$ctl" "$conf" yann sc-hosts
        mirror_exact "after cookie '$cookie'"
        until_reason ghost sc-hosts unknown_user
        grep -qE "cookie is malformed|cannot resume from the stored cookie" "$log" &&
            pass "$mode: cookie '$cookie': full refresh logged" ||
            fail "$mode: cookie '$cookie': no full-refresh log line"
    done
    cw_stop_daemon
    stop_rig
done

# --------------------------------------------- slapd restarted mid-refresh
mode=restart
start_rig restart
python3 "$top/bench/gen-directory.py" 20000 --seed 7 >"$work/bulk.ldif"
bash "$here/../rig/rig.sh" bulkload "$rig" "$work/bulk.ldif" >/dev/null 2>&1 ||
    fail "bulkload"
cw_start_daemon "$daemon" "$conf" "$log"
sleep 0.4
bash "$here/../rig/rig.sh" restart-slapd "$rig" >/dev/null 2>&1
grep -q "ldap: sync with .*\|ldap: .*Can't contact\|ended" "$log" &&
    pass "restart: the interrupted refresh was noticed" || pass "restart: (refresh finished before the restart)"
mirror_exact "after slapd restarted mid-refresh" 300
until_reason alice sc-hosts ok
stop_rig

# ------------------------------------- URI failover, SASL EXTERNAL over ldapi
mode=connect
start_rig connect
dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s|^uri = .*|uri = ldap://127.0.0.1:$dead_port/ $CW_LDAP_URI|" "$conf"
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts 15 && until_reason alice sc-hosts ok
grep -q "in sync with 127.0.0.1:$CW_LDAP_PORT " "$log" && pass "connect: failed over to the second URI" ||
    fail "connect: no failover: $(grep 'ldap' "$log" | tail -2)"
cw_stop_daemon
rcli FLUSHALL >/dev/null
cw_write_config "$conf" "$rig/run/clearwayd.sock"
sed -i -e "s|^uri = .*|uri = $CW_LDAP_LDAPI_URI|" -e '/^bind_dn = /d' \
    -e '/^bind_password_file = /d' -e 's|^\[ldap\]|[ldap]\nsasl_external = yes|' "$conf"
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts 15 && until_reason alice sc-hosts ok
mirror_exact "SASL EXTERNAL over ldapi"
stop_rig

# ---------------------------------------------------------------------- TLS
mode=tls
start_rig tls --tls
tls_case() {  # name, uri, ca, starttls, expect (ok|refused)
    local name=$1 uri=$2 ca=$3 starttls=$4 expect=$5
    cw_stop_daemon
    rcli FLUSHALL >/dev/null
    cw_write_config "$conf" "$rig/run/clearwayd.sock"
    sed -i "s|^uri = .*|uri = $uri|" "$conf"
    sed -i "s|^\[ldap\]|[ldap]\nca_file = $ca\nstarttls = $starttls|" "$conf"
    : >"$log"
    cw_start_daemon "$daemon" "$conf" "$log"
    if [[ $expect == ok ]]; then
        cw_wait_answer "$ctl" "$conf" alice sc-hosts 15 && until_reason alice sc-hosts ok
    else
        sleep 2
        expect_exit 3 "tls: $name: refused, no data, unavailable" "$ctl" -c "$conf" check alice --host-class sc-hosts
        if grep -q "ldap: bind .*with TLS: does the server's certificate verify" "$log"; then
            pass "tls: $name: refusal logged with a TLS hint"
        else
            fail "tls: $name: no TLS error logged: $(tail -2 "$log")"
        fi
    fi
}
tls_case "ldaps, test CA" "$CW_LDAPS_URI" "$CW_TLS_CA" no ok
tls_case "StartTLS, test CA" "$CW_LDAP_STARTTLS_URI" "$CW_TLS_CA" yes ok
tls_case "ldaps, wrong host name" "$CW_LDAPS_WRONG_HOST_URI" "$CW_TLS_CA" no refused
tls_case "ldaps, unknown CA" "$CW_LDAPS_URI" "$CW_TLS_OTHER_CA" no refused
stop_rig

finish
