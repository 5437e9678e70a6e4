#!/bin/bash
# SPDX-License-Identifier: MIT
# An auditor reads the trail without root (issue 17): clearwayctl audit
# verify and audit export, run as a real non-root user with the auditor
# role, are served by the daemon on the writer host (control/audit_query.c)
# and give exactly what root reads from the files, in pages, with the
# --user, --type and --host filters; anyone without the role is refused.
#   audit_daemon_test.sh CLEARWAYD CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../faults" && pwd)
daemon=$1 ctl=$2
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"
. "$here/../lib/users.sh"
. "$here/audit_lib.sh"

work=$(mktemp -d /tmp/cw-audit-daemon-test.XXXXXX)
chmod 0755 "$work"
cleanup() {
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$work/rig" >/dev/null 2>&1
    cw_users_release
    rm -rf "$work"
}
trap cleanup EXIT
export CW_LAST_OUT=$work/last.out

cw_users_hold audrey harry || exit 1
fa_rig || { echo "cannot start the rig" >&2; exit 1; }
fa_write_client
conf=$work/clearway.conf trail=$work/trail
fa_conf "$conf" "$work/spool" "$trail"
cw_start_daemon "$daemon" "$conf" "$work/clearwayd.log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { tail "$work/clearwayd.log"; exit 1; }
as() { local u=$1; shift; setpriv --reuid="$u" --regid=users --clear-groups "$ctl" -c "$conf" "$@"; }

# 600 decision records (about 250 KB of trail: many pages) and some
# requests by harry, all sealed before we read.
fa_decide "$work/clearwayd.sock" "$work/tags" t 600 >/dev/null 2>&1
for _ in 1 2 3; do as harry status harry >/dev/null 2>&1; done
sealed() { [ "$(cat "$trail"/audit-*.jsonl 2>/dev/null | grep -c '"type":"pam_decision"')" -ge 600 ]; }
for _ in $(seq 300); do sealed && break; sleep 0.1; done
sealed && pass "600 decisions sealed in the trail" || fail "decisions not sealed"
sleep 1

# --- verify ------------------------------------------------------------------
expect_exit 0 "the auditor verifies the trail without root" as audrey audit verify
grep -c "audit trail intact" "$CW_LAST_OUT" >/dev/null && pass "... and it is intact" ||
    fail "verify said: $(cat "$CW_LAST_OUT")"
"$ctl" -c "$conf" --json audit verify >"$work/root.json"
as audrey --json audit verify >"$work/auditor.json"
python3 - "$work/root.json" "$work/auditor.json" <<'PY' && pass "the same report as root's" || fail "reports differ"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
# The trail may have grown by a record or two between the two runs.
for k in ("intact", "first_seq", "key_rotations", "retention_removals"):
    assert a[k] == b[k], (k, a[k], b[k])
assert b["records"] >= a["records"] >= 600
PY
expect_exit 4 "HR may not read the trail" as harry audit verify
expect_exit 4 "nobody may not export it" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$ctl" -c "$conf" audit export

# --- export --------------------------------------------------------------------
upto=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
"$ctl" -c "$conf" audit export --until "$upto" >"$work/root.jsonl"
as audrey audit export --until "$upto" >"$work/auditor.jsonl"
rc=$?
n=$(wc -l <"$work/root.jsonl")
[ $rc -eq 0 ] && cmp -s "$work/root.jsonl" "$work/auditor.jsonl" &&
    pass "export through the daemon: the same $n records, byte for byte, as root reads" ||
    fail "export differs (exit $rc; $(wc -l <"$work/auditor.jsonl") vs $n lines)"
pages=$(grep -c 'op=audit_export caller=audrey' "$work/clearwayd.log")
[ "$pages" -ge 5 ] && pass "... fetched in $pages pages" || fail "pages: $pages"
"$ctl" -c "$conf" audit export --until "$upto" --format csv >"$work/root.csv"
as audrey audit export --until "$upto" --format csv >"$work/auditor.csv"
cmp -s "$work/root.csv" "$work/auditor.csv" && pass "CSV too" || fail "CSV differs"
as audrey audit export --until "$upto" --user harry >"$work/harry.jsonl"
as audrey audit export --until "$upto" --type daemon_start >"$work/start.jsonl"
as audrey audit export --until "$upto" --host nowhere.example >"$work/none.jsonl"
if out=$(python3 - "$work" <<'PY'
import json, sys, socket
w = sys.argv[1]
rows = [json.loads(l) for l in open(w + "/root.jsonl")]
def want(f):
    return [r for r in rows if f(r)]
harry = [json.loads(l) for l in open(w + "/harry.jsonl")]
assert harry == want(lambda r: "harry" in (r["actor"], r["subject"])) and harry, len(harry)
start = [json.loads(l) for l in open(w + "/start.jsonl")]
assert start == want(lambda r: r["type"] == "daemon_start") and start, len(start)
assert open(w + "/none.jsonl").read() == ""
print("--user harry: %d, --type daemon_start: %d, --host nowhere: 0" % (len(harry), len(start)))
PY
); then pass "filters: $out, each what root's export holds"; else fail "filters: $out"; fi
expect_exit 2 "an unknown --type is a usage error" as audrey audit export --type nonsense
finish
