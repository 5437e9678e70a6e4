#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hostile local clients of clearwayd's socket, bounded in time.

    flood_client.py hammer SOCKET USER SECONDS   connect+request in a loop
    flood_client.py hold SOCKET COUNT SECONDS    COUNT idle connections
    flood_client.py drop SOCKET USER SECONDS     change requests, unread
    flood_client.py probe SOCKET USER COUNT      timed checks, one per 0.2 s
    flood_client.py send SOCKET JSON             one request; prints status

Run as an unprivileged user (setpriv).  Each mode prints one line of what
it did; none talks to anything but the unix socket it is given.
"""
import json
import os
import socket
import struct
import sys
import time


def frame(body: dict) -> bytes:
    payload = json.dumps(body).encode()
    return struct.pack(">I", len(payload)) + payload


def connect(path: str, timeout: float = 0.5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
    except OSError:
        s.close()
        return None
    return s


def hammer(path: str, user: str, seconds: float) -> str:
    """Connects, sends a request and hangs up, as fast as it can."""
    req = frame({"v": 1, "op": "check", "user": user,
                 "host_class": "sc-hosts"})
    end = time.monotonic() + seconds
    sent = refused = 0
    while time.monotonic() < end:
        s = connect(path, 0.2)
        if s is None:
            refused += 1
            continue
        try:
            s.sendall(req)
            sent += 1
        except OSError:
            refused += 1
        s.close()
    return "hammer sent %d refused %d" % (sent, refused)


def alive(s) -> bool:
    try:
        return s.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def hold(path: str, count: int, seconds: float) -> str:
    """Keeps count connections open, each with half a header sent."""
    end = time.monotonic() + seconds
    held, opened = [], 0
    while time.monotonic() < end:
        held = [s for s in held if alive(s) or s.close()]
        while len(held) < count and time.monotonic() < end:
            s = connect(path, 0.2)
            if s is None:
                break
            try:
                s.send(b"\x00\x00")
            except OSError:
                s.close()
                continue
            held.append(s)
            opened += 1
        time.sleep(0.05)
    for s in held:
        s.close()
    return "hold opened %d" % opened


def drop(path: str, user: str, seconds: float) -> str:
    """Sends change requests (drop own elevation) and never reads the
    answers, keeping up to 512 connections open."""
    req = frame({"v": 1, "op": "drop", "user": user, "role": "ops"})
    end = time.monotonic() + seconds
    open_, sent = [], 0
    while time.monotonic() < end:
        s = connect(path, 0.2)
        if s is None:
            time.sleep(0.001)
            continue
        try:
            s.sendall(req)
            sent += 1
        except OSError:
            s.close()
            continue
        open_.append(s)
        if len(open_) > 512:
            open_.pop(0).close()
    for s in open_:
        s.close()
    return "drop sent %d" % sent


def send(path: str, body: str) -> str:
    s = connect(path, 5)
    if s is None:
        return "noconnect"
    s.settimeout(5)
    try:
        s.sendall(frame(json.loads(body)))
        hdr = b""
        while len(hdr) < 4:
            chunk = s.recv(4 - len(hdr))
            if not chunk:
                return "closed"
            hdr += chunk
        (n,) = struct.unpack(">I", hdr)
        data = b""
        while len(data) < n:
            chunk = s.recv(n - len(data))
            if not chunk:
                return "closed"
            data += chunk
        return json.loads(data)["status"]
    except socket.timeout:
        return "timeout"
    except OSError:
        return "closed"
    finally:
        s.close()


def blocking_connect(path: str, seconds: int):
    """Connects as clearway's own client does: a blocking connect bounded
    by SO_SNDTIMEO, which waits for room in a full listen backlog."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                 struct.pack("ll", seconds, 0))
    try:
        s.connect(path)
    except OSError:
        s.close()
        return None
    return s


def probe(path: str, user: str, count: int) -> str:
    """A well-behaved user's checks, one every 0.2 s: how long each took
    to get in (connect) and to be answered, at most."""
    req = frame({"v": 1, "op": "check", "user": user,
                 "host_class": "sc-hosts"})
    worst_in = worst_all = 0.0
    answered = 0
    for _ in range(count):
        t0 = time.monotonic()
        s = blocking_connect(path, 5)
        t1 = time.monotonic()
        if s is not None:
            s.settimeout(5)
            try:
                s.sendall(req)
                if len(s.recv(4)) == 4:
                    answered += 1
            except OSError:
                pass
            s.close()
        t2 = time.monotonic()
        worst_in = max(worst_in, t1 - t0)
        worst_all = max(worst_all, t2 - t0)
        time.sleep(0.2)
    return "probe answered %d of %d; connect max %d ms; answer max %d ms" % (
        answered, count, worst_in * 1000, worst_all * 1000)


def main() -> int:
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "hammer":
        print(hammer(path, sys.argv[3], float(sys.argv[4])))
    elif mode == "hold":
        print(hold(path, int(sys.argv[3]), float(sys.argv[4])))
    elif mode == "drop":
        print(drop(path, sys.argv[3], float(sys.argv[4])))
    elif mode == "probe":
        print(probe(path, sys.argv[3], int(sys.argv[4])))
    elif mode == "send":
        print(send(path, sys.argv[3]))
    else:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
