#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a generated directory as clearwayd's sync stores it, as Redis
commands for `redis-cli --pipe` (bench/store_load_bench.sh):
bench/gen-directory.py LDIF on stdin, one entry JSON per entry in
<prefix>staff / hostclass / role (the attributes the mirror asks for,
ldap_conn.c), then <prefix>gen = 1.

    store_fill.py PREFIX < dir.ldif | redis-cli -s SOCKET --pipe
"""
import json
import sys
import uuid

WANTED = {a.lower(): a for a in (
    "uid cn cwEmploymentStatus cwLeavingDate cwIdentityCheck "
    "cwCriminalRecordCheck cwRightToWorkCheck cwRightToWorkExpiry "
    "cwClearance cwClearanceExpiry cwTrainingCompleted cwRole "
    "cwRequiredClearance cwLoginRole cwAdminRole cwMaxElevation "
    "cwPrivileged objectClass").split()}


def entries(lines):
    cur = None
    for line in lines:
        line = line.rstrip("\n")
        if line.startswith("#"):
            continue
        if not line:
            if cur:
                yield cur
            cur = None
            continue
        name, _, value = line.partition(": ")
        if name == "dn":
            cur = {"dn": value, "attrs": {}}
        elif cur is not None and name.lower() in WANTED:
            cur["attrs"].setdefault(WANTED[name.lower()], []).append(value)
    if cur:
        yield cur


def command(out, *args):
    """One command in the Redis protocol (RESP2)."""
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        b = a.encode() if isinstance(a, str) else a
        out.write(b"$%d\r\n%s\r\n" % (len(b), b))


def main():
    prefix = sys.argv[1]
    out = sys.stdout.buffer
    for e in entries(sys.stdin):
        classes = [c.lower() for c in e["attrs"].get("objectClass", [])]
        key = ("staff" if "cwstaff" in classes else
               "hostclass" if "cwhostclass" in classes else
               "role" if "cwroledef" in classes else None)
        if key is None:
            continue
        e["uuid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, e["dn"]))
        command(out, "HSET", prefix + key, e["uuid"], json.dumps(
            {"dn": e["dn"], "uuid": e["uuid"], "attrs": e["attrs"]},
            separators=(",", ":")))
    command(out, "SET", prefix + "gen", "1")


if __name__ == "__main__":
    main()
