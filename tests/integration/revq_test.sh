#!/bin/bash
# SPDX-License-Identifier: MIT
# revq_test.sh - the revocation queue's building blocks (test_revq.c)
# against a throwaway rig (real slapd with ppolicy, real redis-server with
# AOF appendfsync always) and a real throwaway local account for the
# session step.  Everything is torn down whatever happens.
#   revq_test.sh TEST_REVQ [PART]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:?usage: revq_test.sh TEST_REVQ [PART]}
part=${2:-}
rigsh=$here/../rig/rig.sh
session_user=cwtsess

work=$(mktemp -d /tmp/cw-revq.XXXXXX)
rig=$work/rig
created_user=
cleanup() {
    bash "$rigsh" stop "$rig" >/dev/null 2>&1
    if [[ -n $created_user ]]; then
        pkill -KILL -u "$created_user" >/dev/null 2>&1
        userdel "$created_user" >/dev/null 2>&1
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! id "$session_user" >/dev/null 2>&1; then
    useradd -M -U -s /usr/sbin/nologin "$session_user" || exit 1
    created_user=$session_user
fi

if ! bash "$rigsh" start "$rig" >"$work/rig.log" 2>&1; then
    cat "$work/rig.log" >&2
    exit 1
fi
set -a
. "$rig/env"
set +a

# Two staff members with roles, and the three kinds of group the role
# step meets: groupOfNames with a placeholder, posixGroup, and a
# groupOfNames whose only member is rqone.
b=$CW_LDAP_BASE
bash "$rigsh" load "$rig" - >/dev/null <<LDIF || exit 1
dn: ou=groups,$b
objectClass: organizationalUnit
ou: groups

dn: uid=rqone,ou=people,$b
objectClass: inetOrgPerson
objectClass: cwStaff
uid: rqone
cn: rqone
sn: One
userPassword: secret
cwRole: ops
cwRole: dev
cwRole: approver

dn: uid=rqtwo,ou=people,$b
objectClass: inetOrgPerson
objectClass: cwStaff
uid: rqtwo
cn: rqtwo
sn: Two
userPassword: secret
cwRole: ops

dn: cn=ops-team,ou=groups,$b
objectClass: groupOfNames
cn: ops-team
member: cn=admin,$b
member: uid=rqone,ou=people,$b
member: uid=rqtwo,ou=people,$b

dn: cn=posix-ops,ou=groups,$b
objectClass: posixGroup
cn: posix-ops
gidNumber: 5000
memberUid: rqone
memberUid: rqtwo

dn: cn=solo,ou=groups,$b
objectClass: groupOfNames
cn: solo
member: uid=rqone,ou=people,$b
LDIF

rc=0
CW_RIG=$rigsh CW_TEST_DIR=$work CW_TEST_SESSION_USER=$session_user \
    "$bin" $part || rc=$?
if [[ $rc -ne 0 ]]; then
    echo "--- redis log (tail)" >&2
    tail -n 15 "$rig/redis.log" >&2 || true
fi
exit "$rc"
