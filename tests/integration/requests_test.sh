#!/bin/bash
# SPDX-License-Identifier: MIT
# Access requests and the access review (issue 17), through the real
# daemon, CLI, slapd and Redis, as real local users:
#   - a user files a request; approvers are notified; the requester sees
#     their own, an approver what they may approve;
#   - a user cannot approve their own request; an approver without the
#     role's clearance cannot; a rejected or expired request cannot be
#     approved; the bounds (one per role, five per person) refuse clearly;
#   - an approval creates a working elevation (decision allow in admin
#     mode); the requester is notified of approval and rejection;
#   - every step is in the audit trail; report gives the request log;
#   - review --host-class lists who may log on, through what, their last
#     logon from the trail, and flags standing roles unused for N days.
#   requests_test.sh CLEARWAYD CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../faults" && pwd)
daemon=$1 ctl=$2
. "$here/../lib/tap.sh"
. "$here/../lib/daemon.sh"
. "$here/../lib/users.sh"
. "$here/audit_lib.sh"

work=$(mktemp -d /tmp/cw-requests-test.XXXXXX)
chmod 0755 "$work"
cleanup() {
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$work/rig" >/dev/null 2>&1
    cw_users_release
    rm -rf "$work"
}
trap cleanup EXIT
export CW_LAST_OUT=$work/last.out

cw_users_hold oscar victor anna andy audrey alice || exit 1
fa_rig || { echo "cannot start the rig" >&2; exit 1; }
fa_write_client
mkdir -m 0700 "$work/out" && chown nobody "$work/out"
mkdir -m 0755 "$work/bin"
# A notifier: each event (one JSON line on stdin) into a file of its own.
cat >"$work/bin/notify" <<EOS
#!/bin/sh
f=$work/out/ev.\$\$
cat >"\$f.tmp" && mv "\$f.tmp" "\$f"
EOS
chmod 0755 "$work/bin/notify"
conf=$work/clearway.conf trail=$work/trail
fa_conf "$conf" "$work/spool" "$trail" "[daemon]" \
    "notify_command = $work/bin/notify" "notify_user = nobody"
cw_start_daemon "$daemon" "$conf" "$work/clearwayd.log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { tail "$work/clearwayd.log"; exit 1; }
as() { local u=$1; shift; setpriv --reuid="$u" --regid=users --clear-groups "$ctl" -c "$conf" "$@"; }
rcli() { redis-cli -s "$CW_REDIS_SOCKET" "$@"; }
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
decision() {  # USER MODE: the reason check gives on sc-hosts
    "$ctl" -c "$conf" --json check "$1" --host-class sc-hosts --mode "$2" 2>/dev/null |
        jget 'd["decision"] + " " + d["reason"]'
}
wait_for() {
    local i
    for ((i = 0; i < 150; i++)); do "$@" && return 0; sleep 0.1; done
    return 1
}
# notified TYPE NOTIFY: a notification of TYPE for NOTIFY was delivered.
notified() {
    grep -l "\"type\":\"$1\"" "$work/out"/ev.* 2>/dev/null |
        xargs -r grep -l "\"notify\":\"$2\"" 2>/dev/null | grep -c . >/dev/null
}

# --- filing ------------------------------------------------------------------
expect_exit 2 "--role, --for and --reason are required" as oscar request --role ops-admin --for 1h
expect_exit 1 "longer than the role's cwMaxElevation is refused" \
    as oscar request --role ops-admin --for 5h --reason "upgrade"
expect_exit 1 "a role that cannot be elevated to is refused" \
    as oscar request --role ops --for 1h --reason "upgrade"
# The CLI files for its caller; a client naming someone else is refused.
cat >"$work/raw.py" <<'PY'
import json, socket, struct, sys
body = sys.argv[2].encode()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(struct.pack(">I", len(body)) + body)
hdr = s.recv(4)
n = struct.unpack(">I", hdr)[0]
got = b""
while len(got) < n:
    got += s.recv(n - len(got))
print(json.loads(got)["status"])
PY
st=$(setpriv --reuid=oscar --regid=users --clear-groups /usr/bin/python3 "$work/raw.py" "$work/clearwayd.sock" \
    '{"v":1,"op":"request","user":"alice","role":"ops-admin","duration":3600,"reason":"x"}')
[ "$st" = forbidden ] && pass "no one files a request for someone else" || fail "request for another: $st"
as oscar --json request --role ops-admin --for 1h --reason "kernel upgrade" --ticket CHG-1 \
    >"$work/r1.json" 2>&1 && pass "oscar files a request for ops-admin, 1h" ||
    fail "request: $(cat "$work/r1.json")"
id1=$(jget 'd["id"]' <"$work/r1.json")
expect_exit 1 "a second pending request for the same role is refused" \
    as oscar request --role ops-admin --for 1h --reason "again"
grep -c "already has a pending request" "$CW_LAST_OUT" >/dev/null && pass "... saying so" ||
    fail "duplicate: $(cat "$CW_LAST_OUT")"
[ "$(decision oscar admin)" = "deny elevation_required" ] &&
    pass "before approval: oscar has no admin access" || fail "before: $(decision oscar admin)"
wait_for notified access_requested approvers && pass "approvers are notified of the new request" ||
    fail "no access_requested notification"

# --- who sees what --------------------------------------------------------------
n=$(as oscar --json requests | jget 'len(d["requests"])')
[ "$n" = 1 ] && pass "the requester sees their own request" || fail "oscar sees $n"
expect_exit 4 "a user may not list someone else's" as oscar requests --user alice
n=$(as anna --json requests | jget 'sum(1 for r in d["requests"] if r["id"] == "'"$id1"'" and r["may_approve"])')
[ "$n" = 1 ] && pass "an approver sees it among those she may approve" || fail "anna sees $n"

# --- approving ------------------------------------------------------------------
expect_exit 4 "a user who is not an approver cannot approve" as alice approve "$id1"
as victor request --role dba-admin --for 1h --reason "db patch" >/dev/null 2>&1
id2=$(rcli HGET cw:requests:open victor:dba-admin)
expect_exit 4 "an approver without the role's clearance (DV) cannot approve it" as anna approve "$id2"
grep -c "clearance" "$CW_LAST_OUT" >/dev/null && pass "... told the clearance needed" ||
    fail "clearance: $(cat "$CW_LAST_OUT")"
n=$(as anna --json requests | jget 'sum(1 for r in d["requests"] if r["id"] == "'"$id2"'")')
[ "$n" = 0 ] && pass "... and does not see it among those she may approve" || fail "anna sees dba-admin: $n"
# anna files her own, and may not approve it.
as anna request --role ops-admin --for 30m --reason "own work" >/dev/null 2>&1
id3=$(rcli HGET cw:requests:open anna:ops-admin)
expect_exit 4 "a user cannot approve their own request" as anna approve "$id3"
grep -c "own access request" "$CW_LAST_OUT" >/dev/null && pass "... and is told why" ||
    fail "self: $(cat "$CW_LAST_OUT")"
expect_exit 0 "another approver approves oscar's request" as andy approve "$id1"
[ "$(decision oscar admin)" = "allow ok_elevated" ] &&
    pass "approval creates a working elevation: allow in admin mode" || fail "after: $(decision oscar admin)"
end=$("$ctl" -c "$conf" --json elevations oscar | jget '[e for e in d["elevations"] if e["role"] == "ops-admin"][0]["approver"]')
[ "$end" = andy ] && pass "the elevation names its approver" || fail "approver: $end"
expect_exit 1 "an approved request cannot be approved again" as anna approve "$id1"
wait_for notified access_approved oscar && pass "the requester is notified of the approval" ||
    fail "no access_approved notification"

# --- rejecting, expiring -----------------------------------------------------------
expect_exit 2 "reject needs --reason" as andy reject "$id3"
expect_exit 0 "an approver rejects anna's request" as andy reject "$id3" --reason "use the window"
expect_exit 1 "a rejected request cannot be approved" "$ctl" -c "$conf" approve "$id3"
grep -c "is rejected" "$CW_LAST_OUT" >/dev/null && pass "... it says it is rejected" ||
    fail "rejected: $(cat "$CW_LAST_OUT")"
wait_for notified access_rejected anna && pass "the requester is notified of the rejection" ||
    fail "no access_rejected notification"
# victor's request expires: its due time moved into the past in Redis (the
# configured window, request_expiry_hours, is at least an hour).
rcli ZADD cw:requests:pending "$(( $(date +%s) - 1 ))" "$id2" >/dev/null
expired() { [ "$(as victor --json requests "$id2" | jget 'd["requests"][0]["state"]')" = expired ]; }
wait_for expired && pass "an unanswered request expires by itself" || fail "not expired"
expect_exit 1 "an expired request cannot be approved (even by root)" "$ctl" -c "$conf" approve "$id2"
wait_for notified access_request_expired victor && pass "the requester is notified of the expiry" ||
    fail "no expiry notification"
n=$(rcli HGET cw:requests:pendingby victor)
[ -z "$n" ] && pass "the expired request no longer counts against victor" || fail "pendingby: $n"

# --- bounds ----------------------------------------------------------------------------
for r in r1 r2 r3 r4 r5; do
    rcli HINCRBY cw:requests:pendingby alice 1 >/dev/null
done
expect_exit 1 "a sixth pending request of one person is refused" \
    as alice request --role ops-admin --for 1h --reason "x"
grep -c "the most one person may have" "$CW_LAST_OUT" >/dev/null && pass "... clearly" ||
    fail "cap: $(cat "$CW_LAST_OUT")"
rcli HDEL cw:requests:pendingby alice >/dev/null
# 1000 pending in all (stand-ins, due in a day): the next is refused.
due=$(( $(date +%s) + 86400 ))
for i in $(seq 1 1000); do echo "ZADD cw:requests:pending $due fill-$i"; done |
    redis-cli -s "$CW_REDIS_SOCKET" >/dev/null
expect_exit 1 "with 1000 requests pending in all, the next is refused" \
    as alice request --role ops-admin --for 1h --reason "x"
grep -c "the most the daemon keeps" "$CW_LAST_OUT" >/dev/null && pass "... clearly" ||
    fail "total cap: $(cat "$CW_LAST_OUT")"
rcli ZREMRANGEBYSCORE cw:requests:pending "$due" "$due" >/dev/null
# The log keeps 10,000: 10,000 older answered stand-ins, then one more.
for i in $(seq 1 10000); do echo "ZADD cw:requests:log -$i old-$i"; done |
    redis-cli -s "$CW_REDIS_SOCKET" >/dev/null
t0=$(date +%s%N)
as alice --json request --role ops-admin --for 1h --reason "after the fill" >"$work/r9.json" 2>&1
t1=$(date +%s%N)
n=$(rcli ZCARD cw:requests:log)
[ "$n" = 10000 ] && [ -z "$(rcli ZSCORE cw:requests:log old-10000)" ] &&
    [ -n "$(rcli ZSCORE cw:requests:log "$(jget 'd["id"]' <"$work/r9.json")")" ] &&
    pass "the log stays at 10,000: the oldest answered record goes" || fail "log: $n"
echo "# measured: a request filed with 10,000 in the log: $(( (t1 - t0) / 1000000 )) ms"
id9=$(jget 'd["id"]' <"$work/r9.json")
t0=$(date +%s%N)
expect_exit 0 "an approver approves it" as anna approve "$id9"
t1=$(date +%s%N)
echo "# measured: approve (read the request, check, grant, applied here): $(( (t1 - t0) / 1000000 )) ms"
[ "$(decision alice admin)" = "allow ok_elevated" ] && pass "alice is elevated at once" ||
    fail "alice: $(decision alice admin)"
for i in $(seq 1 10000); do echo "ZREM cw:requests:log old-$i"; done |
    redis-cli -s "$CW_REDIS_SOCKET" >/dev/null

# --- audited; the evidence pack ------------------------------------------------------------
audited() { [ "$(cat "$trail"/audit-*.jsonl 2>/dev/null | grep -c '"type":"access_')" -ge 6 ]; }
wait_for audited && pass "every step is sealed in the audit trail" || fail "not in the trail"
for t in access_requested access_approved access_rejected access_request_expired; do
    n=$(cat "$trail"/audit-*.jsonl | grep -c "\"type\":\"$t\"")
    [ "$n" -ge 1 ] && pass "audit: $t ($n)" || fail "audit: no $t"
done
month=$(TZ=Europe/London date +%Y-%m)
as audrey --json report --month "$month" >"$work/report.json" &&
    python3 - "$work/report.json" "$id1" "$id3" <<'PY' && pass "report --format json has the request log" || fail "report json"
import json, sys
d = json.load(open(sys.argv[1]))
log = {r["id"]: r for r in d["access_requests"]}
assert log[sys.argv[2]]["state"] == "approved" and log[sys.argv[2]]["by"] == "andy"
assert log[sys.argv[3]]["state"] == "rejected" and log[sys.argv[3]]["note"] == "use the window"
PY
as audrey report --month "$month" >"$work/report.txt" 2>&1
grep -c "approved by andy" "$work/report.txt" >/dev/null && pass "report (text) has the request log" ||
    fail "report text: $(tail -5 "$work/report.txt")"
as audrey report --month "$month" --format html >"$work/report.html" 2>&1
grep -c 'id="requests"' "$work/report.html" >/dev/null && grep -c "use the window" "$work/report.html" >/dev/null &&
    pass "the evidence pack has the request log" || fail "html: no request log"
python3 "$(dirname "$here")/integration/report_html_check.py" "$work/report.html" "$work/report.json" >"$work/check.out" 2>&1 &&
    pass "... and stays valid, self-contained HTML, one row per request" || fail "html check: $(tail -3 "$work/check.out")"

# --- review ---------------------------------------------------------------------------------
# alice logs on to sc-hosts (a decision through the daemon, as PAM sends it).
# 1000 decisions: the trail the review reads is many pages.
fa_decide "$work/clearwayd.sock" "$work/tags" t 1000 >/dev/null 2>&1
logged() { [ "$(cat "$trail"/audit-*.jsonl 2>/dev/null | grep -c '"type":"pam_decision"')" -ge 1000 ]; }
for _ in 1 2 3; do logged && break; wait_for logged; done
logged && pass "alice's 1000 logons are sealed in the trail" || fail "logons not in the trail"
expect_exit 4 "review needs the auditor role" as anna review --host-class sc-hosts
t0=$(date +%s%N)
as audrey --json review --host-class sc-hosts >"$work/review.json" 2>"$work/review.err"
rc=$?
t1=$(date +%s%N)
echo "# measured: review of sc-hosts, $(cat "$trail"/audit-*.jsonl | wc -l) trail records read through the daemon: $(( (t1 - t0) / 1000000 )) ms"
[ $rc -eq 0 ] &&
    python3 - "$work/review.json" <<'PY' && pass "review: access, last logon, unused standing roles" ||
import json, sys
d = json.load(open(sys.argv[1]))
p = {r["user"]: r for r in d["people"]}
assert d["complete"] and d["unused_days"] == 90
assert p["alice"]["standing"] == ["ops"] and p["alice"]["last_logon"], p["alice"]
assert p["alice"]["unused_standing"] == [], p["alice"]
assert p["oscar"]["unused_standing"] == ["ops"], p["oscar"]
assert [e["role"] for e in p["alice"]["elevations"]] == ["ops-admin"], p["alice"]
assert [e["role"] for e in p["oscar"]["elevations"]] == ["ops-admin"], p["oscar"]
assert "bob" not in p and "carol" not in p     # no access: not listed
PY
    { fail "review json"; cat "$work/review.json" "$work/review.err" | head -c 2000; }
as audrey review --host-class sc-hosts --unused-days 30 >"$work/review.txt" 2>&1
grep -c "standing role ops unused for 30 days: candidate for removal" "$work/review.txt" >/dev/null &&
    pass "review (text) flags unused standing roles" || fail "review text: $(head -5 "$work/review.txt")"
sed 's/^/# /' "$work/review.txt" | head -12
as audrey requests --state any | sed 's/^/# /' | head -12
finish
