#!/bin/bash
# SPDX-License-Identifier: MIT
# Print sample Clearway data as LDIF (base dc=clearway,dc=test), one staff
# member per logon rule, with dates relative to now so that "expired
# yesterday" stays true whenever the tests run.
#
#   tests/data/gen-sample.sh > sample.ldif
#   CW_SAMPLE_NOW='2026-11-23 09:00:00 UTC' tests/data/gen-sample.sh   # fixed clock
#
# Every staff entry is the "good" baseline (active, all checks passed a year
# ago, SC until two years from now, trained 30 days ago) changed by a few
# overrides, so each user differs from a passing one in exactly the way
# named next to it below.  All passwords are "secret".
set -euo pipefail

base='dc=clearway,dc=test'
now=$(date -u -d "${CW_SAMPLE_NOW:-now}" +%s)

# GeneralizedTime DAYS from now (negative = in the past).  Whole days of
# seconds rather than calendar arithmetic: exact enough, and immune to
# date(1) reading "+2 years" after a zone name as a UTC offset.
gt() {
    date -u -d "@$((now + $1 * 86400))" +%Y%m%d%H%M%SZ
}

role() {  # NAME REQUIRED_CLEARANCE [MAX_ELEVATION_SECONDS]
    cat <<EOF
dn: cn=$1,ou=roles,$base
objectClass: cwRoleDef
cn: $1
description: sample role $1
cwRequiredClearance: $2
EOF
    if [[ -n ${3:-} ]]; then
        echo "cwMaxElevation: $3"
        echo "cwPrivileged: TRUE"
    fi
    echo
}

hostclass() {  # NAME REQUIRED_CLEARANCE LOGIN_ROLES ADMIN_ROLES (space-separated)
    local r
    cat <<EOF
dn: cn=$1,ou=hostclasses,$base
objectClass: cwHostClass
cn: $1
description: sample host class $1
cwRequiredClearance: $2
EOF
    for r in $3; do echo "cwLoginRole: $r"; done
    for r in $4; do echo "cwAdminRole: $r"; done
    echo
}

# The order in which staff attributes are written.
staff_attrs=(cwEmploymentStatus cwLeavingDate cwIdentityCheck cwCriminalRecordCheck
             cwRightToWorkCheck cwRightToWorkExpiry cwClearance cwClearanceExpiry
             cwTrainingCompleted cwRole)

# staff UID [ATTR=VALUE ...] [-ATTR ...]
# Starts from the baseline; ATTR=VALUE sets (cwRole=a,b gives two roles),
# -ATTR removes.
staff() {
    local uid=$1 arg a v
    shift
    local -A rec=(
        [cwEmploymentStatus]=active
        [cwIdentityCheck]=$(gt -365)
        [cwCriminalRecordCheck]=$(gt -365)
        [cwRightToWorkCheck]=$(gt -365)
        [cwClearance]=SC
        [cwClearanceExpiry]=$(gt 730)
        [cwTrainingCompleted]=$(gt -30)
    )
    for arg; do
        case $arg in
            -*) unset "rec[${arg#-}]" ;;
            *=*) rec[${arg%%=*}]=${arg#*=} ;;
            *) echo "gen-sample: bad override '$arg' for $uid" >&2; exit 1 ;;
        esac
    done
    cat <<EOF
dn: uid=$uid,ou=people,$base
objectClass: inetOrgPerson
objectClass: cwStaff
uid: $uid
cn: $uid
sn: ${uid^}
userPassword: secret
EOF
    for a in "${staff_attrs[@]}"; do
        [[ -n ${rec[$a]+set} ]] || continue
        if [[ $a == cwRole ]]; then
            IFS=, read -ra v <<<"${rec[$a]}"
            printf 'cwRole: %s\n' "${v[@]}"
        else
            echo "$a: ${rec[$a]}"
        fi
    done
    echo
}

yesterday=$(gt -1)

echo "# Clearway sample data, generated $(date -u -d "@$now" +%FT%TZ) by tests/data/gen-sample.sh"
echo

role ops       SC
role dev       BPSS
role ops-admin SC 14400
role dba-admin DV 14400

hostclass sc-hosts   SC   "ops dev" "ops-admin"
hostclass open-hosts BPSS "dev"     "ops-admin"

staff alice   cwRole=ops                                  # allowed: the baseline
staff bob     cwRole=dev cwClearance=BPSS                 # clearance_insufficient on sc-hosts; ok on open-hosts
staff carol   cwRole=ops cwEmploymentStatus=leaver        # not_active
staff dave    cwRole=ops cwLeavingDate="$yesterday"       # left
staff erin    cwRole=ops -cwCriminalRecordCheck           # checks_incomplete
staff frank   cwRole=ops cwRightToWorkExpiry="$yesterday" # right_to_work_expired
staff grace   cwRole=ops cwClearanceExpiry="$yesterday"   # clearance_expired
staff heidi   cwRole=ops cwTrainingCompleted="$(gt -400)" # training_expired
staff ivan    cwRole=ops cwClearance=Secret               # record_invalid (not a level)
staff judy                                                # no_role
staff sybil   cwRole=ops cwEmploymentStatus=suspended     # not_active
staff mallory cwRole=ops                                  # tests revoke her
staff oscar   cwRole=ops                                  # tests elevate him to ops-admin
staff peggy   cwRole=ops cwTrainingCompleted="$(gt -350)" # allowed; training expires in 15 days
staff victor  cwRole=ops cwClearance=DV                   # allowed; may hold dba-admin
# People with duties ([policy] hr_role, approver_role, auditor_role):
staff anna    cwRole=ops,approver                         # an approver
staff andy    cwRole=ops,approver                         # a second approver
staff harry   cwRole=ops,hr                               # HR
staff audrey  cwRole=ops,auditor                          # an auditor
staff paul    cwRole=approver cwTrainingCompleted="$(gt -400)" # approver whose own training lapsed
