#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""How long a thread waits for a CPU once woken, and behind whom.

Reads `perf script -F cpu,time,event,trace` of sched:sched_switch and
sched:sched_wakeup (all CPUs) on stdin.  For each wakeup of TID, the time
until it is switched in; prints the distribution and, for the waits over
--slow microseconds, what the target CPU was running when the wakeup came
(bench/profile.sh).  Pure text processing: it asserts nothing.
"""
import argparse
import collections
import re
import sys

LINE = re.compile(r"\[(\d+)\]\s+([\d.]+): sched:(\w+): (.*)")
NEXT = re.compile(r"==> next_comm=(.*?) next_pid=(\d+)")
TARGET = re.compile(r"target_cpu=0*(\d+)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tid", help="the thread to follow (the answer thread)")
    ap.add_argument("--slow", type=float, default=100.0,
                    help="a wait over this many us counts as slow")
    a = ap.parse_args()
    running = {}            # cpu -> comm on it now
    woken = None            # (time, comm running on the target cpu)
    waits = []
    behind = collections.Counter()
    pid_tag = "pid=%s " % a.tid
    for line in sys.stdin:
        m = LINE.match(line)
        if m is None:
            continue
        cpu, t, event, rest = int(m.group(1)), float(m.group(2)), \
            m.group(3), m.group(4)
        if event == "sched_switch":
            n = NEXT.search(rest)
            if n is None:
                continue
            if n.group(2) == a.tid and woken is not None:
                us = (t - woken[0]) * 1e6
                waits.append(us)
                if us > a.slow:
                    behind[woken[1]] += 1
                woken = None
            running[cpu] = n.group(1)
        elif event == "sched_wakeup" and pid_tag in rest:
            tc = TARGET.search(rest)
            target = int(tc.group(1)) if tc else cpu
            woken = (t, running.get(target, "?"))
    if not waits:
        print("no wakeups of thread %s in the trace" % a.tid)
        return 1
    waits.sort()

    def q(p):
        return waits[min(len(waits) - 1, int(len(waits) * p))]
    slow = sum(behind.values())
    print("wakeups %d; wake -> running (us): median %.1f, p99 %.1f, "
          "p99.9 %.1f, max %.1f" % (len(waits), q(.5), q(.99), q(.999),
                                    waits[-1]))
    print("over %.0f us: %d (%.2f%%); the target CPU was running:" %
          (a.slow, slow, 100.0 * slow / len(waits)))
    for comm, n in behind.most_common(8):
        print("  %-24s %d" % (comm, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
