#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 13: the PAM module and clearwayctl know whom they talk to.  An
# impostor (tests/faults/fake_daemon.py, answering "allow" to everything)
# run by an unprivileged user is refused, and the refusal is logged naming
# the socket and the owner found:
#   1. its socket moved into the configured, root-owned socket directory
#      (as if it had won a race for the path): the peer is not root;
#   2. the configured socket directory belongs to that user;
#   3. the directory is root's but writable by everyone.
# The directories a test makes under mktemp are root's and 0755, which is
# what the real daemon's tests use too, so the checks hold for them.
#   peer_check_test.sh CLEARWAYCTL PAM_MODULE
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ctl=$1 module=$(realpath "$2")
. "$here/../lib/tap.sh"

impostor=nobody
work=$(mktemp -d /tmp/cw-peer.XXXXXX)
chmod 0755 "$work"
fake_pid=
cleanup() {
    [[ -n $fake_pid ]] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

preload=
ldd "$module" 2>/dev/null | grep libasan >/dev/null && preload="$(gcc -print-file-name=libasan.so) "
mkdir -p "$work/pam.d"
# start_fake DIR: the impostor listening on DIR/clearwayd.sock(.root).
start_fake() {
    rm -f "$work/ready"
    setpriv --reuid="$impostor" --regid=nogroup --clear-groups \
        /usr/bin/python3 "$here/fake_daemon.py" "$1/ready" "$1/clearwayd.sock" "$1/clearwayd.sock.root" &
    fake_pid=$!
    for ((i = 0; i < 100; i++)); do [[ -e $1/ready ]] && return 0; sleep 0.05; done
    echo "impostor did not start" >&2
    return 1
}
stop_fake() { kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; fake_pid=; }

# case NAME SOCKDIR PATTERN: the impostor must get no allow from PAM or
# clearwayctl, and both must say PATTERN.
refused() {
    local name=$1 dir=$2 pattern=$3 conf=$work/$1.conf rc=0 out
    printf '[daemon]\nldap_sync = no\nsocket = %s/clearwayd.sock\n' "$dir" >"$conf"
    chmod 0644 "$conf"
    echo "account required $module host_class=sc-hosts config=$conf" >"$work/pam.d/peer-$name"
    # What the impostor answers when nobody checks: allow.
    out=$(python3 - "$dir/clearwayd.sock" <<'PY'
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
req = json.dumps({"v": 1, "op": "decide", "user": "mallory"}).encode()
s.sendall(struct.pack(">I", len(req)) + req)
n = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
print(json.loads(s.recv(n, socket.MSG_WAITALL))["verdict"])
PY
)
    [[ $out == allow ]] && pass "$name: the impostor answers allow to anyone who asks" ||
        fail "$name: impostor not answering: $out"
    ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="${preload}libpam_wrapper.so" PAM_WRAPPER=1 \
        PAM_WRAPPER_SERVICE_DIR="$work/pam.d" pamtester "peer-$name" mallory acct_mgmt \
        >"$work/pam.out" 2>&1 || rc=$?
    if ((rc != 0)); then
        pass "$name: PAM denies (pamtester rc $rc)"
    else
        fail "$name: PAM allowed mallory through the impostor"
    fi
    if grep -aE "SYSLOG\(.*clearwayd unreachable: refusing $dir/clearwayd.sock(.root)?: $pattern" "$work/pam.out" >/dev/null; then
        pass "$name: PAM logs the socket and the owner"
        echo "#   $(grep -a 'SYSLOG(.*refusing' "$work/pam.out" | head -n 1 | cut -c1-240)"
    else
        fail "$name: PAM log: $(grep -a SYSLOG "$work/pam.out" | tail -n 2)"
    fi
    rc=0
    "$ctl" -c "$conf" check mallory --host-class sc-hosts >"$work/ctl.out" 2>&1 || rc=$?
    if ((rc == 3)) && grep -E "refusing $dir/clearwayd.sock(.root)?: $pattern" "$work/ctl.out" >/dev/null; then
        pass "$name: clearwayctl refuses it (exit 3), naming socket and owner"
    else
        fail "$name: clearwayctl rc $rc: $(cat "$work/ctl.out")"
    fi
    # An unprivileged clearwayctl goes to the public socket: refused too.
    rc=0
    setpriv --reuid="$impostor" --regid=nogroup --clear-groups \
        "$ctl" -c "$conf" check mallory --host-class sc-hosts >"$work/ctl.out" 2>&1 || rc=$?
    ((rc == 3)) && pass "$name: clearwayctl as $impostor refuses it too" ||
        fail "$name: clearwayctl as $impostor rc $rc: $(cat "$work/ctl.out")"
}
uid=$(id -u "$impostor")

# 1. The impostor's sockets, moved into root's 0755 directory.
mkdir -m 0755 "$work/run" "$work/fake"
chown "$impostor" "$work/fake"
start_fake "$work/fake" || exit 1
mv "$work/fake/clearwayd.sock" "$work/fake/clearwayd.sock.root" "$work/run/"
refused peer "$work/run" "the process answering on it \(pid [0-9]+\) runs as uid $uid, not root"
stop_fake

# 2. The configured directory is the impostor's.
start_fake "$work/fake" || exit 1
refused dirowner "$work/fake" "its directory $work/fake is owned by uid $uid with mode 0755"
stop_fake

# 3. Root's directory, but anyone may write in it.
mkdir -m 0777 "$work/open"
chmod 0777 "$work/open"
start_fake "$work/open" || exit 1
refused dirmode "$work/open" "its directory $work/open is owned by uid 0 with mode 0777"
stop_fake

finish
