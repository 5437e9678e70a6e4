#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The man pages agree with the code, and mandoc finds nothing in them.

    man_test.py SRC_DIR CLEARWAYCTL

- every command, subcommand and option that `clearwayctl --help` lists is
  in clearwayctl.8, and every command and option clearwayctl.8 documents is
  in the help;
- every key of core/config.c's table has an entry in clearway.conf.5 under
  its own section, and every entry there is a key of the table;
- etc/clearway.conf.example names every key of the table too (set or
  commented out), and no other, and loads;
- every argument of pam_module/pam_args.c's table is in pam_clearway.8's
  OPTIONS, and every option there is in the table;
- `mandoc -Tlint` prints nothing for any of the four pages.

Prints "ok   - ..." / "FAIL - ..." lines and "N passed, M failed".
"""
import os
import re
import shutil
import subprocess
import sys

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print("ok   - " + what)
    else:
        failed += 1
        print("FAIL - " + what)


def roff_text(s):
    """Roff source to plain words: escapes that matter here undone."""
    s = s.replace("\\-", "-").replace("\\(aq", "'").replace("\\~", " ")
    s = re.sub(r"\\f[BIRP]", "", s)
    return s


def both_ways(name, code, page, what_code, what_page):
    for x in sorted(code):
        check(x in page, "%s: %s %s is in the page" % (name, what_code, x))
    for x in sorted(page - code):
        check(False, "%s: %s %s is not in the %s" % (name, what_page, x,
                                                     what_code))


def tp_heads(lines):
    """The first word of each .TP tag line: the entries of a list."""
    heads = []
    for i, line in enumerate(lines[:-1]):
        if line.strip() == ".TP":
            m = re.match(r'^\.B[IR]?\s+"?([A-Za-z_][A-Za-z_=-]*)', lines[i + 1])
            if m:
                heads.append((i + 1, m.group(1)))
    return heads


def clearwayctl(src, ctl):
    out = subprocess.run([ctl, "--help"], capture_output=True, text=True,
                         check=False).stdout
    help_cmds, help_subs = set(), set()
    for line in out.splitlines():
        m = re.match(r"^  ([a-z]+)( .*)?$", line)
        if not m:
            continue
        cmd = m.group(1)
        help_cmds.add(cmd)
        if " | " in line:
            for part in line.strip().split(" | "):
                words = part.split()
                sub = words[1] if words[0] == cmd else words[0]
                help_subs.add(cmd + " " + sub)
    help_opts = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-z])\b", out))
    check(len(help_cmds) >= 15, "clearwayctl --help lists %d commands"
          % len(help_cmds))

    page = open(os.path.join(src, "docs/man/clearwayctl.8")).read()
    lines = page.splitlines()
    start = lines.index(".SH COMMANDS")
    end = next(i for i in range(start + 1, len(lines))
               if lines[i].startswith(".SH "))
    page_cmds, page_subs = set(), set()
    for i in range(start, end - 1):
        if lines[i].strip() != ".TP":
            continue
        words = roff_text(lines[i + 1]).replace('"', " ").split()[1:]
        if not words:
            continue
        page_cmds.add(words[0])
        if words[0] in ("audit", "calendar") and len(words) > 1:
            page_subs.add(words[0] + " " + words[1])
    text = roff_text(page)
    page_opts = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-z])\b", text))
    # Options of other programs the page names (none today) would go here.
    both_ways("clearwayctl.8", help_cmds, page_cmds, "command in --help",
              "command")
    both_ways("clearwayctl.8", help_subs, page_subs, "subcommand in --help",
              "subcommand")
    both_ways("clearwayctl.8", help_opts, page_opts, "option in --help",
              "option")


def config_keys(src):
    code = open(os.path.join(src, "core/config.c")).read()
    table = code[code.index("static const struct key_spec keys[]"):]
    table = table[:table.index("};")]
    keys = set(re.findall(
        r'\b(?:STR|PATH|OPT_PATH|BOOL|INT|USERS|DIVISION|OBJECT|DURATION|ROLE)\(\s*"(\w+)",\s*"(\w+)"',
        table))
    check(len(keys) >= 50, "core/config.c's table has %d keys" % len(keys))

    lines = open(os.path.join(src, "docs/man/clearway.conf.5")).read().splitlines()
    documented, section = set(), None
    heads = dict(tp_heads(lines))
    for i, line in enumerate(lines):
        m = re.match(r'^\.SS "\[(\w+)\]"', line)
        if m:
            section = m.group(1)
        elif line.startswith(".SH ") or line.startswith(".SS "):
            section = None
        elif i in heads and section is not None:
            documented.add((section, heads[i]))
    both_ways("clearway.conf.5", {"[%s] %s" % k for k in keys},
              {"[%s] %s" % k for k in documented}, "key of the table",
              "documented key")


def example_keys(src, ctl):
    """etc/clearway.conf.example (the package's initial config) names every
    key, set or commented out, under its section, and loads."""
    code = open(os.path.join(src, "core/config.c")).read()
    keys = set(re.findall(
        r'\b(?:STR|PATH|OPT_PATH|BOOL|INT|USERS|DIVISION|OBJECT|DURATION|ROLE)\(\s*"(\w+)",\s*"(\w+)"',
        code))
    path = os.path.join(src, "etc/clearway.conf.example")
    named, section = set(), None
    for line in open(path):
        m = re.match(r"^\[(\w+)\]", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^#? ?([a-z_]+) = ", line)
        if m and section:
            named.add((section, m.group(1)))
    both_ways("clearway.conf.example", {"[%s] %s" % k for k in keys},
              {"[%s] %s" % k for k in named}, "key of the table",
              "named key")
    st = os.stat(path)
    if st.st_uid != 0 or st.st_mode & 0o022:
        print("ok   - loading the example skipped: not root's, or writable "
              "by others, here")
        return
    r = subprocess.run([ctl, "-c", path, "calendar", "holidays", "--year",
                        "2026"], capture_output=True, text=True, check=False)
    check(r.returncode == 0, "the example loads (clearwayctl -c example "
          "calendar holidays)%s" % ("" if r.returncode == 0 else
                                    ": " + r.stderr.strip()))


def pam_args(src):
    code = open(os.path.join(src, "pam_module/pam_args.c")).read()
    table = code[code.index("static const struct arg_spec arg_specs[]"):]
    table = table[:table.index("};")]
    args = set(re.findall(r'\{\s*"(\w+)",', table))
    check(len(args) >= 5, "pam_args.c's table has %d arguments" % len(args))

    lines = open(os.path.join(src, "docs/man/pam_clearway.8")).read().splitlines()
    start = lines.index(".SH OPTIONS")
    end = next(i for i in range(start + 1, len(lines))
               if lines[i].startswith(".SH "))
    documented = {h.split("=")[0] for i, h in tp_heads(lines)
                  if start < i < end}
    both_ways("pam_clearway.8", args, documented, "argument of the parser",
              "documented argument")


def lint(src):
    pages = ["clearwayctl.8", "clearwayd.8", "pam_clearway.8",
             "clearway.conf.5"]
    if shutil.which("mandoc") is None:
        print("ok   - mandoc -Tlint skipped: no mandoc (apt-get install mandoc)")
        return
    for p in pages:
        r = subprocess.run(["mandoc", "-Tlint", os.path.join(src, "docs/man", p)],
                           capture_output=True, text=True, check=False)
        msg = (r.stdout + r.stderr).strip()
        check(r.returncode == 0 and msg == "", "mandoc -Tlint %s%s" %
              (p, ": " + msg.splitlines()[0] if msg else ""))


def main():
    if len(sys.argv) != 3:
        print("usage: man_test.py SRC_DIR CLEARWAYCTL", file=sys.stderr)
        return 2
    src, ctl = sys.argv[1], sys.argv[2]
    clearwayctl(src, ctl)
    config_keys(src)
    example_keys(src, ctl)
    pam_args(src)
    lint(src)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
