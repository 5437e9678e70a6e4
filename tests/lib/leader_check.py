#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that Redis mirrors the directory exactly, values included.

    leader_check.py RIG_ENV_DIR [PREFIX]

Stronger than tests/integration/mirror_check.py (which compares the sets
of entryUUIDs and the DNs): for every entry also each cw* attribute's
values, so that a modify lost in a leader takeover shows.  Prints the
differences (at most 20) and exits 1 when there are any.
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


def cw_attrs(attrs):
    """{lowercased cw* name: sorted values} of an attribute map."""
    return {k.lower(): sorted(v) for k, v in attrs.items()
            if k.lower().startswith("cw")}


def ldap_entries(env, base, cls):
    out = subprocess.run(
        ["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-x", "-H",
         env["CW_LDAP_URI"], "-D", env["CW_LDAP_ADMIN_DN"], "-y",
         env["CW_LDAP_ADMIN_PW_FILE"], "-b", base, "(objectClass=%s)" % cls,
         "*", "entryUUID"], capture_output=True, text=True, check=True,
        env=dict(os.environ, LDAPNOINIT="1")).stdout
    found = {}
    for block in out.split("\n\n"):
        dn, uuid, attrs = None, None, {}
        for line in block.splitlines():
            if ": " not in line:
                continue
            k, v = line.split(": ", 1)
            if k == "dn":
                dn = v
            elif k == "entryUUID":
                uuid = v
            else:
                attrs.setdefault(k, []).append(v)
        if dn and uuid:
            found[uuid] = (dn, cw_attrs(attrs))
    return found


def redis_entries(env, prefix, kind):
    raw = subprocess.run(
        ["redis-cli", "-s", env["CW_REDIS_SOCKET"], "HGETALL",
         prefix + kind], capture_output=True, text=True, check=True).stdout
    lines = raw.splitlines()
    have = {}
    for i in range(0, len(lines) - 1, 2):
        e = json.loads(lines[i + 1])
        have[lines[i]] = (e["dn"], cw_attrs(e.get("attrs", {})))
    return have


def main():
    env = load_env(sys.argv[1])
    prefix = sys.argv[2] if len(sys.argv) > 2 else "cw:"
    problems = []
    for kind, base_var, cls in KINDS:
        want = ldap_entries(env, env[base_var], cls)
        have = redis_entries(env, prefix, kind)
        for uuid in sorted(set(want) - set(have)):
            problems.append("missing in redis: %s %s" % (kind, want[uuid][0]))
        for uuid in sorted(set(have) - set(want)):
            problems.append("orphan in redis: %s %s" % (kind, have[uuid][0]))
        for uuid in sorted(set(want) & set(have)):
            (wdn, wa), (hdn, ha) = want[uuid], have[uuid]
            if wdn.lower() != hdn.lower():
                problems.append("stale dn: %s, ldap says %s" % (hdn, wdn))
            elif wa != ha:
                diff = sorted(k for k in set(wa) | set(ha)
                              if wa.get(k) != ha.get(k))
                problems.append("stale values: %s: %s" % (wdn, ", ".join(
                    "%s ldap %s redis %s" % (k, wa.get(k), ha.get(k))
                    for k in diff)))
        print("%s: %d in ldap, %d in redis" % (kind, len(want), len(have)))
    for p in problems[:20]:
        print(p)
    if problems:
        print("%d differences" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
