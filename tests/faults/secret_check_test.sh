#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 13: clearwayd -t checks every file the configuration names as the
# daemon will use it, and a secret open to others stops the START too
# (before, a too-open LDAP password file only turned the sync off), with
# a message naming the key, the file and the fix.  No servers needed: the
# checks come before any connection.
#   secret_check_test.sh CLEARWAYD
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1
. "$here/../lib/tap.sh"
. "$here/lib_tls.sh"

work=$(mktemp -d /tmp/cw-secrets.XXXXXX)
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT
cw_tls_make_ca "$work/tls" || exit 1
secret() { printf 'pw\n' >"$1"; chmod 0600 "$1"; }
secret "$work/ldap.pw"
secret "$work/redis.pw"
mkdir -m 0755 "$work/run"
# conf [extra lines]: a complete configuration (plain LDAP to loopback).
conf() {
    {
        printf '[ldap]\nuri = ldap://127.0.0.1:1/\nallow_plaintext = yes\n'
        printf 'staff_base = ou=p,dc=x\nhostclass_base = ou=h,dc=x\nrole_base = ou=r,dc=x\n'
        printf 'bind_dn = cn=admin,dc=x\nbind_password_file = %s\n' "$work/ldap.pw"
        printf '[redis]\nuri = rediss://localhost:1\nca_file = %s\n' "$work/tls/ca.pem"
        printf 'cert_file = %s\nkey_file = %s\n' "$work/tls/client.pem" "$work/tls/client.key"
        printf 'user = host1\npassword_file = %s\n' "$work/redis.pw"
        printf '[daemon]\nsocket = %s/run/clearwayd.sock\nstate_dir = %s/state\n' "$work" "$work"
        printf '[audit]\nspool_dir = %s/spool\nmetrics_file =\n' "$work"
        local l
        for l in "$@"; do echo "$l"; done
    } >"$work/c.conf"
    chmod 0644 "$work/c.conf"
}
# refused NAME PATTERN [start]: -t fails saying PATTERN; with "start",
# a start fails the same way.
refused() {
    local rc=0
    "$daemon" -t -c "$work/c.conf" >"$work/out" 2>&1 || rc=$?
    if ((rc == 1)) && grep -E -- "$2" "$work/out" >/dev/null; then
        pass "$1: -t refuses"
        echo "#   $(head -n 1 "$work/out" | cut -c1-250)"
    else
        fail "$1: -t rc $rc: $(cat "$work/out")"
    fi
    [[ ${3:-} == start ]] || return 0
    rc=0
    timeout 20 "$daemon" -f -c "$work/c.conf" >"$work/out" 2>&1 || rc=$?
    ((rc == 1)) && grep -E -- "$2" "$work/out" >/dev/null &&
        pass "$1: the start stops too" || fail "$1: start rc $rc: $(tail -n 3 "$work/out")"
}

conf
expect_exit 0 "every file in place: -t passes" "$daemon" -t -c "$work/c.conf"

for f in ldap.pw redis.pw; do
    chmod 0644 "$work/$f"
    key=$([[ $f == ldap.pw ]] && echo '\[ldap\] bind_password_file' || echo '\[redis\] password_file')
    refused "$f readable by others" "$key: $work/$f: mode 0644 is too open.*fix: chown root:root $work/$f && chmod 0600 $work/$f" start
    chmod 0600 "$work/$f"
done
chmod 0640 "$work/tls/client.key"
refused "TLS key readable by its group" "\[redis\] key_file $work/tls/client.key: mode 0640 is too open.*fix: chown root:root .*client.key && chmod 0600" start
chmod 0600 "$work/tls/client.key"
chown nobody "$work/redis.pw"
refused "redis password owned by nobody" "\[redis\] password_file: $work/redis.pw: must be owned by root.*fix" start
chown root "$work/redis.pw"

echo "not a certificate" >"$work/bad-ca.pem"
conf
sed -i "s|^\[ldap\]|[ldap]\nca_file = $work/bad-ca.pem|" "$work/c.conf"
refused "[ldap] ca_file without a certificate" "\[ldap\] ca_file $work/bad-ca.pem: no PEM certificate"
conf
sed -i "s|^ca_file = $work/tls/ca.pem|ca_file = $work/bad-ca.pem|" "$work/c.conf"
refused "[redis] ca_file without a certificate" "\[redis\] ca_file $work/bad-ca.pem"
echo '{"england-and-wales": ' >"$work/holidays.json"
conf "[policy]" "bank_holidays_file = $work/holidays.json"
refused "bank holidays file that does not parse" "\[policy\] bank_holidays_file: .*holidays.json"
chmod 0777 "$work/run"
conf
refused "socket directory writable by others" "\[daemon\] socket's directory $work/run: must be a directory owned by root and writable by no one else"
chmod 0755 "$work/run"
conf
expect_exit 0 "all fixed: -t passes" "$daemon" -t -c "$work/c.conf"
finish
