#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Directory-change-to-decision latency, and waits on daemon state.

    sync_latency.py latency SOCKET RIG_ENV_DIR COUNT
        Makes COUNT changes with ldapmodify (a staff entry's
        cwEmploymentStatus to suspended, then back), and after each one
        asks clearwayd over its socket until the decision reflects it.
        Prints median, p90, p99 and max of the time from ldapmodify
        returning to the first answer showing the change.
    sync_latency.py wait-synced SOCKET STAFF_COUNT TIMEOUT
        Waits until the daemon reports a completed LDAP refresh and
        STAFF_COUNT staff; prints the seconds it took.

Talks the daemon's framed JSON protocol directly (core/wire.h) so that
polling costs microseconds, not a process start.
"""
import json
import os
import socket
import struct
import subprocess
import sys
import time


# Any host class works: a status change decides before host rules do.
HOST_CLASS = "general-hosts"


def ask(path, req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    body = json.dumps(dict(req, v=1)).encode()
    s.sendall(struct.pack(">I", len(body)) + body)
    hdr = b""
    while len(hdr) < 4:
        hdr += s.recv(4 - len(hdr))
    (n,) = struct.unpack(">I", hdr)
    data = b""
    while len(data) < n:
        data += s.recv(n - len(data))
    s.close()
    return json.loads(data)


def reason(path, user):
    r = ask(path, {"op": "check", "user": user, "host_class": HOST_CLASS})
    return r.get("reason")


def load_env(rig):
    env = {}
    with open(os.path.join(rig, "env")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k] = v.strip("'\"")
    return env


def ldapmodify(env, uid, status):
    ldif = ("dn: uid=%s,%s\nchangetype: modify\nreplace: cwEmploymentStatus"
            "\ncwEmploymentStatus: %s\n" % (uid, env["CW_STAFF_BASE"], status))
    subprocess.run(["ldapmodify", "-x", "-H", env["CW_LDAP_URI"], "-D",
                    env["CW_LDAP_ADMIN_DN"], "-y", env["CW_LDAP_ADMIN_PW_FILE"]],
                   input=ldif.encode(), check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, LDAPNOINIT="1"))


def wait_reason(path, user, want_not_active, limit=10.0):
    start = time.monotonic()
    while time.monotonic() - start < limit:
        r = reason(path, user)
        if (r == "not_active") == want_not_active:
            return time.monotonic() - start
        time.sleep(0.0005)
    raise SystemExit("timed out waiting for %s" % user)


def report(name, xs):
    xs = sorted(xs)
    n = len(xs)
    print("%s: n=%d median=%.1fms p90=%.1fms p99=%.1fms max=%.1fms" % (
        name, n, xs[n // 2] * 1e3, xs[n * 90 // 100] * 1e3,
        xs[min(n - 1, n * 99 // 100)] * 1e3, xs[-1] * 1e3))


def latency(path, rig, count):
    env = load_env(rig)
    # Users whose decision is not already not_active or record_invalid.
    users, i = [], 1
    while len(users) < count // 2 and i < 100000:
        uid = "s%06d" % i
        if reason(path, uid) not in ("not_active", "record_invalid",
                                     "unknown_user", "revoked"):
            users.append(uid)
        i += 7
    lat = []
    for uid in users:
        ldapmodify(env, uid, "suspended")
        lat.append(wait_reason(path, uid, True))
        ldapmodify(env, uid, "active")
        lat.append(wait_reason(path, uid, False))
    report("ldapmodify -> decision", lat)


def wait_synced(path, count, limit):
    start = time.monotonic()
    while time.monotonic() - start < limit:
        try:
            st = ask(path, {"op": "status"})["data"]
            if st["ldap"]["refreshed"] and \
                    st.get("counts", {}).get("staff") == count:
                print("%.2f" % (time.monotonic() - start))
                return 0
        except (OSError, KeyError, ValueError):
            pass
        time.sleep(0.01)
    print("timeout")
    return 1


def main():
    if sys.argv[1] == "latency":
        latency(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return 0
    return wait_synced(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))


if __name__ == "__main__":
    sys.exit(main())
