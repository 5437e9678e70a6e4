#!/bin/bash
# SPDX-License-Identifier: MIT
# The audit trail end to end: a trail written by the real store
# (audit_fixture), checked by the real clearwayctl and by the independent
# Python verifier (scripts/audit-verify.py), intact and after each kind of
# tampering.  The two must agree on pass/fail and on the file and line of
# the first problem.  Then export (JSONL and CSV), usage errors, and a
# caller who may not read the trail.
#   audit_cli_test.sh CLEARWAYCTL AUDIT_FIXTURE AUDIT_VERIFY_PY
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
ctl=$1 fixture=$2 pyverify=$3

work=$(mktemp -d /tmp/cw-audit-cli-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"              # the config is readable; keys and trail not
keys=$work/keys trail=$work/trail conf=$work/clearway.conf
export CW_LAST_OUT=$work/last.out
mkdir -m 0700 "$keys"
(umask 077; openssl rand -hex 32 >"$keys/k1.key"; openssl rand -hex 48 >"$keys/k2.key")
cat >"$conf" <<EOF
[daemon]
ldap_sync = no
[audit]
directory = $trail
key_dir = $keys
EOF

day() { echo "$trail/audit-2026-01-$1.jsonl"; }

fresh() {
    rm -rf "$trail"
    "$fixture" "$trail" "$keys" "${1:-basic}" || { fail "fixture ${1:-basic}"; finish; exit 1; }
}

# c_where: "kind file:line" of clearwayctl's first problem, or "intact".
c_where() {
    "$ctl" -c "$conf" --json audit verify 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
p = r.get("problem")
print("intact" if r["intact"] else "%s %s:%d" % (p["kind"], p["file"], p["line"]))'
}

# py_where: "file:line" of the Python verifier's first problem, or "intact".
py_where() {
    python3 "$pyverify" --keys "$keys" "$trail" |
        sed -n -e 's/^OK .*/intact/p' -e 's/^FAIL \([^ ]*\): .*/\1/p'
}

# agree NAME WANT: clearwayctl says WANT ("intact" or "kind file:line"),
# the Python verifier the same place, and clearwayctl's exit code matches.
agree() {
    local name=$1 want=$2 c py rc=0 want_rc=1
    c=$(c_where)
    py=$(py_where)
    "$ctl" -c "$conf" audit verify >/dev/null 2>&1 || rc=$?
    [[ $want == intact ]] && want_rc=0
    if [[ $c == "$want" && $py == "${want#* }" && $rc -eq $want_rc ]]; then
        pass "$name: $want"
    else
        fail "$name: wanted '$want', clearwayctl '$c' (exit $rc), python '$py'"
    fi
}

# --- verification, both implementations -----------------------------------
fresh
agree "intact trail (4 files, rotation, date gap)" intact
"$ctl" -c /nonexistent --json audit verify --dir "$trail" --keys "$keys" |
    grep -q '"key_rotations":1,.*"days_without_file":1' &&
    pass "--dir/--keys need no config; rotation and date gap counted" ||
    fail "--dir/--keys without config"
"$ctl" -c "$conf" audit verify | grep -q '^audit trail intact: 4 files, 29 records' &&
    pass "human output" || fail "human output: $("$ctl" -c "$conf" audit verify)"

fresh; sed -i '3s/sshd/sshe/' "$(day 06)"
agree "changed byte" "changed audit-2026-01-06.jsonl:3"

fresh; sed -i '3s/"seq":\([0-9]*\)/"seq": \1/' "$(day 06)"
agree "re-laid-out line (same content)" "changed audit-2026-01-06.jsonl:3"

fresh; sed -i '4d' "$(day 06)"
agree "deleted line" "deleted audit-2026-01-06.jsonl:4"

fresh; awk 'NR == 3 { held = $0; next } { print } NR == 4 { print held }' \
    "$(day 06)" >"$work/swapped" && cat "$work/swapped" >"$(day 06)"
agree "swapped pair" "reordered audit-2026-01-06.jsonl:3"

fresh; truncate -s -7 "$(day 09)"
agree "truncated newest file" "truncated audit-2026-01-09.jsonl:7"

fresh; sed -i '$d' "$(day 06)"
agree "records cut off an older file" "deleted audit-2026-01-07.jsonl:1"

fresh; rm "$(day 06)"
agree "missing day" "missing_day audit-2026-01-07.jsonl:1"

fresh; rm "$(day 05)"
agree "oldest file deleted" "missing_start audit-2026-01-06.jsonl:1"

fresh; mv "$(day 07)" "$(day 08)"
agree "file renamed to another day" "changed audit-2026-01-08.jsonl:1"

fresh; rm "$keys/k1.key"
[[ $(c_where) == "key audit-2026-01-05.jsonl:1" && $(py_where) == audit-2026-01-05.jsonl:1 ]] &&
    pass "missing key: both stop at the first record" || fail "missing key: $(c_where) / $(py_where)"
(umask 077; openssl rand -hex 32 >"$keys/k1.key")

fresh retention
agree "legitimate retention removal" intact
ls "$trail" | grep -q 2026-01-05 && fail "retention removed nothing" || pass "retention removed the old files"
rm "$trail"/audit-2026-04-15.jsonl
agree "deletion beyond what retention allowed" "missing_start audit-2026-07-24.jsonl:1"

# --- export ------------------------------------------------------------------
fresh
out=$work/export.jsonl
"$ctl" -c "$conf" audit export --since 2026-01-06T00:00:00Z --until 2026-01-07T00:00:00Z >"$out"
n=$(wc -l <"$out")
# The 6th: day_opened, 6 events, key_rotated.
[[ $n -eq 8 ]] && pass "jsonl export of one day: $n records" || fail "jsonl export: $n records"
grep -qvFxf "$(day 06)" "$out" && fail "exported lines differ from the stored ones" ||
    pass "jsonl export is the stored lines, MACs and all"
python3 "$pyverify" --keys "$keys" "$trail" >/dev/null && pass "export leaves the trail intact" ||
    fail "export changed the trail"

"$ctl" -c "$conf" audit export --format csv --since 2026-01-06T10:00:00Z \
    --until 2026-01-06T12:00:00Z >"$work/export.csv"
python3 - "$work/export.csv" <<'EOF' && pass "csv export: RFC 4180, fixed columns, details as JSON" || fail "csv export"
import csv, json, sys
raw = open(sys.argv[1], newline="").read()
assert raw.endswith("\r\n") and "\n" not in raw.replace("\r\n", ""), "CRLF rows"
rows = list(csv.reader(raw.splitlines(keepends=True)))
assert rows[0] == ["seq", "time", "host", "type", "actor", "subject",
                   "outcome", "details", "key_id", "prev", "mac"], rows[0]
assert len(rows) == 3, len(rows)
for r in rows[1:]:
    assert "2026-01-06T10:00:00" <= r[1] < "2026-01-06T12:00:00", r[1]
    assert json.loads(r[7])["service"] == "sshd"
assert any('"QA"' in r[4] or '"QA"' in r[5] for r in rows[1:]), rows
EOF
all=$("$ctl" -c "$conf" audit export | wc -l)
[[ $all -eq 29 ]] && pass "export without a range: all 29" || fail "export all: $all"
printf 'junk\n' >>"$(day 09)"
expect_exit 1 "export with a line that is not a record: exit 1" \
    "$ctl" -c "$conf" audit export
grep -q "audit-2026-01-09.jsonl:8" "$CW_LAST_OUT" && pass "export names the bad line" ||
    fail "export did not name the bad line"

# --- usage and permission ----------------------------------------------------
expect_exit 2 "unknown subcommand" "$ctl" -c "$conf" audit frobnicate
expect_exit 2 "no subcommand" "$ctl" -c "$conf" audit
expect_exit 2 "--format xml" "$ctl" -c "$conf" audit export --format xml
expect_exit 2 "--since in local time" "$ctl" -c "$conf" audit export --since 2026-01-06T00:00:00
expect_exit 2 "--since after --until" "$ctl" -c "$conf" audit export \
    --since 2026-01-07T00:00:00Z --until 2026-01-06T00:00:00Z
expect_exit 2 "verify takes no argument" "$ctl" -c "$conf" audit verify extra
expect_exit 3 "no config and no --dir" "$ctl" -c /nonexistent audit verify
if command -v setpriv >/dev/null; then
    # Reading the files here (--dir): anyone else asks clearwayd, which
    # serves auditors (tests/integration/audit_daemon_test.sh).
    expect_exit 4 "verify as nobody: not permitted" \
        setpriv --reuid=nobody --regid=nogroup --clear-groups "$ctl" -c "$conf" audit verify --dir "$trail"
    expect_exit 4 "export as nobody: not permitted" \
        setpriv --reuid=nobody --regid=nogroup --clear-groups "$ctl" -c "$conf" audit export --dir "$trail"
    # A readable trail whose keys are not: a permission problem, not a
    # verdict on the chain.
    fresh
    chmod 0755 "$trail"; chmod 0644 "$trail"/audit-*.jsonl
    expect_exit 4 "verify with unreadable keys: not permitted" \
        setpriv --reuid=nobody --regid=nogroup --clear-groups "$ctl" -c "$conf" audit verify --dir "$trail"
    grep -q "permission denied" "$CW_LAST_OUT" && ! grep -q "NOT intact" "$CW_LAST_OUT" &&
        pass "unreadable keys: 'permission denied', not 'NOT intact'" ||
        fail "unreadable keys: $(cat "$CW_LAST_OUT")"
else
    pass "setpriv missing: permission test skipped"
fi
finish
