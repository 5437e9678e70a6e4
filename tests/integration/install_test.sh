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
    etc/ldap/schema/clearway.schema etc/ldap/schema/clearway.ldif \
    lib/systemd/system/clearwayd.service \
    usr/share/doc/clearway/examples/clearway.conf.example \
    usr/share/man/man8/clearwayctl.8 usr/share/doc/clearway/LICENSE \
    usr/share/bash-completion/completions/clearwayctl \
    usr/share/clearway/notify/notify-email usr/share/clearway/notify/notify-webhook \
    usr/share/doc/clearway/notify.md; do
    [[ -e $dest/$f ]] && pass "/$f" || fail "/$f missing"
done
[[ -x $dest/usr/sbin/clearwayd && -x $dest/usr/bin/clearwayctl ]] &&
    pass "programs are executable" || fail "programs not executable"
# The installed unit must name the installed daemon.
grep -q '^ExecStart=/usr/sbin/clearwayd ' "$dest/lib/systemd/system/clearwayd.service" &&
    pass "unit runs /usr/sbin/clearwayd" || fail "unit ExecStart"
finish
