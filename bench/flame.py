#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fold `perf script` output into stacks and draw a flame graph (SVG).

    perf script -i perf.data | bench/flame.py [--folded OUT.txt] [--thread NAME]
        [--title T] [--min-pct P] > flame.svg

Each sample's frames (innermost first in perf script's text) become one
"root;...;leaf count" line; --folded writes those lines too.  The SVG is a
plain icicle-free flame graph: the root at the bottom, each frame as wide
as the share of samples under it, its name and share in a tooltip.  No
third-party code: only the Python standard library.
"""

import argparse
import collections
import html
import re
import sys

HEAD = re.compile(r"^(\S.*?)\s+(\d+)(?:/(\d+))?\s+")


def fold(lines, thread):
    """Counter of stacks (tuples root..leaf) from perf script text."""
    stacks = collections.Counter()
    comm, frames = None, []

    def done():
        if comm is not None and frames and (thread is None or comm == thread):
            stacks[tuple(reversed(frames))] += 1

    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            done()
            comm, frames = None, []
        elif not line[0].isspace():
            done()
            m = HEAD.match(line)
            comm, frames = (m.group(1) if m else line.split()[0]), []
        else:
            parts = line.split(None, 1)
            sym = parts[1] if len(parts) > 1 else parts[0]
            sym = re.sub(r"\+0x[0-9a-f]+", "", sym)     # offsets
            sym = re.sub(r"\s*\((.*/)?\[?([^/)\]]*)\]?\)$", r" [\2]", sym)
            frames.append(sym)
    done()
    return stacks


def tree(stacks):
    root = {"n": 0, "kids": {}}
    for st, n in stacks.items():
        node = root
        node["n"] += n
        for f in st:
            node = node["kids"].setdefault(f, {"n": 0, "kids": {}})
            node["n"] += n
    return root


def depth(node):
    return 1 + max((depth(k) for k in node["kids"].values()), default=0)


def color(name):
    h = sum(ord(c) for c in name)
    if "[kernel" in name:
        return "rgb(%d,%d,%d)" % (230, 120 + h % 60, 60)
    return "rgb(%d,%d,%d)" % (240, 160 + h % 80, 40 + h % 50)


def svg(root, title, width=1200, row=16, min_pct=0.0):
    rows = depth(root)
    height = rows * row + 40
    total = root["n"] or 1
    out = ['<?xml version="1.0" standalone="no"?>',
           '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="monospace" font-size="11">' % (width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="18" text-anchor="middle" font-size="14">%s '
           '(%d samples)</text>' % (width // 2, html.escape(title), total)]

    def draw(node, name, x, level):
        w = node["n"] * (width - 20) / total
        if w < 0.3 or 100.0 * node["n"] / total < min_pct:
            return
        y = height - (level + 1) * row
        pct = 100.0 * node["n"] / total
        label = html.escape(name)
        out.append('<g><title>%s (%d samples, %.2f%%)</title>'
                   '<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" '
                   'stroke="white" stroke-width="0.5"/>' %
                   (label, node["n"], pct, x, y, w, row - 1, color(name)))
        chars = int(w / 7)
        if chars >= 3:
            text = name if len(name) <= chars else name[:chars - 2] + ".."
            out.append('<text x="%.1f" y="%d">%s</text>' %
                       (x + 2, y + row - 4, html.escape(text)))
        out.append("</g>")
        for kname, kid in sorted(node["kids"].items()):
            draw(kid, kname, x, level + 1)
            x += kid["n"] * (width - 20) / total

    x = 10.0
    for kname, kid in sorted(root["kids"].items()):
        draw(kid, kname, x, 0)
        x += kid["n"] * (width - 20) / total
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folded", help="also write the folded stacks here")
    ap.add_argument("--thread", help="only samples of this thread (comm)")
    ap.add_argument("--title", default="flame graph")
    ap.add_argument("--min-pct", type=float, default=0.0,
                    help="leave out frames under this share of samples")
    a = ap.parse_args()
    stacks = fold(sys.stdin, a.thread)
    if a.folded:
        with open(a.folded, "w") as f:
            for st, n in stacks.most_common():
                f.write("%s %d\n" % (";".join(st), n))
    sys.stdout.write(svg(tree(stacks), a.title, min_pct=a.min_pct))


if __name__ == "__main__":
    main()
