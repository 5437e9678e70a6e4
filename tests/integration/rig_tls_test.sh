#!/bin/bash
# SPDX-License-Identifier: MIT
# The test rig's own modes that the LDAP sync tests and benchmarks build on:
#   - rig.sh start DIR --tls --no-sessionlog: ldaps:// and StartTLS with a
#     throwaway CA; a good certificate is accepted, a host name mismatch
#     and an unknown CA are refused, for the reason named;
#   - syncprov without a session log (a resume gets a present phase), while
#     a default rig keeps its session log (a resume gets the deleted UUIDs);
#   - rig.sh bulkload with bench/gen-directory.py output: every entry is
#     there, with entryUUID, and a sync cookie from before the load sees
#     them all; slapd comes back on the same ports, TLS included;
#   - rig.sh restart-slapd keeps ports and data.
# Servers are always torn down.  Set CW_KEEP_TEST_DIR=1 to keep the files.
set -euo pipefail

PATH=$PATH:/usr/sbin:/sbin
export LDAPNOINIT=1   # plain LDAP calls: no ~/.ldaprc or /etc/ldap/ldap.conf

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
rig=$root/tests/rig/rig.sh
# shellcheck disable=SC1091
. "$root/tests/lib/tap.sh"

# Short path: slapd and redis put unix sockets in here (108-byte limit).
work=$(mktemp -d /tmp/cw-rigtls.XXXXXX)
cleanup() {
    bash "$rig" stop "$work/tls" >/dev/null 2>&1 || true
    bash "$rig" stop "$work/plain" >/dev/null 2>&1 || true
    if [[ -n ${CW_KEEP_TEST_DIR:-} ]]; then
        echo "# kept $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# A fatal step: nothing after it can mean anything without it.
must() {
    local what=$1
    shift
    if "$@" >"$work/must.out" 2>&1; then
        pass "$what"
    else
        fail "$what"
        sed 's/^/      /' "$work/must.out" | tail -n 20
        finish || exit 1
    fi
}

# expect NAME EXPECTED ACTUAL
expect() {
    if [[ $2 == "$3" ]]; then
        pass "$1"
    else
        fail "$1"
        echo "      expected: [$2]"
        echo "      got:      [$3]"
    fi
}

# ------------------------------------------------------------- TLS rig

t0=$EPOCHREALTIME
must "rig.sh start --tls --no-sessionlog" bash "$rig" start "$work/tls" --tls --no-sessionlog
t1=$EPOCHREALTIME
echo "# rig with TLS up in $(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.2f", b - a }') s"
# shellcheck disable=SC1091
. "$work/tls/env"
started_pids=("$CW_SLAPD_PID" "$CW_REDIS_PID")
auth=(-x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE")

expect "env: CW_LDAP_TLS" yes "$CW_LDAP_TLS"
expect "env: CW_LDAP_SESSIONLOG" no "$CW_LDAP_SESSIONLOG"
expect "env: CW_LDAPS_URI" "ldaps://127.0.0.1:$CW_LDAPS_PORT/" "$CW_LDAPS_URI"
expect "env: CW_LDAPS_WRONG_HOST_URI" "ldaps://localhost:$CW_LDAPS_PORT/" "$CW_LDAPS_WRONG_HOST_URI"
expect "env: CW_LDAP_STARTTLS_URI is the plain URI" "$CW_LDAP_URI" "$CW_LDAP_STARTTLS_URI"
expect "env: CW_TLS_CA" "$work/tls/tls/ca.pem" "$CW_TLS_CA"
expect "env: CW_TLS_OTHER_CA" "$work/tls/tls/other-ca.pem" "$CW_TLS_OTHER_CA"

# The certificates themselves.
cert=$work/tls/tls/server.pem
expect "server certificate names IP:127.0.0.1 and nothing else" "IP Address:127.0.0.1" \
    "$(openssl x509 -in "$cert" -noout -ext subjectAltName | sed -n '2s/^ *//p')"
if openssl verify -CAfile "$CW_TLS_CA" "$cert" >/dev/null 2>&1; then
    pass "server certificate verifies against CW_TLS_CA"
else
    fail "server certificate verifies against CW_TLS_CA"
fi
if ! openssl verify -CAfile "$CW_TLS_OTHER_CA" "$cert" >/dev/null 2>&1; then
    pass "server certificate does not verify against CW_TLS_OTHER_CA"
else
    fail "server certificate does not verify against CW_TLS_OTHER_CA"
fi
if openssl x509 -in "$cert" -noout -checkend $((2 * 86400 - 600)) >/dev/null &&
    ! openssl x509 -in "$cert" -noout -checkend $((2 * 86400 + 600)) >/dev/null; then
    pass "server certificate is valid for 2 days"
else
    fail "server certificate is valid for 2 days"
fi

# tls_search CA URI [ldapsearch args...]: a root DSE search verifying the
# server against CA.  libldap reads LDAPTLS_* only without LDAPNOINIT; HOME
# and the working directory are ours so no ldaprc joins in.  Debug output
# (-d 1, on stderr) names the reason for a refusal.
tls_search() {
    local ca=$1 uri=$2
    shift 2
    (cd "$work" && env -u LDAPNOINIT HOME="$work" LDAPTLS_CACERT="$ca" \
        LDAPTLS_REQCERT="${REQCERT:-demand}" \
        ldapsearch -x -H "$uri" -o nettimeout=5 -l 5 -b '' -s base -LLL "$@" '(objectClass=*)' 1.1)
}

# refused NAME REASON_REGEX CA URI [args]: refused, for that reason, while the
# same connection without certificate checks works (so it is the check).
refused() {
    local name=$1 why=$2 rc=0 out
    shift 2
    out=$(tls_search "$@" -d 1 2>&1) || rc=$?
    if [[ $rc -eq 0 ]]; then
        fail "$name: refused (it was accepted)"
    elif ! grep -Eiq "$why" <<<"$out"; then
        fail "$name: refused because of /$why/"
        grep -i 'tls' <<<"$out" | tail -n 5 | sed 's/^/      /'
    else
        pass "$name: refused ($(grep -Eio "($why)[^.]*" <<<"$out" | head -n 1))"
    fi
    if REQCERT=never tls_search "$@" >/dev/null 2>&1; then
        pass "$name: accepted without certificate checks"
    else
        fail "$name: accepted without certificate checks"
    fi
}

tls_cases() {
    local when=$1
    if out=$(tls_search "$CW_TLS_CA" "$CW_LDAPS_URI" 2>&1) && [[ $out == "dn:"* ]]; then
        pass "$when: ldaps://127.0.0.1 with the rig's CA works"
    else
        fail "$when: ldaps://127.0.0.1 with the rig's CA works"
        echo "      $out"
    fi
    refused "$when: ldaps://localhost (host name mismatch)" 'does not match' \
        "$CW_TLS_CA" "$CW_LDAPS_WRONG_HOST_URI"
    refused "$when: ldaps://127.0.0.1 with the unrelated CA (unknown CA)" 'untrusted|unknown|issuer' \
        "$CW_TLS_OTHER_CA" "$CW_LDAPS_URI"
    if out=$(tls_search "$CW_TLS_CA" "$CW_LDAP_STARTTLS_URI" -ZZ 2>&1) && [[ $out == "dn:"* ]]; then
        pass "$when: StartTLS (-ZZ) on the plain port with the rig's CA works"
    else
        fail "$when: StartTLS (-ZZ) on the plain port with the rig's CA works"
        echo "      $out"
    fi
    refused "$when: StartTLS (-ZZ) with the unrelated CA" 'untrusted|unknown|issuer' \
        "$CW_TLS_OTHER_CA" "$CW_LDAP_STARTTLS_URI" -ZZ
}
tls_cases "start"

# A simple bind over ldaps, as the daemon will do it.
if out=$(tls_search "$CW_TLS_CA" "$CW_LDAPS_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" 2>&1); then
    pass "simple bind as the admin over ldaps"
else
    fail "simple bind as the admin over ldaps"
    echo "      $out"
fi

# ----------------------------------------------------- bulkload (2,000)

ldif=$work/dir.ldif
must "gen-directory.py 2000" bash -c "python3 '$root/bench/gen-directory.py' 2000 --seed 3 >'$ldif'"
expect "gen-directory.py prints no container entries by default" 0 \
    "$(grep -c '^dn: \(ou=[a-z]*,\)\{0,1\}dc=clearway,dc=test$' "$ldif" || true)"

csn_before=$(ldapsearch "${auth[@]}" -LLL -b "$CW_LDAP_BASE" -s base contextCSN |
    sed -n 's/^contextCSN: //p')
pid_before=$CW_SLAPD_PID
if out=$(bash "$rig" bulkload "$work/tls" "$ldif" 2>&1); then
    pass "rig.sh bulkload: $out"
else
    fail "rig.sh bulkload"
    tail -n 20 <<<"$out" | sed 's/^/      /'
fi
# shellcheck disable=SC1091
. "$work/tls/env"
started_pids+=("$CW_SLAPD_PID")
if [[ $CW_SLAPD_PID != "$pid_before" ]]; then
    pass "bulkload restarted slapd"
else
    fail "bulkload restarted slapd"
fi
expect "bulkload reports 2,060 entries" "bulkload: 2060 entries" "$(grep -o '^bulkload: [0-9]* entries' <<<"$out")"

count() {  # BASE FILTER: entries found, as the admin (no 500 size limit)
    ldapsearch "${auth[@]}" -LLL -b "$1" "$2" 1.1 | grep -c '^dn:' || true
}
expect "2,000 cwStaff entries (admin search)" 2000 "$(count "$CW_STAFF_BASE" '(objectClass=cwStaff)')"
expect "40 cwRoleDef entries" 40 "$(count "$CW_ROLE_BASE" '(objectClass=cwRoleDef)')"
expect "20 cwHostClass entries" 20 "$(count "$CW_HOSTCLASS_BASE" '(objectClass=cwHostClass)')"
anon=$(ldapsearch -x -H "$CW_LDAP_URI" -LLL -b "$CW_STAFF_BASE" '(objectClass=cwStaff)' 1.1 2>/dev/null |
    grep -c '^dn:' || true)
expect "an anonymous search stops at the 500 size limit" 500 "$anon"
expect "loaded entries have entryUUID and entryCSN" 2 \
    "$(ldapsearch "${auth[@]}" -LLL -b "uid=s001999,$CW_STAFF_BASE" -s base entryUUID entryCSN |
        grep -Ec '^entry(UUID|CSN): ')"
expect "uid equality index works after the load" "uid=s001234,$CW_STAFF_BASE" \
    "$(ldapsearch "${auth[@]}" -LLL -b "$CW_STAFF_BASE" '(uid=s001234)' 1.1 | sed -n 's/^dn: //p')"
# slapadd -w moved contextCSN past the loaded entries: a consumer holding a
# cookie from before the load gets every one of them.
sync_out=$work/sync-after-load.out
ldapsearch "${auth[@]}" -b "$CW_STAFF_BASE" -E "sync=ro/rid=000,csn=$csn_before" 1.1 \
    >"$sync_out" 2>&1 || true
expect "a cookie from before the load sees all 2,000 loaded entries" 2000 \
    "$(grep -c '^dn: uid=s' "$sync_out" || true)"
tls_cases "after bulkload"

# ---------------------------------------- no session log: a present phase

# sessionlog_probe NAME: take a cookie, delete one entry, resume from the
# cookie.  Prints "refreshDeletes=N deleted-uuid-listed=yes|no".
sessionlog_probe() {
    local dn=$1 csn uuid out
    csn=$(ldapsearch "${auth[@]}" -LLL -b "$CW_LDAP_BASE" -s base contextCSN | sed -n 's/^contextCSN: //p')
    uuid=$(ldapsearch "${auth[@]}" -LLL -b "$dn" -s base entryUUID | sed -n 's/^entryUUID: //p')
    ldapdelete "${auth[@]}" "$dn" >/dev/null
    out=$(ldapsearch "${auth[@]}" -b "$CW_STAFF_BASE" -E "sync=ro/rid=000,csn=$csn" 1.1 2>&1) || true
    printf 'refreshDeletes=%s deleted-uuid-listed=%s' \
        "$(sed -n 's/^# SyncDone control refreshDeletes=//p' <<<"$out")" \
        "$(grep -qi "^#[[:space:]]*$uuid\$" <<<"$out" && echo yes || echo no)"
}

if grep -q '^syncprov-sessionlog' "$work/tls/slapd.conf"; then
    fail "--no-sessionlog: slapd.conf has no syncprov-sessionlog"
else
    pass "--no-sessionlog: slapd.conf has no syncprov-sessionlog"
fi
expect "--no-sessionlog: a resume after a delete is a present phase" \
    "refreshDeletes=0 deleted-uuid-listed=no" "$(sessionlog_probe "uid=s000007,$CW_STAFF_BASE")"

# The probe tells the two apart: a default rig keeps its session log.
must "rig.sh start (default options)" bash "$rig" start "$work/plain"
# shellcheck disable=SC1091
. "$work/plain/env"
started_pids+=("$CW_SLAPD_PID" "$CW_REDIS_PID")
expect "default rig: CW_LDAP_TLS=no, CW_LDAP_SESSIONLOG=yes, no CW_LDAPS_URI" "no yes 0" \
    "$CW_LDAP_TLS $CW_LDAP_SESSIONLOG $(grep -c '^CW_LDAPS_URI=' "$work/plain/env" || true)"
auth=(-x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE")
must "rig.sh load of 20 generated staff" \
    bash -c "python3 '$root/bench/gen-directory.py' 20 --seed 3 | bash '$rig' load '$work/plain' -"
expect "default rig: a resume after a delete lists the deleted entryUUID" \
    "refreshDeletes=1 deleted-uuid-listed=yes" "$(sessionlog_probe "uid=s000007,$CW_STAFF_BASE")"
bash "$rig" stop "$work/plain" >/dev/null 2>&1 || true

# Back to the TLS rig.
# shellcheck disable=SC1091
. "$work/tls/env"
auth=(-x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE")

# ------------------------------------------------------- restart-slapd

ports_before="$CW_LDAP_PORT $CW_LDAPS_PORT"
must "rig.sh restart-slapd" bash "$rig" restart-slapd "$work/tls"
# shellcheck disable=SC1091
. "$work/tls/env"
started_pids+=("$CW_SLAPD_PID")
expect "restart-slapd keeps the ports" "$ports_before" "$CW_LDAP_PORT $CW_LDAPS_PORT"
expect "restart-slapd keeps the data" 1999 "$(count "$CW_STAFF_BASE" '(objectClass=cwStaff)')"
tls_cases "after restart-slapd"

must "rig.sh stop" bash "$rig" stop "$work/tls"
left=()
for pid in "${started_pids[@]}"; do
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || continue
    [[ $state == Z || $state == X ]] || left+=("$pid")
done
expect "no server this test started is left running (of ${#started_pids[@]})" "" "${left[*]}"

finish
