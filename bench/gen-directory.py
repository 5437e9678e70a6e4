#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print a realistic Clearway directory as LDIF (base dc=clearway,dc=test).

    bench/gen-directory.py [N] [--seed S] [--now EPOCH] [--containers]

N staff (default 100000) in ou=people as inetOrgPerson + cwStaff, in the
shape of tests/data/gen-sample.sh (uid = cn = s000001, s000002, ...; every
password is "secret"), plus ~40 cwRoleDef entries in ou=roles and ~20
cwHostClass entries in ou=hostclasses.  The output is a pure function of
(N, seed, now): the same arguments give the same bytes.  Dates are relative
to --now (default: the current time), so "expired" stays true whatever day
the benchmark runs.

Containers: by default NO container entries are printed (neither the base
entry nor the ou= entries), because `tests/rig/rig.sh start` already creates
them; the default output is exactly what `rig.sh bulkload DIR FILE` (or
`rig.sh load`) wants after `rig.sh start DIR`.  --containers adds the base
entry and ou=people/hostclasses/roles first, for an empty database;
--no-containers names the default explicitly.

    bench/gen-directory.py 100000 --seed 1 > /tmp/dir.ldif
    tests/rig/rig.sh start /tmp/rig && tests/rig/rig.sh bulkload /tmp/rig /tmp/dir.ldif

Distributions (each staff entry draws from its own generator seeded by
(seed, index), so bench/gen-changes.py can recompute any entry's values):
  cwEmploymentStatus   active 90%, suspended 5%, leaver 5%
  cwLeavingDate        3%: half 1-365 days ago, half 1-120 days ahead
  pre-employment       cwIdentityCheck, cwCriminalRecordCheck and
    checks             cwRightToWorkCheck a few weeks before the hire date
                       (hired 1 month to 15 years ago); 2% lack one of them
  cwClearance          none 8% (half as "none", half absent), BPSS 40%,
                       CTC 10%, SC 28%, eSC 4%, DV 8%, eDV 2%
  cwClearanceExpiry    10% of staff (11% of the cleared): 30% of those 1-400 days ago,
                       70% 1 month to 5 years ahead
  cwTrainingCompleted  uniform over the last 15 months (about 20% older than
                       a year, i.e. expired)
  cwRole               0 roles 5%, 1 45%, 2 35%, 3 15%, Zipf-weighted from
                       the 32 standing roles; 0.5% also hold a role name
                       with no cwRoleDef ("legacy-vpn", "old-intranet")
  cwRightToWorkExpiry  5%: 20% of those 1-200 days ago, 80% 1 month to 3
                       years ahead
  invalid values       0.1% of staff get one value the daemon must refuse
                       (record_invalid) but the schema accepts: cwClearance
                       "Secret", "sc" or "TOP SECRET", cwEmploymentStatus
                       "Active" or "contractor", or a cwRole "ops admin" or
                       "dev/ops"; such entries carry
                       "description: bench invalid <attribute>"
Roles: 32 standing roles (required clearance BPSS..DV) and 8 elevation roles
("*-admin", "breakglass": cwPrivileged TRUE, cwMaxElevation 30 min to 12 h).
Host classes: 20, required clearance none..eDV, 2-6 login roles and 1-2
admin roles each (login roles need no more clearance than the host class; DV
and eDV classes also admit "breakglass").  No uid, role or host class name
collides with tests/data/gen-sample.sh, so both can be loaded into one rig.
With 100,000 staff the LDIF is about 55 MB and takes about 2.5 s to make.
"""

import argparse
import random
import sys
import time

BASE = "dc=clearway,dc=test"
PEOPLE = "ou=people," + BASE
ROLES_OU = "ou=roles," + BASE
HOSTCLASSES_OU = "ou=hostclasses," + BASE
DAY = 86400

# (name, required clearance); standing roles, most common first (Zipf).
STANDING_ROLES = [
    ("staff-apps", "BPSS"), ("developer", "BPSS"), ("operations", "SC"), ("helpdesk", "BPSS"),
    ("analyst", "BPSS"), ("qa", "BPSS"), ("sre", "SC"), ("desktop", "BPSS"),
    ("data-eng", "SC"), ("web", "BPSS"), ("build", "BPSS"), ("release", "SC"),
    ("dba", "SC"), ("network", "SC"), ("secops", "SC"), ("soc-analyst", "SC"),
    ("finance-apps", "BPSS"), ("hr-apps", "BPSS"), ("payroll", "CTC"),
    ("audit", "CTC"), ("backup", "SC"), ("storage", "SC"), ("identity", "SC"),
    ("mobile", "BPSS"), ("research", "SC"), ("data-sci", "SC"),
    ("mainframe", "SC"), ("firewall", "SC"), ("pki", "DV"), ("forensics", "DV"),
    ("pentest", "SC"), ("crypto-custodian", "DV"),
]
# (name, required clearance, cwMaxElevation seconds)
ELEVATION_ROLES = [
    ("platform-admin", "SC", 14400), ("database-admin", "DV", 14400),
    ("net-admin", "SC", 7200), ("sec-admin", "DV", 3600),
    ("pki-admin", "eDV", 1800), ("storage-admin", "SC", 28800),
    ("identity-admin", "DV", 3600), ("breakglass", "eDV", 43200),
]
ORPHAN_ROLES = ["legacy-vpn", "old-intranet"]   # held, but never defined

# (name, required clearance)
HOST_CLASSES = [
    ("desktops", "none"), ("general-hosts", "BPSS"), ("web-dev", "BPSS"),
    ("ci-runners", "BPSS"), ("lab", "BPSS"), ("hr-systems", "CTC"),
    ("finance", "CTC"), ("web-prod", "SC"), ("sc-servers", "SC"),
    ("jump-hosts", "SC"), ("db-dev", "SC"), ("db-prod", "SC"),
    ("net-core", "SC"), ("backup", "SC"), ("storage", "SC"),
    ("soc-tools", "eSC"), ("mainframe", "eSC"), ("research-gpu", "DV"),
    ("dv-vault", "DV"), ("pki-hsm", "eDV"),
]

CLEARANCES = ["none", "BPSS", "CTC", "SC", "eSC", "DV", "eDV"]
CLEARANCE_WEIGHTS = [8, 40, 10, 28, 4, 8, 2]
CLEARANCE_CUM = [sum(CLEARANCE_WEIGHTS[:i + 1]) for i in range(len(CLEARANCES))]

ROLE_CUM = []
_total = 0.0
for _rank in range(len(STANDING_ROLES)):
    _total += 1.0 / (_rank + 1) ** 0.8
    ROLE_CUM.append(_total)

INVALID = [
    ("cwClearance", "Secret"), ("cwClearance", "sc"), ("cwClearance", "TOP SECRET"),
    ("cwEmploymentStatus", "Active"), ("cwEmploymentStatus", "contractor"),
    ("cwRole", "ops admin"), ("cwRole", "dev/ops"),
]

GIVEN = """Aaliyah Adam Aisha Alan Alice Amara Amelia Amir Ana Andrew Anna Arjun
Ben Bethany Bob Callum Carol Charlotte Chen Chloe Chris Daniel Dave David
Deborah Dylan Eleanor Elijah Ella Emily Erin Ethan Fatima Finn Frank Freya
Gareth George Grace Hannah Harry Heidi Isaac Isla Ivan Jack Jacob James Jasmine
Jessica Joanna John Joseph Judy Kai Karen Kate Kwame Laura Leo Liam Lily Lucy
Mallory Maria Mark Mary Matthew Mei Mohammed Nadia Naomi Nathan Niamh Noah
Oliver Olivia Oscar Owen Peggy Priya Rachel Rhys Robert Rosie Ruth Ryan Sam
Sarah Sean Sian Sofia Sophie Sybil Thomas Tom Victor Wei William Yusuf Zara
Zoe""".split()
SURNAMES = """Abbott Adams Ahmed Ali Allen Anderson Bailey Baker Barnes Bell Bennett
Brown Campbell Carter Chapman Clarke Collins Cook Cooper Cox Davies Davis Dixon
Edwards Ellis Evans Fisher Fletcher Foster Fraser Gibson Graham Gray Green
Griffiths Hall Harris Harrison Hill Holmes Hughes Hunt Hussain Jackson James
Jenkins Johnson Jones Kaur Kelly Khan King Knight Lee Lewis Lloyd Marshall
Martin Mason Matthews Miller Mills Mitchell Moore Morgan Morris Murphy Murray
Nguyen O'Brien Owen Palmer Parker Patel Phillips Powell Price Reid Reynolds
Richards Roberts Robinson Rogers Russell Scott Shaw Simpson Singh Smith
Stevens Stewart Taylor Thomas Thompson Turner Walker Ward Watson White Wilson
Wood Wright Young""".split()
TITLES = ["Engineer", "Senior Engineer", "Analyst", "Senior Analyst",
          "Administrator", "Consultant", "Manager", "Officer", "Architect",
          "Technician", "Lead", "Specialist", "Associate", "Director"]
DEPARTMENTS = ["Operations", "Engineering", "Security", "Finance",
               "Human Resources", "Research", "Infrastructure", "Data",
               "Service Desk", "Legal", "Procurement", "Estates"]


def gt(t):
    """GeneralizedTime of epoch seconds t."""
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(t))


def staff_rng(seed, i):
    """The generator of staff entry i: independent of every other entry."""
    return random.Random((seed * 0x9E3779B1 + i) & ((1 << 64) - 1) ^ 0x5DEECE66D)


def uid_of(i):
    return "s%06d" % i


def staff_record(seed, now, i):
    """(uid, [(attr, value), ...], invalid attribute or None) of staff i."""
    r = staff_rng(seed, i)
    rand = r.random
    randint = r.randint
    uid = uid_of(i)
    given = GIVEN[randint(0, len(GIVEN) - 1)]
    sn = SURNAMES[randint(0, len(SURNAMES) - 1)]
    a = [
        ("objectClass", "inetOrgPerson"),
        ("objectClass", "cwStaff"),
        ("uid", uid),
        ("cn", uid),
        ("sn", sn),
        ("givenName", given),
        ("displayName", given + " " + sn),
        ("mail", uid + "@clearway.test"),
        ("employeeNumber", str(100000 + i)),
        ("title", TITLES[randint(0, len(TITLES) - 1)]),
        ("departmentNumber", DEPARTMENTS[randint(0, len(DEPARTMENTS) - 1)]),
        ("telephoneNumber", "+44 20 7946 %04d" % randint(0, 999)),
        ("userPassword", "secret"),
    ]

    x = rand()
    status = "active" if x < 0.90 else "suspended" if x < 0.95 else "leaver"
    a.append(("cwEmploymentStatus", status))

    if rand() < 0.03:
        if rand() < 0.5:
            a.append(("cwLeavingDate", gt(now - randint(1, 365) * DAY - randint(0, DAY))))
        else:
            a.append(("cwLeavingDate", gt(now + randint(1, 120) * DAY + randint(0, DAY))))

    hired = now - min(15 * 365, 30 + int(r.expovariate(1 / 1500.0))) * DAY
    checks = ["cwIdentityCheck", "cwCriminalRecordCheck", "cwRightToWorkCheck"]
    missing = checks[randint(0, 2)] if rand() < 0.02 else None
    for c in checks:
        if c != missing:
            a.append((c, gt(hired - randint(1, 60) * DAY - randint(0, DAY))))

    if rand() < 0.05:
        if rand() < 0.2:
            a.append(("cwRightToWorkExpiry", gt(now - randint(1, 200) * DAY - randint(0, DAY))))
        else:
            a.append(("cwRightToWorkExpiry", gt(now + randint(30, 1100) * DAY + randint(0, DAY))))

    x = rand() * CLEARANCE_CUM[-1]
    level = next(c for c, cum in zip(CLEARANCES, CLEARANCE_CUM) if x < cum)
    if level == "none":
        if rand() < 0.5:
            a.append(("cwClearance", "none"))
    else:
        a.append(("cwClearance", level))
        if rand() < 0.11:      # of the 92% cleared: 10% of all staff
            if rand() < 0.3:
                a.append(("cwClearanceExpiry", gt(now - randint(1, 400) * DAY - randint(0, DAY))))
            else:
                a.append(("cwClearanceExpiry", gt(now + randint(30, 1825) * DAY + randint(0, DAY))))

    # 15 months back, to the second.
    a.append(("cwTrainingCompleted", gt(now - randint(0, 456 * DAY))))

    x = rand()
    nroles = 0 if x < 0.05 else 1 if x < 0.50 else 2 if x < 0.85 else 3
    roles = []
    while len(roles) < nroles:
        y = rand() * ROLE_CUM[-1]
        name = STANDING_ROLES[next(k for k, cum in enumerate(ROLE_CUM) if y < cum)][0]
        if name not in roles:
            roles.append(name)
    if rand() < 0.005:
        roles.append(ORPHAN_ROLES[randint(0, len(ORPHAN_ROLES) - 1)])
    for name in roles:
        a.append(("cwRole", name))

    invalid = None
    if rand() < 0.001:
        invalid, bad = INVALID[randint(0, len(INVALID) - 1)]
        if invalid == "cwRole":
            a.append(("cwRole", bad))
        else:
            a = [(k, v) for k, v in a if k != invalid]
            a.append((invalid, bad))
        a.append(("description", "bench invalid " + invalid))
    return uid, a, invalid


def entry(dn, attrs):
    return "dn: %s\n%s\n\n" % (dn, "\n".join("%s: %s" % kv for kv in attrs))


def role_entries():
    out = []
    for name, req in STANDING_ROLES:
        out.append(entry("cn=%s,%s" % (name, ROLES_OU), [
            ("objectClass", "cwRoleDef"), ("cn", name),
            ("description", "bench role " + name), ("cwRequiredClearance", req)]))
    for name, req, secs in ELEVATION_ROLES:
        out.append(entry("cn=%s,%s" % (name, ROLES_OU), [
            ("objectClass", "cwRoleDef"), ("cn", name),
            ("description", "bench elevation role " + name),
            ("cwRequiredClearance", req), ("cwMaxElevation", str(secs)),
            ("cwPrivileged", "TRUE")]))
    return out


def hostclass_entries(seed):
    r = random.Random(seed ^ 0x686F7374)
    rank = {c: k for k, c in enumerate(CLEARANCES)}
    admin = [n for n, _, _ in ELEVATION_ROLES if n != "breakglass"]
    out = []
    for name, req in HOST_CLASSES:
        # Login roles that need no more clearance than the host class.
        ok = max(rank[req], rank["BPSS"])
        standing = [n for n, rq in STANDING_ROLES if rank[rq] <= ok]
        login = r.sample(standing, r.randint(2, 6))
        admins = r.sample(admin, r.randint(1, 2))
        if req in ("DV", "eDV"):
            admins.append("breakglass")
        attrs = [("objectClass", "cwHostClass"), ("cn", name),
                 ("description", "bench host class " + name),
                 ("cwRequiredClearance", req)]
        attrs += [("cwLoginRole", x) for x in login]
        attrs += [("cwAdminRole", x) for x in admins]
        out.append(entry("cn=%s,%s" % (name, HOSTCLASSES_OU), attrs))
    return out


def container_entries():
    out = [entry(BASE, [("objectClass", "dcObject"), ("objectClass", "organization"),
                        ("dc", "clearway"), ("o", "Clearway benchmark directory")])]
    for ou in ("people", "hostclasses", "roles"):
        out.append(entry("ou=%s,%s" % (ou, BASE),
                         [("objectClass", "organizationalUnit"), ("ou", ou)]))
    return out


def main():
    p = argparse.ArgumentParser(
        description="Print a realistic Clearway directory as LDIF (see the header).")
    p.add_argument("n", nargs="?", type=int, default=100000, help="staff entries (100000)")
    p.add_argument("--seed", type=int, default=1, help="random seed (1)")
    p.add_argument("--now", type=int, default=None,
                   help="the clock, in seconds since the epoch (default: now)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--containers", dest="containers", action="store_true",
                   help="also print the base entry and the ou= containers")
    g.add_argument("--no-containers", dest="containers", action="store_false",
                   help="print no container entries (the default: rig.sh start made them)")
    args = p.parse_args()
    if args.n < 0:
        p.error("N must be >= 0")
    now = int(time.time()) if args.now is None else args.now

    out = sys.stdout
    out.write("# Clearway benchmark directory: bench/gen-directory.py %d --seed %d --now %d%s\n"
              "# (%s)\n\n" % (args.n, args.seed, now,
                               " --containers" if args.containers else "", gt(now)))
    if args.containers:
        out.write("".join(container_entries()))
    out.write("".join(role_entries()))
    out.write("".join(hostclass_entries(args.seed)))
    chunk = []
    for i in range(1, args.n + 1):
        uid, attrs, _ = staff_record(args.seed, now, i)
        chunk.append(entry("uid=%s,%s" % (uid, PEOPLE), attrs))
        if len(chunk) == 2000:
            out.write("".join(chunk))
            chunk = []
    out.write("".join(chunk))
    out.flush()


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(1)
