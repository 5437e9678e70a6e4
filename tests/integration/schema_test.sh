#!/bin/bash
# SPDX-License-Identifier: MIT
# The Clearway schema in a real slapd, in both shipped forms:
#   1. schema/clearway.ldif is exactly what scripts/schema2ldif.sh makes of
#      schema/clearway.schema (the two can never drift);
#   2. the slapd.conf "include" form, through the test rig: the sample data
#      loads, and equality, ordering, SINGLE-VALUE and syntax rules behave
#      as the contract needs (the daemon builds its filters on them);
#   3. the cn=config form, both built offline with slapadd (as a packager
#      or a fresh install would) and added online with
#      "ldapadd -Y EXTERNAL -H ldapi://" (as the README tells an admin).
# Servers are always torn down.  Set CW_KEEP_TEST_DIR=1 to keep the files.
set -euo pipefail

PATH=$PATH:/usr/sbin:/sbin
export LDAPNOINIT=1   # no ~/.ldaprc or /etc/ldap/ldap.conf in the way

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
rig=$root/tests/rig/rig.sh
base='dc=clearway,dc=test'
admin_dn="cn=admin,$base"

# Short path: slapd and redis put unix sockets in here (108-byte limit).
work=$(mktemp -d /tmp/cw-schema.XXXXXX)
cfg_pids=()

cleanup() {
    local pid i
    bash "$rig" stop "$work/rig" || true
    for pid in "${cfg_pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || continue
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [[ -n ${CW_KEEP_TEST_DIR:-} ]]; then
        echo "# kept $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    [[ -z ${2:-} ]] || printf '#   %s\n' "${2//$'\n'/$'\n'#   }"
}
# expect NAME EXPECTED ACTUAL
expect() {
    if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1" "expected: [$2]"$'\n'"got:      [$3]"; fi
}
# A fatal step: nothing after it can mean anything without it.
must() {
    local what=$1
    shift
    if ! "$@"; then
        not_ok "$what"
        echo "$passed passed, $failed failed"
        exit 1
    fi
    ok "$what"
}

gt() { date -u -d "@$(($(date +%s) + $1 * 86400))" +%Y%m%d%H%M%SZ; }

# ------------------------------------------------------------ 1. no drift

if diff_out=$(diff -u "$root/schema/clearway.ldif" <(bash "$root/scripts/schema2ldif.sh") 2>&1); then
    ok "schema/clearway.ldif is the output of scripts/schema2ldif.sh"
else
    not_ok "schema/clearway.ldif is the output of scripts/schema2ldif.sh (regenerate it)" "$diff_out"
fi

# --------------------------------------------- 2. include form, via the rig

must "rig starts with schema/clearway.schema included" \
    env CW_RIG_SCHEMA="$root/schema/clearway.schema" bash "$rig" start "$work/rig"
# shellcheck disable=SC1091
. "$work/rig/env"
load_sample() {
    bash "$root/tests/data/gen-sample.sh" | bash "$rig" load "$work/rig" - >/dev/null
}
must "sample data loads" load_sample

auth=(-x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE")

# Sorted values of ATTR of the entries under SEARCHBASE matching FILTER,
# space-separated.
values() {
    local searchbase=$1 filter=$2 attr=$3
    ldapsearch "${auth[@]}" -LLL -o ldif-wrap=no -b "$searchbase" "$filter" "$attr" |
        sed -n "s/^$attr: //p" | sort | tr '\n' ' ' | sed 's/ $//'
}
uids() { values "$CW_STAFF_BASE" "$1" uid; }

# ldapmodify's exit code is the LDAP result code.
modify_rc() {
    local rc=0
    ldapmodify "${auth[@]}" >/dev/null 2>&1 || rc=$?
    echo "$rc"
}
add_rc() {
    local rc=0
    ldapadd "${auth[@]}" >/dev/null 2>&1 || rc=$?
    echo "$rc"
}

expect "alice has cwClearance SC" "SC" \
    "$(values "uid=alice,$CW_STAFF_BASE" '(objectClass=*)' cwClearance)"
expect "20 cwStaff entries" 20 \
    "$(ldapsearch "${auth[@]}" -LLL -b "$CW_STAFF_BASE" '(objectClass=cwStaff)' 1.1 | grep -c '^dn:')"
expect "host classes are cwHostClass" "open-hosts sc-hosts" \
    "$(values "$CW_HOSTCLASS_BASE" '(objectClass=cwHostClass)' cn)"
expect "roles are cwRoleDef" "dba-admin dev ops ops-admin" \
    "$(values "$CW_ROLE_BASE" '(objectClass=cwRoleDef)' cn)"

# caseExactMatch: a value in the wrong case is not a clearance.
expect "cwClearance equality is case-exact" "" "$(uids '(cwClearance=sc)')"
expect "cwClearance=Secret finds ivan only" "ivan" "$(uids '(cwClearance=Secret)')"
expect "cwEmploymentStatus equality" "carol" "$(uids '(cwEmploymentStatus=leaver)')"

# generalizedTimeOrderingMatch: the range filters the daemon relies on.
cut=$(gt -60)
expect "(cwTrainingCompleted>=60 days ago) excludes heidi, peggy and paul" \
    "alice andy anna audrey bob carol dave erin frank grace harry ivan judy mallory oscar sybil victor" \
    "$(uids "(cwTrainingCompleted>=$cut)")"
expect "(cwTrainingCompleted<=60 days ago) is heidi, paul and peggy" "heidi paul peggy" \
    "$(uids "(cwTrainingCompleted<=$cut)")"
now=$(gt 0)
expect "(cwLeavingDate<=now)" "dave" "$(uids "(cwLeavingDate<=$now)")"
expect "(cwRightToWorkExpiry<=now)" "frank" "$(uids "(cwRightToWorkExpiry<=$now)")"
expect "(cwClearanceExpiry<=now)" "grace" "$(uids "(cwClearanceExpiry<=$now)")"
expect "absent cwCriminalRecordCheck" "erin" \
    "$(uids '(&(objectClass=cwStaff)(!(cwCriminalRecordCheck=*)))')"
expect "absent cwRole" "judy" "$(uids '(&(objectClass=cwStaff)(!(cwRole=*)))')"

# Role and host class attributes: multi-valued, substrings, integer, boolean.
expect "cwLoginRole equality, multi-valued" "open-hosts sc-hosts" \
    "$(values "$CW_HOSTCLASS_BASE" '(cwLoginRole=dev)' cn)"
expect "cwLoginRole substrings" "sc-hosts" \
    "$(values "$CW_HOSTCLASS_BASE" '(cwLoginRole=op*)' cn)"
expect "cwAdminRole equality" "open-hosts sc-hosts" \
    "$(values "$CW_HOSTCLASS_BASE" '(cwAdminRole=ops-admin)' cn)"
expect "cwRole substrings" "bob" "$(uids '(cwRole=*ev)')"
expect "cwMaxElevation integer ordering" "dba-admin ops-admin" \
    "$(values "$CW_ROLE_BASE" '(cwMaxElevation>=3600)' cn)"
expect "cwMaxElevation is compared as a number" "" \
    "$(values "$CW_ROLE_BASE" '(cwMaxElevation>=100000)' cn)"
expect "cwPrivileged boolean" "dba-admin ops-admin" \
    "$(values "$CW_ROLE_BASE" '(cwPrivileged=TRUE)' cn)"
expect "cwRequiredClearance equality" "dba-admin" \
    "$(values "$CW_ROLE_BASE" '(cwRequiredClearance=DV)' cn)"

# SINGLE-VALUE is enforced: 19 = constraintViolation.
alice="uid=alice,$CW_STAFF_BASE"
expect "a second cwClearance is refused" 19 "$(modify_rc <<EOF
dn: $alice
changetype: modify
add: cwClearance
cwClearance: DV
EOF
)"
expect "a second cwTrainingCompleted is refused" 19 "$(modify_rc <<EOF
dn: $alice
changetype: modify
add: cwTrainingCompleted
cwTrainingCompleted: $(gt -1)
EOF
)"
expect "a second cwRequiredClearance is refused" 19 "$(modify_rc <<EOF
dn: cn=sc-hosts,$CW_HOSTCLASS_BASE
changetype: modify
add: cwRequiredClearance
cwRequiredClearance: DV
EOF
)"
expect "replacing cwClearance works" 0 "$(modify_rc <<EOF
dn: $alice
changetype: modify
replace: cwClearance
cwClearance: eSC
EOF
)"
expect "a second cwRole is accepted" 0 "$(modify_rc <<EOF
dn: $alice
changetype: modify
add: cwRole
cwRole: dev
EOF
)"

# Syntax: 21 = invalidAttributeSyntax.
expect "cwLeavingDate must be a GeneralizedTime" 21 "$(modify_rc <<EOF
dn: $alice
changetype: modify
replace: cwLeavingDate
cwLeavingDate: tomorrow
EOF
)"
expect "cwMaxElevation must be an integer" 21 "$(modify_rc <<EOF
dn: cn=ops-admin,$CW_ROLE_BASE
changetype: modify
replace: cwMaxElevation
cwMaxElevation: 4h
EOF
)"
expect "cwPrivileged must be a BOOLEAN" 21 "$(modify_rc <<EOF
dn: cn=ops-admin,$CW_ROLE_BASE
changetype: modify
replace: cwPrivileged
cwPrivileged: yes
EOF
)"

# Object class kinds: 65 = objectClassViolation.
expect "cwStaff is AUXILIARY (cannot stand alone)" 65 "$(add_rc <<EOF
dn: uid=nobody,$CW_STAFF_BASE
objectClass: cwStaff
uid: nobody
EOF
)"
expect "cwHostClass MUST have cn" 65 "$(add_rc <<EOF
dn: description=nameless,$CW_HOSTCLASS_BASE
objectClass: cwHostClass
description: nameless
EOF
)"
expect "cwRoleDef may not carry cwLoginRole" 65 "$(add_rc <<EOF
dn: cn=odd,$CW_ROLE_BASE
objectClass: cwRoleDef
cn: odd
cwLoginRole: ops
EOF
)"

bash "$rig" stop "$work/rig"

# ------------------------------------------------------ 3. cn=config forms

free_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + RANDOM % 12000))
        [[ -z $(ss -Hltn "sport = :$p" 2>/dev/null) ]] && { echo "$p"; return 0; }
    done
    return 1
}

urlenc() {
    local LC_ALL=C s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [A-Za-z0-9._~-]) out+=$c ;;
            *) printf -v c '%%%02X' "'$c"; out+=$c ;;
        esac
    done
    printf '%s' "$out"
}

# init_ldif DIR WITH_CLEARWAY: a minimal cn=config like Debian's postinst
# builds, where whoever runs the test manages cn=config over ldapi.
init_ldif() {
    local d=$1 with_clearway=$2 hash
    hash=$(slappasswd -h '{SSHA}' -T "$d/admin.pw")
    cat <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $d/slapd.pid
olcArgsFile: $d/slapd.args

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

EOF
    if [[ $with_clearway == yes ]]; then
        printf 'include: file://%s\n\n' "$root/schema/clearway.ldif"
    fi
    cat <<EOF
dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=gidNumber=$(id -g)+uidNumber=$(id -u),cn=peercred,cn=external,cn=auth manage by * break

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $base
olcRootDN: $admin_dn
olcRootPW: $hash
olcDbDirectory: $d/data
olcDbMaxSize: 104857600
EOF
}

base_ldif() {
    local ou
    printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: clearway\no: Clearway\n\n' "$base"
    for ou in people hostclasses roles; do
        printf 'dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$ou" "$base" "$ou"
    done
}

# cn_config_case SUBDIR NAME WITH_CLEARWAY_IN_INIT
cn_config_case() {
    local d=$work/$1 name=$2 with=$3 port ldap ldapi pid i out
    mkdir -p "$d/slapd.d" "$d/data"
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=\n' >"$d/admin.pw")
    init_ldif "$d" "$with" >"$d/init.ldif"
    if ! out=$(slapadd -n 0 -F "$d/slapd.d" -l "$d/init.ldif" 2>&1); then
        not_ok "$name: slapadd -n 0 builds cn=config" "$out"
        return
    fi
    ok "$name: slapadd -n 0 builds cn=config"

    port=$(free_port)
    ldap="ldap://127.0.0.1:$port/"
    ldapi="ldapi://$(urlenc "$d/ldapi")/"
    slapd -F "$d/slapd.d" -h "$ldap $ldapi" -d 0 </dev/null >"$d/slapd.log" 2>&1 &
    pid=$!
    cfg_pids+=("$pid")
    for ((i = 0; i < 200; i++)); do
        ldapsearch -x -H "$ldapi" -o nettimeout=2 -b '' -s base 1.1 >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if ! ldapsearch -x -H "$ldapi" -o nettimeout=2 -b '' -s base 1.1 >/dev/null 2>&1; then
        not_ok "$name: slapd -F starts" "$(tail -n 20 "$d/slapd.log")"
        return
    fi
    ok "$name: slapd -F starts"

    if [[ $with != yes ]]; then
        # The documented way to install the schema on a running server.
        if out=$(ldapadd -Q -Y EXTERNAL -H "$ldapi" -f "$root/schema/clearway.ldif" 2>&1); then
            ok "$name: ldapadd -Y EXTERNAL -H ldapi:// -f schema/clearway.ldif"
        else
            not_ok "$name: ldapadd -Y EXTERNAL -H ldapi:// -f schema/clearway.ldif" "$out"
            return
        fi
    fi
    expect "$name: schema entry in cn=config" "{3}clearway" \
        "$(ldapsearch -Q -Y EXTERNAL -H "$ldapi" -LLL -b cn=schema,cn=config \
            '(cn={*}clearway)' cn | sed -n 's/^cn: //p')"

    local a=(-x -H "$ldap" -D "$admin_dn" -y "$d/admin.pw")
    if out=$({ base_ldif; bash "$root/tests/data/gen-sample.sh"; } | ldapadd "${a[@]}" 2>&1); then
        ok "$name: inetOrgPerson+cwStaff, cwHostClass and cwRoleDef entries add"
    else
        not_ok "$name: inetOrgPerson+cwStaff, cwHostClass and cwRoleDef entries add" "$out"
        return
    fi
    expect "$name: ordering filter" "heidi paul peggy" \
        "$(ldapsearch "${a[@]}" -LLL -b "ou=people,$base" "(cwTrainingCompleted<=$(gt -60))" uid |
            sed -n 's/^uid: //p' | sort | tr '\n' ' ' | sed 's/ $//')"
    expect "$name: host class and role" "cn=ops-admin,ou=roles,$base cn=sc-hosts,ou=hostclasses,$base" \
        "$(ldapsearch "${a[@]}" -LLL -o ldif-wrap=no -b "$base" \
            '(|(&(objectClass=cwHostClass)(cwAdminRole=ops-admin)(cwLoginRole=ops))(&(objectClass=cwRoleDef)(cwPrivileged=TRUE)(cwRequiredClearance=SC)))' 1.1 |
            sed -n 's/^dn: //p' | sort | tr '\n' ' ' | sed 's/ $//')"
}

cn_config_case offline "cn=config built by slapadd with clearway.ldif" yes
cn_config_case online "cn=config with clearway.ldif added online" no

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
