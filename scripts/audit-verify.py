#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check a Clearway audit trail with nothing but the Python standard library.

An independent second implementation of `clearwayctl audit verify`, written
from the format in trail/audit.h and sharing no code with it, so that an
auditor need not trust our C to trust the trail:

    audit-verify.py --keys KEYDIR TRAILDIR

Prints "OK N records" and exits 0, or "FAIL FILE:LINE: what" and exits 1
(2 for usage).  The core of it is three lines: drop "mac", serialize with
sorted keys and no whitespace, and compare HMAC-SHA256 under the key.
"""
import hashlib
import hmac
import json
import os
import re
import sys

FILE_NAME = re.compile(r"audit-(\d{4}-\d{2}-\d{2})\.jsonl")
KEY_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")
ZERO_MAC = "0" * 64


class Broken(Exception):
    def __init__(self, where, what):
        super().__init__("%s: %s" % (where, what))


def canonical(record):
    """The MAC input (without "mac"), or the whole line (with it)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def no_duplicates(pairs):
    names = [name for name, _ in pairs]
    if len(names) != len(set(names)):
        raise ValueError("duplicate member")
    return dict(pairs)


def load_key(key_dir, key_id, cache):
    if key_id not in cache:
        if not KEY_ID.fullmatch(key_id):
            raise ValueError("invalid key id")
        with open(os.path.join(key_dir, key_id + ".key")) as f:
            cache[key_id] = bytes.fromhex(f.read().strip())
    return cache[key_id]


class Chain:
    def __init__(self, key_dir):
        self.key_dir = key_dir
        self.keys = {}
        self.last = None            # (seq, mac) of the last record
        self.next_key = None        # the key id the next record must carry
        self.start = None           # (seq, prev, where) of the oldest record
        self.start_allowed = False  # seq 1, or a retention record allows it
        self.records = 0

    def check(self, where, day, line_no, raw):
        try:
            self.check_record(where, day, line_no, raw)
        except OSError as e:
            raise Broken(where, "key: %s" % (e.strerror or e))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise Broken(where, "not a record (%r)" % e)

    def check_record(self, where, day, line_no, raw):
        record = json.loads(raw.decode("utf-8"),
                            object_pairs_hook=no_duplicates)
        mac = record.pop("mac")
        key = load_key(self.key_dir, record["key_id"], self.keys)
        want = hmac.new(key, canonical(record), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, mac):
            raise Broken(where, "MAC does not match: the record was altered")
        record["mac"] = mac
        if canonical(record) != raw:
            raise Broken(where, "not in canonical form: the line was edited")
        self.link(where, record)
        if (line_no == 1) != (record["type"] == "day_opened"):
            raise Broken(where, "day_opened must open a file, and only there")
        if record["type"] == "day_opened" and record["time"][:10] != day:
            raise Broken(where, "day_opened is not dated the file's day")
        self.accept(record)

    def link(self, where, record):
        seq, prev = record["seq"], record["prev"]
        if self.last is None:
            self.start = (seq, prev, where)
            self.start_allowed = seq == 1 and prev == ZERO_MAC
        elif (seq, prev) != (self.last[0] + 1, self.last[1]):
            raise Broken(where, "chain broken: seq %d after seq %d"
                         % (seq, self.last[0]))
        elif record["key_id"] != self.next_key:
            raise Broken(where, "key %s without a key_rotated record"
                         % record["key_id"])

    def accept(self, record):
        details = record["details"]
        self.next_key = record["key_id"]
        if record["type"] == "key_rotated":
            self.next_key = details["new_key_id"]
        if record["type"] == "retention_removed":
            keep = (details["keep_from_seq"], details["keep_from_prev"])
            if self.start[0] < keep[0] or self.start[:2] == keep:
                self.start_allowed = True
        self.last = (record["seq"], record["mac"])
        self.records += 1


def verify(trail, key_dir):
    names = sorted(n for n in os.listdir(trail) if FILE_NAME.fullmatch(n))
    if not names:
        raise Broken(trail, "no audit files")
    chain = Chain(key_dir)
    for name in names:
        day = FILE_NAME.fullmatch(name).group(1)
        line_no = 0
        with open(os.path.join(trail, name), "rb") as f:
            for line_no, line in enumerate(f, 1):
                where = "%s:%d" % (name, line_no)
                if not line.endswith(b"\n"):
                    raise Broken(where, "no newline: the file was cut short")
                chain.check(where, day, line_no, line[:-1])
        if line_no == 0:
            raise Broken("%s:0" % name, "the file is empty")
    if not chain.start_allowed:
        raise Broken(chain.start[2], "the oldest file does not start the "
                     "chain and no retention_removed record allows it")
    return chain.records


def main(argv):
    if len(argv) != 4 or argv[1] != "--keys":
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        records = verify(argv[3], argv[2])
    except Broken as e:
        print("FAIL %s" % e)
        return 1
    except OSError as e:
        print("FAIL %s: %s" % (e.filename, e.strerror))
        return 1
    print("OK %d records" % records)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
