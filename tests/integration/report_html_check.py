#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Validates an evidence pack (clearwayctl report --format html) against the
# same month's JSON report: well-formed, self-contained (no script, no
# external resource), one table row and one chart bar per revocation with
# its state, totals that add up, an audit-trail section, and one row per
# access request when the JSON report has the request log.
#   report_html_check.py PACK.html REPORT.json
import html.parser
import json
import sys

VOID = {"meta", "br", "hr", "img", "input", "link", "line", "rect"}


class Pack(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.rows, self.bars, self.ids = [], [], [], set()
        self.row, self.cell, self.in_td = None, "", False
        self.errors = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "link", "iframe", "object", "embed", "img"):
            self.errors.append("external or active element <%s>" % tag)
        for k, v in attrs:
            if k == "src" or k.startswith("on"):
                self.errors.append("attribute %s on <%s>" % (k, tag))
            if k == "href" and not (v or "").startswith("#"):
                self.errors.append("link out of the file: %s" % v)
            if k == "id":
                self.ids.add(v)
        if tag == "rect":
            self.bars.append(a.get("class", ""))
        if tag == "tr":
            self.row = []
        if tag == "td":
            self.in_td, self.cell = True, ""
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()
        if tag == "td":
            self.in_td = False
            self.row.append(self.cell)
        if tag == "tr" and self.row:
            self.rows.append(self.row)

    def handle_data(self, data):
        if self.in_td:
            self.cell += data


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    report = json.load(open(sys.argv[2]))
    revs = report["revocations"]
    assert text.startswith("<!DOCTYPE html>"), "no doctype"
    assert "url(" not in text and "@import" not in text, "CSS reaches out"
    p = Pack()
    p.feed(text)
    p.close()
    assert not p.errors, p.errors
    assert not p.stack, "unclosed: %s" % p.stack
    for want in ("revocations", "totals", "chart", "trail"):
        assert want in p.ids, "no section %s" % want
    table = [r for r in p.rows if len(r) == 10]
    assert [r[0] for r in table] == [r["id"] for r in revs], "rows differ"
    state = {True: "m", False: "x", None: "o"}
    assert p.bars == ["bar-" + state[r.get("met")] for r in revs], p.bars
    totals = [r for r in p.rows if len(r) == 4][-1]
    met = sum(1 for r in revs if r.get("met") is True)
    missed = sum(1 for r in revs if r.get("met") is False)
    assert totals == [str(len(revs)), str(met), str(missed),
                      str(len(revs) - met - missed)], totals
    # The access-request log: one 9-cell row per request, in order.
    reqs = report.get("access_requests")
    if reqs is not None:
        assert "requests" in p.ids, "no section requests"
        logged = [r[0] for r in p.rows if len(r) == 9]
        assert logged == [r["id"] for r in reqs], "request rows differ"
    print("%d revocations (%d met, %d missed): rows, bars and totals agree; "
          "%s access requests; self-contained" % (len(revs), met, missed,
          "no" if reqs is None else len(reqs)))


main()
