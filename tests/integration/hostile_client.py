#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Sends hostile input to clearwayd's socket and prints what came back.

    hostile_client.py SOCKET CASE

Prints the response's "status" member, or "closed" when the daemon closed
the connection without an answer, or "timeout".  The daemon must answer
every case with an error or close, and never allow.
"""
import json
import os
import socket
import struct
import sys
import time


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def request(**fields) -> bytes:
    body = {"v": 1, "op": "check", "user": "alice", "host_class": "sc-hosts"}
    body.update(fields)
    return json.dumps(body).encode()


CASES = {
    "garbage": os.urandom(64),
    "huge_length": b"\xff\xff\xff\xff" + b"x" * 16,
    "zero_length": b"\x00\x00\x00\x00",
    "not_json": frame(b"this is not json at all"),
    "wrong_version": frame(request(v=99)),
    "unknown_op": frame(request(op="grant_everything")),
    "unknown_member": frame(request(admin=True)),
    "long_user": frame(request(user="a" * 10240)),
    "control_user": frame(request(user="al\x1bice")),
    "binary_json": frame(b'{"v":1,"op":"check","user":"\xff\xfe"}'),
    "deep_json": frame(b"[" * 5000 + b"]" * 5000),
    "valid": frame(request()),
}


def exchange(path: str, data: bytes) -> str:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(8)
    s.connect(path)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        return "closed"
    try:
        hdr = b""
        while len(hdr) < 4:
            chunk = s.recv(4 - len(hdr))
            if not chunk:
                return "closed"
            hdr += chunk
        (n,) = struct.unpack(">I", hdr)
        body = b""
        while len(body) < n:
            chunk = s.recv(n - len(body))
            if not chunk:
                return "closed"
            body += chunk
        return json.loads(body)["status"] + " " + json.loads(body).get(
            "verdict", "-")
    except socket.timeout:
        return "timeout"
    except ConnectionResetError:
        return "closed"
    finally:
        s.close()


def hold(path: str, count: int, seconds: float) -> str:
    """Opens count connections that send half a header and wait."""
    held = []
    for _ in range(count):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.send(b"\x00\x00")
            held.append(s)
        except OSError:
            break
    time.sleep(seconds)
    for s in held:
        s.close()
    return "held %d" % len(held)


def main() -> int:
    path, case = sys.argv[1], sys.argv[2]
    if case == "hold":
        print(hold(path, int(sys.argv[3]), float(sys.argv[4])))
        return 0
    if case == "half_then_close":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.send(frame(request())[:10])
        s.close()
        print("closed")
        return 0
    print(exchange(path, CASES[case]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
