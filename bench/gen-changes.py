#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print N LDIF modifications against a directory from bench/gen-directory.py.

    bench/gen-changes.py N [--seed S] [--staff M] [--dir-seed D] [--now EPOCH]
                           [--kinds training,clearance,status]

Each change is one "changetype: modify" that replaces one attribute of one
staff entry uid=sNNNNNN,ou=people,dc=clearway,dc=test with 1 <= NNNNNN <= M
(M = --staff, default 100000: the N given to gen-directory.py):
  training   cwTrainingCompleted := a time in the last 7 days, to the second
  clearance  cwClearance := a valid level other than the entry's own
  status     cwEmploymentStatus: active -> suspended (2/3) or leaver (1/3);
             suspended or leaver -> active
Kinds are drawn with weights training 2 : clearance 1 : status 1 from those
--kinds allows.  The entries changed are distinct while N <= M.  Feed the
output to ldapmodify (-c to go on past an error), e.g.
    bench/gen-changes.py 1000 --seed 7 | ldapmodify -x -H URI -D ADMIN -y PWFILE

Before each change a comment gives the value it replaces, as
gen-directory.py made it ("# s004217 cwClearance: SC -> DV"): exact when
--dir-seed and --now are what the directory was generated with (the
defaults are gen-directory.py's) and no earlier change touched the entry.
New values never equal those generated ones, so each change is a real
modification of a fresh directory.  The output is a pure function of the
arguments.
"""

import argparse
import importlib.util
import os
import random
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("gen_directory",
                                               os.path.join(here, "gen-directory.py"))
gd = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gd)

KIND_WEIGHTS = {"training": 2, "clearance": 1, "status": 1}
ATTR = {"training": "cwTrainingCompleted", "clearance": "cwClearance",
        "status": "cwEmploymentStatus"}


def main():
    p = argparse.ArgumentParser(
        description="Print N LDIF modify changes for a gen-directory.py directory.")
    p.add_argument("n", type=int, help="number of changes")
    p.add_argument("--seed", type=int, default=1, help="seed of the changes (1)")
    p.add_argument("--staff", type=int, default=100000,
                   help="staff entries in the directory (100000)")
    p.add_argument("--dir-seed", type=int, default=1,
                   help="the --seed the directory was generated with (1)")
    p.add_argument("--now", type=int, default=None,
                   help="the clock, in seconds since the epoch (default: now)")
    p.add_argument("--kinds", default="training,clearance,status",
                   help="comma-separated subset of training,clearance,status")
    args = p.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    bad = [k for k in kinds if k not in KIND_WEIGHTS]
    if bad or not kinds:
        p.error("--kinds: choose from training, clearance, status")
    if args.n < 0 or args.staff < 1:
        p.error("N must be >= 0 and --staff >= 1")
    now = int(time.time()) if args.now is None else args.now

    r = random.Random(args.seed ^ 0x6368616E6765)
    if args.n <= args.staff:
        targets = r.sample(range(1, args.staff + 1), args.n)
    else:
        targets = [r.randint(1, args.staff) for _ in range(args.n)]
    weights = [KIND_WEIGHTS[k] for k in kinds]

    out = []
    out.append("# Clearway benchmark changes: bench/gen-changes.py %d --seed %d --staff %d"
               " --dir-seed %d --now %d --kinds %s\n\n"
               % (args.n, args.seed, args.staff, args.dir_seed, now, ",".join(kinds)))
    for i in targets:
        kind = r.choices(kinds, weights)[0]
        attr = ATTR[kind]
        uid, attrs, _ = gd.staff_record(args.dir_seed, now, i)
        old = next((v for k, v in attrs if k == attr), None)
        if kind == "training":
            new = old
            while new == old:
                new = gd.gt(now - r.randint(0, 7 * gd.DAY))
        elif kind == "clearance":
            new = r.choice([c for c in gd.CLEARANCES if c != (old or "none")])
        else:
            if old == "active":
                new = "suspended" if r.random() < 2 / 3 else "leaver"
            else:
                new = "active"
        out.append("# %s %s: %s -> %s\n" % (uid, attr, old if old is not None else "(absent)", new))
        out.append("dn: uid=%s,%s\nchangetype: modify\nreplace: %s\n%s: %s\n-\n\n"
                   % (uid, gd.PEOPLE, attr, attr, new))
    sys.stdout.write("".join(out))
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(1)
