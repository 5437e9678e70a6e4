#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# An impostor clearwayd: listens on the given Unix socket path(s) and
# answers every request "allow" (status ok, reason ok), as a process that
# got hold of the socket path could.  The PAM module and clearwayctl must
# refuse it (io/client.c: the peer's uid, the socket directory's owner).
#   fake_daemon.py READY_FILE SOCKET [SOCKET...]
# Touches READY_FILE once listening; serves until killed.
import json
import os
import select
import socket
import struct
import sys

ALLOW = json.dumps({"v": 1, "status": "ok", "verdict": "allow",
                    "reason": "ok"}).encode()


def serve(conn):
    conn.settimeout(2)
    try:
        hdr = conn.recv(4, socket.MSG_WAITALL)
        if len(hdr) == 4:
            (n,) = struct.unpack(">I", hdr)
            conn.recv(min(n, 65536), socket.MSG_WAITALL)
            conn.sendall(struct.pack(">I", len(ALLOW)) + ALLOW)
    except OSError:
        pass
    conn.close()


def main():
    ready, paths = sys.argv[1], sys.argv[2:]
    socks = []
    for p in paths:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(p)
        os.chmod(p, 0o777)
        s.listen(16)
        socks.append(s)
    open(ready, "w").close()
    while True:
        r, _, _ = select.select(socks, [], [])
        for s in r:
            serve(s.accept()[0])


main()
