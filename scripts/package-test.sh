#!/bin/bash
# SPDX-License-Identifier: MIT
# The Debian packages end to end, as an admin meets them:
#   build clearway + libpam-clearway (version N, then N+1) with
#   dpkg-buildpackage; make a fresh Debian 12 root with mmdebstrap; install
#   N there; configure it against a throwaway slapd and Redis (the test rig,
#   on the host's loopback, which the chroot shares); pam-auth-update
#   --enable clearway; check logon decisions through the installed PAM stack
#   (pamtester); queue revocations; upgrade to N+1; show the edited config,
#   the PAM profile, the queued revocation and the deny-list kept; then
#   remove libpam-clearway (refused while a drop-in still names the module)
#   and purge clearway.
#
#   scripts/package-test.sh            as root, from anywhere
#
# Environment: CW_PKGTEST_CACHE (default /var/cache/clearway-package-test)
# holds the Debian root as a tarball, made once (about 40 s with a mirror)
# and reused; CW_PKGTEST_MIRROR (default http://deb.debian.org/debian);
# CW_PKGTEST_KEEP=1 keeps the work directory; CW_SKIP_PACKAGE_TEST=1 skips
# it (about 2.5 minutes on two cores, 3 with a fresh root).  Exits 77 (ctest: skipped)
# when it cannot run here: not root, a tool missing, or no root tarball
# cached and no mirror reachable.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
. "$src/tests/lib/tap.sh"

SKIP=77
skip() { echo "SKIP: package test: $*"; exit $SKIP; }
now_s() { echo "${EPOCHREALTIME/,/.}"; }
t_start=$(now_s)
phase_t=$t_start
phase() {   # NAME: prints the time the previous phase took
    local t
    t=$(now_s)
    awk -v a="$phase_t" -v b="$t" -v n="$1" 'BEGIN { printf "# --- %s (the phase before took %.1f s)\n", n, b - a }'
    phase_t=$t
}

[[ ${CW_SKIP_PACKAGE_TEST:-0} == 1 ]] && skip "CW_SKIP_PACKAGE_TEST=1"
[[ $(id -u) -eq 0 ]] || skip "needs root (chroot, mounts, dpkg in the root)"
for tool in dpkg-buildpackage dh mmdebstrap slapd redis-server pamtester python3; do
    command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null ||
        skip "$tool missing (apt-get install devscripts debhelper mmdebstrap slapd redis-server pamtester)"
done
PATH=$PATH:/usr/sbin:/sbin

cache=${CW_PKGTEST_CACHE:-/var/cache/clearway-package-test}
mirror=${CW_PKGTEST_MIRROR:-http://deb.debian.org/debian}
# What the root holds beyond the essential set: the tool that drives PAM,
# and the packages' run-time libraries (so installing needs no mirror).
include=pamtester,libldap-2.5-0,libhiredis0.14,libjansson4,libssl3,libsystemd0
key=$(printf '%s %s' "$include" "$mirror" | sha256sum | cut -c1-12)
tarball=$cache/bookworm-$key.tar

if [[ ! -s $tarball ]]; then
    host=${mirror#*://}; host=${host%%/*}
    timeout 10 bash -c "exec 3<>/dev/tcp/$host/80" 2>/dev/null ||
        skip "no Debian root cached in $cache and the mirror $host is unreachable"
fi

work=$(mktemp -d /tmp/cw-package-test.XXXXXX)
root=$work/root
rig=$work/rig
daemon_pid=
cleanup() {
    [[ -n $daemon_pid ]] && kill -TERM "$daemon_pid" 2>/dev/null && sleep 0.5
    [[ -n $daemon_pid ]] && kill -KILL "$daemon_pid" 2>/dev/null
    [[ -f $rig/env ]] && bash "$src/tests/rig/rig.sh" stop "$rig" >/dev/null 2>&1
    mountpoint -q "$root/proc" 2>/dev/null && umount "$root/proc"
    if [[ ${CW_PKGTEST_KEEP:-0} == 1 ]]; then
        echo "# kept $work"
    else
        rm -rf --one-file-system "$work"
    fi
}
trap cleanup EXIT

in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

# --------------------------------------------------------------- build N, N+1
phase "build version N"
# The tree as committed plus what is new (never build/ or other untracked junk).
copy_tree() {   # DEST
    mkdir -p "$1"
    if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$src" ls-files -co --exclude-standard | grep -v '^build' |
            tar -C "$src" -cf - -T - | tar -xf - -C "$1"
    else
        tar -C "$src" --exclude=./build\* -cf - . | tar -xf - -C "$1"
    fi
}
build_debs() {  # DIR LOG
    (cd "$1" && nice dpkg-buildpackage -us -uc -b -j2) >"$2" 2>&1
}
copy_tree "$work/n/clearway"
ver_n=$(cd "$work/n/clearway" && dpkg-parsechangelog -SVersion)
if build_debs "$work/n/clearway" "$work/build-n.log"; then
    pass "dpkg-buildpackage -us -uc -b: version $ver_n"
else
    fail "dpkg-buildpackage (version $ver_n)"; tail -20 "$work/build-n.log"; finish; exit 1
fi

phase "build version N+1"
# N+1: the same tree with one more changelog entry (a temp copy; the
# tree's own changelog is not touched).
ver_n1=$ver_n+pkgtest1
arch=$(dpkg --print-architecture)
copy_tree "$work/n1/clearway"
{
    printf 'clearway (%s) bookworm; urgency=medium\n\n' "$ver_n1"
    printf '  * Package test: the next version, to test upgrades.\n\n'
    printf ' -- Clearway developers <clearway@example.gov.uk>  %s\n\n' "$(date -R)"
    cat "$work/n/clearway/debian/changelog"
} >"$work/n1/clearway/debian/changelog"
if build_debs "$work/n1/clearway" "$work/build-n1.log"; then
    pass "dpkg-buildpackage -us -uc -b: version $ver_n1"
else
    fail "dpkg-buildpackage (version $ver_n1)"; tail -20 "$work/build-n1.log"; finish; exit 1
fi

if command -v lintian >/dev/null; then
    # (lintian says it would rather not run as root: not a finding.)
    lintian "$work/n/clearway_${ver_n}_"*.changes 2>&1 |
        grep -v '^running with root privileges' >"$work/lintian.txt"
    [[ ! -s $work/lintian.txt ]] && pass "lintian: no errors or warnings" ||
        { fail "lintian"; cat "$work/lintian.txt"; }
fi

# --------------------------------------------------------------- Debian root
phase "Debian 12 root"
if [[ ! -s $tarball ]]; then
    mkdir -p "$cache"
    # (mmdebstrap picks the format by the name's ending: keep ".tar".)
    if nice mmdebstrap --quiet --variant=apt --include="$include" bookworm \
        "$cache/partial-$key.tar" "$mirror" >"$work/mmdebstrap.log" 2>&1; then
        mv -f "$cache/partial-$key.tar" "$tarball"
        pass "mmdebstrap: a fresh bookworm root cached in $tarball"
    else
        rm -f "$cache/partial-$key.tar"
        fail "mmdebstrap"; tail -20 "$work/mmdebstrap.log"; finish; exit 1
    fi
else
    pass "bookworm root from the cache ($tarball)"
fi
mkdir -p "$root"
tar -C "$root" -xf "$tarball"
mount -t proc proc "$root/proc"
mkdir -p "$root/tmp/debs/n" "$root/tmp/debs/n1"
cp "$work/n/"*.deb "$root/tmp/debs/n/"
cp "$work/n1/"*.deb "$root/tmp/debs/n1/"
rm -f "$root"/tmp/debs/*/*-dbgsym_*.deb

# The throwaway directory and Redis, on loopback.
bash "$src/tests/rig/start-with-sample.sh" "$rig" >"$work/rig.log" 2>&1 ||
    { fail "rig"; cat "$work/rig.log"; finish; exit 1; }
set -a; . "$rig/env"; set +a

# ------------------------------------------------------------- install N
phase "install version N"
if in_root dpkg -i /tmp/debs/n/clearway_"$ver_n"_"$arch".deb \
    /tmp/debs/n/libpam-clearway_"$ver_n"_"$arch".deb >"$work/install-n.log" 2>&1; then
    pass "dpkg -i clearway libpam-clearway ($ver_n) in a fresh root"
else
    fail "dpkg -i ($ver_n)"; cat "$work/install-n.log"; finish; exit 1
fi
pamdir=$(in_root sh -c 'ls -d /lib/*/security')
for f in /usr/sbin/clearwayd /usr/bin/clearwayctl "$pamdir/pam_clearway.so" \
    /lib/systemd/system/clearwayd.service /etc/clearway/clearway.conf \
    /usr/share/clearway/schema/clearway.ldif /usr/share/clearway/audit-verify.py \
    /usr/share/pam-configs/clearway /usr/share/man/man8/clearwayd.8.gz \
    /usr/share/man/man8/pam_clearway.8.gz /usr/share/man/man5/clearway.conf.5.gz \
    /usr/share/man/man8/clearwayctl.8.gz /usr/share/bash-completion/completions/clearwayctl \
    /usr/share/doc/clearway/examples/pam.d/clearway-admin; do
    [[ -e $root$f ]] && pass "installed: $f" || fail "not installed: $f"
done
[[ $(in_root dpkg-query -W -f='${Conffiles}' clearway) == *"/etc/clearway/clearway.conf "* ]] &&
    pass "/etc/clearway/clearway.conf is a conffile" || fail "clearway.conf not a conffile"
[[ $(stat -c %a "$root/var/lib/clearway") == 700 ]] &&
    pass "/var/lib/clearway made, mode 0700" || fail "/var/lib/clearway mode"
[[ $(grep -c pam_clearway "$root/etc/pam.d/common-account") -eq 0 ]] &&
    pass "profile not enabled on install (Default: no)" || fail "profile enabled on install"
[[ ! -e $root/etc/systemd/system/multi-user.target.wants/clearwayd.service ]] &&
    pass "unit not enabled on install (configure first)" || fail "unit enabled on install"

# ------------------------------------------------------- configure, start
phase "configure and start"
install -m 0600 "$CW_LDAP_ADMIN_PW_FILE" "$root/etc/clearway/ldap.password"
cat >"$root/etc/clearway/clearway.conf" <<EOF
# /etc/clearway/clearway.conf - edited by the package test (this line
# shows the admin's edits survive the upgrade).
[ldap]
uri = $CW_LDAP_URI
# The test directory is on loopback, without TLS.
allow_plaintext = yes
staff_base = $CW_STAFF_BASE
hostclass_base = $CW_HOSTCLASS_BASE
role_base = $CW_ROLE_BASE
bind_dn = $CW_LDAP_ADMIN_DN
bind_password_file = /etc/clearway/ldap.password

[redis]
host = 127.0.0.1
port = $CW_REDIS_PORT

[policy]
exempt_users = root

[audit]
metrics_file =

[daemon]
host_class = sc-hosts
EOF
conf_sum=$(md5sum <"$root/etc/clearway/clearway.conf")
in_root clearwayd -t >"$work/t.out" 2>&1 && pass "clearwayd -t: $(cat "$work/t.out")" ||
    { fail "clearwayd -t"; cat "$work/t.out"; }

start_daemon() {   # what the unit's ExecStart does (no systemd here)
    chroot "$root" /usr/sbin/clearwayd -f -c /etc/clearway/clearway.conf \
        >>"$work/clearwayd.log" 2>&1 &
    daemon_pid=$!
    local i rc
    for ((i = 0; i < 100; i++)); do
        rc=0
        in_root clearwayctl check alice --host-class sc-hosts >/dev/null 2>&1 || rc=$?
        [[ $rc -le 1 ]] && return 0
        sleep 0.2
    done
    return 1
}
stop_daemon() {
    local i
    kill -TERM "$daemon_pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$daemon_pid" 2>/dev/null || { wait "$daemon_pid" 2>/dev/null; daemon_pid=; return 0; }
        sleep 0.1
    done
    return 1
}
start_daemon && pass "installed clearwayd answers" ||
    { fail "clearwayd did not answer"; tail -20 "$work/clearwayd.log"; finish; exit 1; }

# ----------------------------------------------------- pam-auth-update
phase "pam-auth-update and logons"
in_root pam-auth-update --enable clearway >"$work/pau.log" 2>&1 &&
    pass "pam-auth-update --enable clearway" || { fail "pam-auth-update"; cat "$work/pau.log"; }
echo "# common-account and common-session now:"
grep -h pam_clearway "$root/etc/pam.d/common-account" "$root/etc/pam.d/common-session" \
    "$root/etc/pam.d/common-session-noninteractive" | sed 's/^/#   /'
[[ $(grep -c pam_clearway "$root/etc/pam.d/common-account") -eq 1 &&
   $(grep -c pam_clearway "$root/etc/pam.d/common-session") -eq 1 ]] &&
    pass "the profile's account and session lines are in the common-* files" ||
    fail "profile lines missing"

# Local accounts for the sample staff (pam_unix's account check wants them).
for u in alice bob oscar mallory; do in_root useradd -M -s /bin/sh "$u"; done
# A service as sshd, login and sudo have them: the common-* stack.
printf '@include common-account\n@include common-session\n' >"$root/etc/pam.d/cw-pkgtest"
logon() {   # USER [STEPS...]: exit 0 when every step passed
    local u=$1; shift
    in_root pamtester -v cw-pkgtest "$u" "${@:-acct_mgmt}" >"$work/pamtester.out" 2>&1
}
logon alice && pass "PAM: alice (cleared) allowed" || { fail "PAM: alice"; cat "$work/pamtester.out"; }
logon bob && fail "PAM: bob allowed" || pass "PAM: bob (BPSS on an SC host class) denied"
logon root && pass "PAM: root (exempt_users) left to the stack: allowed" || fail "PAM: root"
logon alice acct_mgmt open_session close_session &&
    pass "PAM: alice's session opened and closed (audited)" ||
    { fail "PAM: alice session"; cat "$work/pamtester.out"; }
in_root clearwayctl check bob --host-class sc-hosts >"$work/check.out" 2>&1
grep -q clearance_insufficient "$work/check.out" &&
    pass "clearwayctl check bob: $(cat "$work/check.out")" || fail "check bob: $(cat "$work/check.out")"

# sudo's admin mode through the shipped drop-in.
cp "$root/usr/share/doc/clearway/examples/pam.d/clearway-admin" "$root/etc/pam.d/"
printf '@include clearway-admin\n@include common-account\n' >"$root/etc/pam.d/cw-pkgtest-sudo"
in_root pamtester cw-pkgtest-sudo alice acct_mgmt >/dev/null 2>&1 &&
    fail "sudo drop-in: alice allowed without an elevation" ||
    pass "sudo drop-in: alice denied without an elevation"
in_root clearwayctl elevate alice --role ops-admin --for 1h --reason "package test" \
    >"$work/elevate.out" 2>&1 || cat "$work/elevate.out"
in_root pamtester cw-pkgtest-sudo alice acct_mgmt >/dev/null 2>&1 &&
    pass "sudo drop-in: alice allowed while elevated to ops-admin" ||
    fail "sudo drop-in: alice denied while elevated"

# ------------------------------------------------- queue revocations
phase "queue revocations"
tomorrow=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
in_root clearwayctl --json leaver mallory --reason "package test" --effective "$tomorrow" \
    >"$work/leaver.json" 2>&1
rev_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' \
    "$work/leaver.json" 2>/dev/null) || rev_id=
[[ -n $rev_id ]] && pass "leaver mallory queued for $tomorrow: $rev_id" ||
    { fail "leaver mallory"; cat "$work/leaver.json"; }
in_root clearwayctl revoke oscar --reason "package test" >"$work/revoke.out" 2>&1 &&
    pass "revoke oscar: $(head -1 "$work/revoke.out")" || { fail "revoke oscar"; cat "$work/revoke.out"; }
logon oscar && fail "PAM: oscar allowed after revoke" || pass "PAM: oscar denied (revoked)"
in_root clearwayctl queue >"$work/queue-before.txt" 2>&1
echo "# clearwayctl queue before the upgrade:"; sed 's/^/#   /' "$work/queue-before.txt"
sleep 1.5   # the deny-list is persisted by the follow thread

# ----------------------------------------------------------- upgrade
phase "upgrade to N+1"
if in_root dpkg -i /tmp/debs/n1/clearway_"$ver_n1"_"$arch".deb \
    /tmp/debs/n1/libpam-clearway_"$ver_n1"_"$arch".deb </dev/null >"$work/install-n1.log" 2>&1; then
    pass "dpkg -i: upgraded to $ver_n1 (no conffile prompt)"
else
    fail "upgrade"; cat "$work/install-n1.log"
fi
grep -q "try-restart 'clearwayd.service'" "$root/var/lib/dpkg/info/clearway.postinst" &&
    pass "postinst try-restarts clearwayd on upgrade (under systemd)" || fail "no try-restart in postinst"
# What systemd's try-restart does; there is no systemd in this root.
stop_daemon && pass "old clearwayd stopped on SIGTERM" || fail "old clearwayd did not stop"
start_daemon && pass "new clearwayd answers" || { fail "new clearwayd"; tail -20 "$work/clearwayd.log"; }
[[ $(in_root dpkg-query -W -f='${Version}' clearway) == "$ver_n1" ]] &&
    pass "clearway is $ver_n1" || fail "clearway version"
[[ $(md5sum <"$root/etc/clearway/clearway.conf") == "$conf_sum" ]] &&
    pass "the edited /etc/clearway/clearway.conf is kept" || fail "config changed by the upgrade"
echo "# /etc/clearway/clearway.conf after the upgrade (head):"
head -4 "$root/etc/clearway/clearway.conf" | sed 's/^/#   /'
[[ ! -e $root/etc/clearway/clearway.conf.dpkg-new && ! -e $root/etc/clearway/clearway.conf.dpkg-dist ]] &&
    pass "no .dpkg-new/.dpkg-dist beside it" || fail ".dpkg-* files beside the config"
[[ $(grep -c pam_clearway "$root/etc/pam.d/common-account") -eq 1 ]] &&
    pass "the PAM profile stays enabled" || fail "PAM profile lost by the upgrade"
in_root clearwayctl queue >"$work/queue-after.txt" 2>&1
echo "# clearwayctl queue after the upgrade:"; sed 's/^/#   /' "$work/queue-after.txt"
[[ -n $rev_id ]] && grep -q -- "$rev_id" "$work/queue-after.txt" &&
    pass "mallory's queued revocation $rev_id kept" || fail "queued revocation lost"
grep -qw oscar "$root/var/lib/clearway/revoked.list" 2>/dev/null &&
    pass "oscar still in the deny-list (/var/lib/clearway/revoked.list)" || fail "deny-list lost"
logon oscar && fail "PAM: oscar allowed after the upgrade" || pass "PAM: oscar still denied"
logon alice && pass "PAM: alice still allowed" || fail "PAM: alice after upgrade"

# ------------------------------------------------------ remove, purge
phase "remove and purge"
in_root dpkg -r libpam-clearway >"$work/remove1.log" 2>&1 &&
    fail "libpam-clearway removed while /etc/pam.d/clearway-admin names the module" ||
    pass "removal refused while /etc/pam.d/clearway-admin names the module: $(grep -m1 'not removed' "$work/remove1.log")"
[[ -e $root$pamdir/pam_clearway.so ]] && pass "module still there" || fail "module gone"
rm -f "$root/etc/pam.d/clearway-admin" "$root/etc/pam.d/cw-pkgtest-sudo"
in_root dpkg -r libpam-clearway >"$work/remove2.log" 2>&1 &&
    pass "dpkg -r libpam-clearway" || { fail "dpkg -r libpam-clearway"; cat "$work/remove2.log"; }
[[ $(grep -c pam_clearway "$root/etc/pam.d/common-account" "$root/etc/pam.d/common-session" |
     awk -F: '{ n += $2 } END { print n }') -eq 0 ]] &&
    pass "the profile left the common-* files before the module went" || fail "common-* still name it"
logon alice && pass "PAM: alice allowed by the rest of the stack (nobody locked out)" ||
    { fail "PAM after removal"; cat "$work/pamtester.out"; }
stop_daemon || fail "clearwayd did not stop"
in_root dpkg --purge clearway >"$work/purge.log" 2>&1 &&
    pass "dpkg --purge clearway" || { fail "purge"; cat "$work/purge.log"; }
[[ ! -e $root/var/lib/clearway && ! -e $root/etc/clearway/clearway.conf ]] &&
    pass "purge removed the state and the conffile" || fail "purge left state or config"
[[ -e $root/etc/clearway/ldap.password ]] &&
    pass "purge left the admin's own secret file" || fail "purge removed the admin's secret"

phase "done"
awk -v a="$t_start" -v b="$(now_s)" 'BEGIN { printf "# package test took %.1f s\n", b - a }'
finish
