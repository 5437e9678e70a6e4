#!/bin/bash
# SPDX-License-Identifier: MIT
# cmake --install puts every file where a Debian admin expects it.
#   install_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
build=$1
dest=$(mktemp -d /tmp/cw-install-test.XXXXXX)
trap 'rm -rf "$dest"' EXIT

DESTDIR=$dest cmake --install "$build" --prefix /usr >/dev/null ||
    { fail "cmake --install"; finish; exit 1; }
pamdir=$(pkg-config --variable=libdir pam)/security
for f in usr/sbin/clearwayd usr/bin/clearwayctl "${pamdir#/}/pam_clearway.so" \
    usr/share/clearway/schema/clearway.schema usr/share/clearway/schema/clearway.ldif \
    usr/share/clearway/audit-verify.py usr/share/clearway/redis-acl-host.sh \
    lib/systemd/system/clearwayd.service \
    usr/share/doc/clearway/examples/clearway.conf.example \
    usr/share/doc/clearway/examples/pam.d/clearway-admin \
    usr/share/doc/clearway/examples/pam.d/clearway-admin-su \
    usr/share/doc/clearway/architecture.md usr/share/doc/clearway/audit.md \
    usr/share/doc/clearway/README.md usr/share/doc/clearway/LICENSE \
    usr/share/man/man8/clearwayd.8 usr/share/man/man8/clearwayctl.8 \
    usr/share/man/man8/pam_clearway.8 usr/share/man/man5/clearway.conf.5 \
    usr/share/bash-completion/completions/clearwayctl \
    usr/share/clearway/notify/notify-email usr/share/clearway/notify/notify-webhook \
    usr/share/doc/clearway/notify.md usr/share/doc/clearway/examples/systemd/notify.conf; do
    [[ -e $dest/$f ]] && pass "/$f" || fail "/$f missing"
done
[[ -x $dest/usr/sbin/clearwayd && -x $dest/usr/bin/clearwayctl &&
   -x $dest/usr/share/clearway/audit-verify.py ]] &&
    pass "programs are executable" || fail "programs not executable"
# Nothing in slapd's own schema directory: that is the slapd package's.
[[ ! -e $dest/etc/ldap ]] && pass "nothing under /etc/ldap" || fail "files under /etc/ldap"
# The installed unit must name the installed daemon, and nothing else of
# the source unit may change.
unit=$dest/lib/systemd/system/clearwayd.service
grep -q '^ExecStart=/usr/sbin/clearwayd -f -c /etc/clearway/clearway.conf$' "$unit" &&
    grep -q '^ExecStartPre=/usr/sbin/clearwayd -t -c /etc/clearway/clearway.conf$' "$unit" &&
    pass "unit runs /usr/sbin/clearwayd" || fail "unit ExecStart"
[[ $(grep -cE '@[A-Z_]+@' "$unit") -eq 0 ]] && pass "unit has no unexpanded @VAR@" ||
    fail "unit has unexpanded @VAR@"
# Another prefix at install time: the unit follows it.
dest2=$(mktemp -d /tmp/cw-install-test.XXXXXX)
trap 'rm -rf "$dest" "$dest2"' EXIT
DESTDIR=$dest2 cmake --install "$build" --prefix /opt/cw >/dev/null &&
    grep -q '^ExecStart=/opt/cw/sbin/clearwayd -f ' "$dest2/lib/systemd/system/clearwayd.service" &&
    pass "unit follows the prefix (/opt/cw/sbin/clearwayd)" || fail "unit with prefix /opt/cw"
finish
