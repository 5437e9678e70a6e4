#!/bin/bash
# SPDX-License-Identifier: MIT
# A narrated demo of Clearway on a throwaway slapd and redis-server: the
# README's first command.  Installs what is missing, builds, starts a rig
# with sample staff, starts clearwayd, and drives real logon checks through
# real libpam (pamtester under pam_wrapper, so /etc/pam.d is untouched).
# Everything runs in a temporary directory and is torn down at the end.
#   scripts/demo.sh
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CW_BUILD_DIR:-$top/build/release}

bash "$top/scripts/deps.sh"
echo "demo: building in $build"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCW_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

work=$(mktemp -d /tmp/clearway-demo.XXXXXX)
rig=$work/rig
daemon_pid=
cleanup() {
    [[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    bash "$top/tests/rig/rig.sh" stop "$rig" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Shows a command as it could be pasted back (quoted), then runs it.
run() { printf '$'; printf ' %q' "$@"; printf '\n'; "$@" || true; }

say "Starting a throwaway OpenLDAP (with the Clearway schema) and Redis"
bash "$top/tests/rig/start-with-sample.sh" "$rig" 2>&1 | tail -1
set -a; . "$rig/env"; set +a

mkdir -m 0755 "$work/run" "$work/pam.d"
mkdir -m 0700 "$work/keys"
(umask 077; openssl rand -hex 32 >"$work/keys/k1.key")
conf=$work/clearway.conf
cat >"$conf" <<EOF
[ldap]
uri = $CW_LDAP_URI
# The demo's throwaway slapd speaks plain LDAP on loopback only.
allow_plaintext = yes
staff_base = $CW_STAFF_BASE
hostclass_base = $CW_HOSTCLASS_BASE
role_base = $CW_ROLE_BASE
bind_dn = $CW_LDAP_ADMIN_DN
bind_password_file = $CW_LDAP_ADMIN_PW_FILE

[redis]
socket = $CW_REDIS_SOCKET

[policy]
breakglass_users = rescue

[audit]
writer = yes
directory = $work/trail
key_dir = $work/keys
spool_dir = $work/spool
metrics_file = $work/clearway.prom

[daemon]
socket = $work/run/clearwayd.sock
state_dir = $work/state
reload_interval_ms = 200
end_sessions_command = true %u
EOF
echo "account required $build/pam_module/pam_clearway.so host_class=sc-hosts config=$conf" \
    >"$work/pam.d/sshd-sc"

say "Starting clearwayd: it mirrors the directory into Redis and answers PAM"
"$build/daemon/clearwayd" -f -c "$conf" 2>"$work/clearwayd.log" &
daemon_pid=$!
for _ in $(seq 50); do
    "$build/cli/clearwayctl" -c "$conf" check alice --host-class sc-hosts \
        >/dev/null 2>&1 && break
    sleep 0.2
done
sed 's/^/    /' "$work/clearwayd.log"

ctl() { run "$build/cli/clearwayctl" -c "$conf" "$@"; }
logon() {
    printf '$ pamtester sshd-sc %s acct_mgmt   (real libpam, pam_clearway.so)\n' "$1"
    LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
        PAM_WRAPPER_SERVICE_DIR="$work/pam.d" \
        pamtester sshd-sc "$1" acct_mgmt 2>&1 | grep -v PWRAP_ || true
}

say "alice: SC-cleared, checks done, training current, role 'ops': allowed on an SC host"
logon alice
ctl check alice --host-class sc-hosts

say "bob: only BPSS-cleared: denied on the SC host class (allowed on open hosts)"
logon bob
ctl check bob --host-class sc-hosts
ctl check bob --host-class open-hosts

say "carol: HR has recorded her as a leaver: denied"
logon carol
ctl check carol --host-class sc-hosts

say "HR marks alice as a leaver in LDAP; Clearway denies her within seconds"
ldapmodify -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" \
    >/dev/null <<EOF
dn: uid=alice,$CW_STAFF_BASE
changetype: modify
replace: cwEmploymentStatus
cwEmploymentStatus: leaver
EOF
start=${EPOCHREALTIME/./}
until ! "$build/cli/clearwayctl" -c "$conf" check alice --host-class sc-hosts \
    >/dev/null 2>&1; do
    sleep 0.1
done
printf 'denied %d ms after the directory changed\n' \
    $(( (${EPOCHREALTIME/./} - start) / 1000 ))
logon alice
ctl check alice --host-class sc-hosts

say "HR files a leaver event for mallory (root here; in production HR's own login, authorised by its LDAP role)"
ctl leaver mallory --reason "Resigned; last day today"
ctl queue
until ! "$build/cli/clearwayctl" -c "$conf" check mallory --host-class sc-hosts \
    >/dev/null 2>&1; do
    sleep 0.1
done
logon mallory
ctl status mallory

say "An approver grants oscar admin rights on SC hosts for 5 seconds"
ctl check oscar --host-class sc-hosts --mode admin
ctl elevate oscar --role ops-admin --for 5s --reason "CHG-1042 patch the SC database hosts"
ctl check oscar --host-class sc-hosts --mode admin
ctl elevations
echo "(waiting for the elevation to expire)"
sleep 6
ctl check oscar --host-class sc-hosts --mode admin

say "The month's revocation report: requested, deadline, done, met or missed"
ctl report --month "$(date -u +%Y-%m)"

say "The audit trail: HMAC-chained, verified, exported"
sleep 2     # the writer seals what the hosts spooled
ctl audit verify
printf '$ clearwayctl -c %q audit export --format csv | tail -4\n' "$conf"
"$build/cli/clearwayctl" -c "$conf" audit export --format csv | tail -4

say "What the daemon logged (authpriv in production)"
grep -E 'decision|ldap:' "$work/clearwayd.log" | tail -8 | sed 's/^/    /'

say "Done: the servers and files of this demo are being removed"
