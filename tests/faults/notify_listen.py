#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Stands in for systemd's NOTIFY_SOCKET: binds a datagram socket at PATH
# and appends each message it receives to LOG as "<monotonic s> <field>"
# lines (one per field of the message), flushed at once.
#   notify_listen.py PATH LOG
import os
import socket
import sys
import time

path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(log, "a", buffering=1) as out:
    while True:
        msg = s.recv(4096).decode(errors="replace")
        t = time.monotonic()
        for field in msg.split("\n"):
            if field:
                out.write(f"{t:.3f} {field}\n")
