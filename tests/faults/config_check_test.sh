#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 10 item 10: clearwayd -t must check the secret files the
# configuration names the way the daemon will read them (contract section
# 6: they exist, are owned by root and are not readable by others), not
# pass with a missing bind_password_file.
#   config_check_test.sh CLEARWAYD
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-cfgcheck.XXXXXX)
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT
export CW_LAST_OUT=$work/last.out
secret() { printf 'pw\n' >"$1"; chmod 0600 "$1"; }
secret "$work/ldap.pw"
secret "$work/redis.pw"
mkdir -m 0700 "$work/keys"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/keys/k1.key"
chmod 0600 "$work/keys/k1.key"
conf() {  # ldap_pw redis_pw key_dir [writer]
    {
        echo "[ldap]"
        echo "uri = ldap://127.0.0.1:1/"
        echo "allow_plaintext = yes"
        echo "staff_base = ou=people,dc=x"
        echo "hostclass_base = ou=hc,dc=x"
        echo "role_base = ou=roles,dc=x"
        echo "bind_dn = cn=admin,dc=x"
        echo "bind_password_file = $1"
        echo "[redis]"
        echo "socket = $work/redis.sock"
        echo "password_file = $2"
        echo "[audit]"
        echo "spool_dir = $work/spool"
        echo "directory = $work/trail"
        echo "key_dir = $3"
        echo "key_id = k1"
        echo "writer = ${4:-yes}"
        echo "[daemon]"
        echo "socket = $work/clearwayd.sock"
        echo "state_dir = $work/state"
    } >"$work/c.conf"
    chmod 0644 "$work/c.conf"
}
says() { grep -q -- "$1" "$CW_LAST_OUT" && pass "  ... naming $1" || { fail "  ... the error does not name $1"; sed 's/^/      /' "$CW_LAST_OUT"; }; }

conf "$work/ldap.pw" "$work/redis.pw" "$work/keys"
expect_exit 0 "every secret in place: -t passes" "$daemon" -t -c "$work/c.conf"

conf "$work/missing.pw" "$work/redis.pw" "$work/keys"
expect_exit 1 "missing bind_password_file: -t fails" "$daemon" -t -c "$work/c.conf"
says bind_password_file

cp -p "$work/ldap.pw" "$work/open.pw"; chmod 0644 "$work/open.pw"
conf "$work/open.pw" "$work/redis.pw" "$work/keys"
expect_exit 1 "bind password readable by others: -t fails" "$daemon" -t -c "$work/c.conf"
says "too open"

cp -p "$work/ldap.pw" "$work/theirs.pw"; chown nobody "$work/theirs.pw"
conf "$work/theirs.pw" "$work/redis.pw" "$work/keys"
expect_exit 1 "bind password not owned by root: -t fails" "$daemon" -t -c "$work/c.conf"
says "owned by root"

conf "$work/ldap.pw" "$work/missing.pw" "$work/keys"
expect_exit 1 "missing [redis] password_file: -t fails" "$daemon" -t -c "$work/c.conf"
says password_file

conf "$work/ldap.pw" "$work/redis.pw" "$work/nokeys"
expect_exit 1 "missing audit key_dir on the writer: -t fails" "$daemon" -t -c "$work/c.conf"
says key_dir
chmod 0705 "$work/keys"
conf "$work/ldap.pw" "$work/redis.pw" "$work/keys"
expect_exit 1 "audit key_dir open to others: -t fails" "$daemon" -t -c "$work/c.conf"
says key_dir
chmod 0700 "$work/keys"
chmod 0640 "$work/keys/k1.key"
expect_exit 1 "audit key readable by its group: -t fails" "$daemon" -t -c "$work/c.conf"
chmod 0600 "$work/keys/k1.key"
expect_exit 0 "fixed again: -t passes" "$daemon" -t -c "$work/c.conf"
finish
