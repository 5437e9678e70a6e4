#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Stops ONE thread of a process for a while, the others running on: the
# way to hang a daemon's server loop without a test hook in the daemon.
# SIGSTOP cannot (it stops every thread); a ptrace interrupt of one tid
# can.  Needs CAP_SYS_PTRACE (root).
#   thread_stop.py TID SECONDS
import ctypes
import os
import sys
import time

PTRACE_DETACH, PTRACE_SEIZE, PTRACE_INTERRUPT = 17, 0x4206, 0x4207
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                        ctypes.c_void_p]
tid, seconds = int(sys.argv[1]), float(sys.argv[2])


def call(req):
    if libc.ptrace(req, tid, None, None) != 0:
        e = ctypes.get_errno()
        sys.exit(f"ptrace {req} {tid}: {os.strerror(e)}")


call(PTRACE_SEIZE)
call(PTRACE_INTERRUPT)
os.waitpid(tid, os.__dict__.get("__WALL", 0x40000000))
print("stopped", flush=True)
time.sleep(seconds)
call(PTRACE_DETACH)
print("resumed", flush=True)
