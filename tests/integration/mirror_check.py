#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that Redis mirrors the directory exactly.

    mirror_check.py RIG_ENV_DIR [PREFIX]

For staff, host classes and roles: the set of entryUUIDs under each base
(with the right object class) must equal the keys of the Redis hash, and
each stored entry's DN must be the entry's current DN.  Prints the
differences and exits 1 when there are any.
"""
import json
import os
import subprocess
import sys

KINDS = [("staff", "CW_STAFF_BASE", "cwStaff"),
         ("hostclass", "CW_HOSTCLASS_BASE", "cwHostClass"),
         ("role", "CW_ROLE_BASE", "cwRoleDef")]


def load_env(rig):
    env = {}
    with open(os.path.join(rig, "env")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k] = v.strip("'\"")
    return env


def ldap_entries(env, base, cls):
    out = subprocess.run(
        ["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-x", "-H",
         env["CW_LDAP_URI"], "-D", env["CW_LDAP_ADMIN_DN"], "-y",
         env["CW_LDAP_ADMIN_PW_FILE"], "-b", base, "(objectClass=%s)" % cls,
         "entryUUID"], capture_output=True, text=True, check=True,
        env=dict(os.environ, LDAPNOINIT="1")).stdout
    found, dn = {}, None
    for line in out.splitlines():
        if line.startswith("dn: "):
            dn = line[4:]
        elif line.startswith("entryUUID: "):
            found[line[11:]] = dn
    return found


def redis_entries(env, prefix, kind):
    raw = subprocess.run(
        ["redis-cli", "-s", env["CW_REDIS_SOCKET"], "HGETALL",
         prefix + kind], capture_output=True, text=True, check=True).stdout
    lines = raw.splitlines()
    return {lines[i]: json.loads(lines[i + 1])["dn"]
            for i in range(0, len(lines) - 1, 2)}


def main():
    env = load_env(sys.argv[1])
    prefix = sys.argv[2] if len(sys.argv) > 2 else "cw:"
    problems = 0
    for kind, base_var, cls in KINDS:
        want = ldap_entries(env, env[base_var], cls)
        have = redis_entries(env, prefix, kind)
        for uuid in sorted(set(want) - set(have)):
            print("missing in redis: %s %s" % (kind, want[uuid]))
            problems += 1
        for uuid in sorted(set(have) - set(want)):
            print("orphan in redis: %s %s (%s)" % (kind, have[uuid], uuid))
            problems += 1
        for uuid in sorted(set(want) & set(have)):
            if want[uuid].lower() != have[uuid].lower():
                print("stale dn: %s %s, ldap says %s" %
                      (kind, have[uuid], want[uuid]))
                problems += 1
        print("%s: %d in ldap, %d in redis" % (kind, len(want), len(have)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
