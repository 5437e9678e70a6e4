#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 10, items 4, 5 and the CLI's share of 10, through the real
# clearwayd, redis-server and slapd:
#  (a) Redis stalled past [redis] timeout_ms while HR files a leaver: the
#      CLI says the outcome is unknown (not "not recorded"); re-running
#      after Redis resumes returns the same id; exactly one revocation and
#      one revocation_requested audit record.  Redis stopped: "not
#      recorded", a different message.
#  (b) leaver/revoke re-run for a user with an open revocation returns the
#      existing id.
#  (c) 10,000 pending revocations: queue and report in every format
#      complete and count them all (the answers no longer fit one frame).
#  (d) check with no policy data names policy_unavailable; --effective out
#      of range is a usage error naming the value; retry ID re-queues a
#      dead letter (approver only, audited); audit verify without read
#      permission says so instead of "NOT intact".
#   cli_outcome_test.sh CLEARWAYD CLEARWAYCTL REVQ_FILL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 fill=$3
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/../lib/users.sh"

BULK=${CW_BULK:-10000}
work=$(mktemp -d /tmp/cw-cli-outcome.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
rpid=
pid2=
cleanup() {
    [[ -n $rpid ]] && kill -CONT "$rpid" 2>/dev/null
    [[ -n $pid2 ]] && kill -TERM "$pid2" 2>/dev/null && wait "$pid2" 2>/dev/null
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    cw_users_release
    rm -rf "$work"
}
trap cleanup EXIT
export CW_LAST_OUT=$work/last.out

bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a
R() { redis-cli -s "$CW_REDIS_SOCKET" "$@"; }
# The callers: copies of the sample's approver, HR, auditor and a person
# without duties, under names of this test's own, so that no other test
# running at the same time creates or deletes their local accounts.
anna=cwo-anna harry=cwo-harry audrey=cwo-audrey oscar=cwo-oscar
for pair in "anna $anna" "harry $harry" "audrey $audrey" "oscar $oscar"; do
    set -- $pair
    ldapsearch -LLL -o ldif-wrap=no -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" \
        -y "$CW_LDAP_ADMIN_PW_FILE" -b "uid=$1,$CW_STAFF_BASE" -s base '*' |
        sed "s/^dn: uid=$1,/dn: uid=$2,/; s/^uid: $1\$/uid: $2/" |
        ldapadd -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" >/dev/null ||
        { echo "cannot add $2" >&2; exit 1; }
done
set --
cw_users_hold "$anna" "$harry" "$audrey" "$oscar" || exit 1

mkdir -m 0755 "$work/run"
conf=$work/clearway.conf
cw_write_config "$conf" "$work/run/clearwayd.sock" "revocation_workers = 0"
log=$work/clearwayd.log
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }

as() { local u=$1; shift; setpriv --reuid="$u" --regid=users --clear-groups "$ctl" -c "$conf" "$@"; }
json_get() { python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1" 2>/dev/null; }
wait_for() {  # seconds, command...
    local limit=$(($1 * 10)) i
    shift
    for ((i = 0; i < limit; i++)); do "$@" && return 0; sleep 0.1; done
    return 1
}
# revocations of USER of KIND in Redis (records, whatever their state)
count_revs() {
    local k n=0
    while read -r k; do
        [[ $(R HGET "$k" uid) == "$1" && $(R HGET "$k" kind) == "$2" ]] && n=$((n + 1))
    done < <(R --scan --pattern 'cw:rev:r*')
    echo "$n"
}
# revocation_requested records naming ID in the audit stream
count_requested() {
    R XRANGE "cw:audit:$(hostname)" - + | grep -F "revocation_requested" | grep -cF "\"$1\""
}

# ------------------------------------------- (a) Redis stalled past timeout
# The control worker's connection is made (its ROLE checked) before Redis
# stalls, so that the leaver is sent and its reply lost, the case this part
# is about.  (A connection made while Redis is stalled fails at ROLE,
# before anything is sent: "not recorded", which is right too.)
"$ctl" -c "$conf" queue >/dev/null 2>&1 || true
rpid=$(cat "$rig/redis.pid")
kill -STOP "$rpid"
arc=0
as $harry leaver alice --reason "resigned" >"$work/a.out" 2>"$work/a.err" || arc=$?
sleep 1.5       # past [redis] timeout_ms (1000) once more before resuming
kill -CONT "$rpid"
rpid=
echo "leaver with Redis stalled: exit $arc: $(tr '\n' ' ' <"$work/a.err")"
[[ $arc -eq 3 ]] && pass "stalled: exit 3" || fail "stalled: exit $arc"
grep -q "may have been recorded" "$work/a.err" && grep -q "re-run" "$work/a.err" &&
    pass "stalled: the CLI says the outcome is unknown and to re-run" ||
    fail "stalled: no 'may have been recorded ... re-run' in: $(cat "$work/a.err")"
grep -q "not recorded" "$work/a.err" && fail "stalled: still says 'not recorded'" ||
    pass "stalled: does not claim 'not recorded'"
wait_for 10 bash -c "[[ \$(redis-cli -s '$CW_REDIS_SOCKET' PING) == PONG ]]"
out=$(as $harry --json leaver alice --reason "resigned" 2>"$work/a2.err"); rc=$?
id=$(printf '%s' "$out" | json_get id)
[[ $rc -eq 0 && -n $id ]] && pass "re-run after Redis resumed: exit 0, id $id" ||
    fail "re-run: exit $rc: $out $(cat "$work/a2.err")"
[[ $(printf '%s' "$out" | json_get existing) == True ]] &&
    pass "re-run says the revocation already existed" || fail "re-run: no existing=true in $out"
out2=$(as $harry --json leaver alice --reason "resigned again" 2>/dev/null)
[[ $(printf '%s' "$out2" | json_get id) == "$id" ]] && pass "a third run returns the same id" ||
    fail "third run: $out2"
n=$(count_revs alice leaver)
echo "revocations of alice: $n"
[[ $n -eq 1 ]] && pass "exactly one revocation of alice" || fail "$n revocations of alice"
wait_for 20 bash -c "[[ \$(redis-cli -s '$CW_REDIS_SOCKET' XRANGE 'cw:audit:$(hostname)' - + | grep -F revocation_requested | grep -cF '\"$id\"') -ge 1 ]]"
sleep 2         # let any duplicate arrive too
n=$(count_requested "$id")
echo "revocation_requested records for $id: $n"
[[ $n -eq 1 ]] && pass "exactly one revocation_requested record" || fail "$n revocation_requested records"

# Leavers the sync filed from LDAP (the sample's carol, dave, grace) have
# their revocation_requested record too, one each.
sync_ids=$(R --scan --pattern 'cw:rev:sync-*' | sed 's/^cw:rev://')
nsync=0 nsync_ok=0
for sid in $sync_ids; do
    nsync=$((nsync + 1))
    [[ $(count_requested "$sid") -eq 1 ]] && nsync_ok=$((nsync_ok + 1))
done
echo "sync-filed revocations: $nsync, with exactly one revocation_requested: $nsync_ok"
[[ $nsync -ge 1 && $nsync_ok -eq $nsync ]] && pass "every sync-filed revocation has one revocation_requested" ||
    fail "sync-filed: $nsync_ok of $nsync audited"

# Redis down: the request never reaches it, which is a different story.
bash "$here/../rig/rig.sh" stop-redis "$rig" >/dev/null 2>&1
rc=0; as $harry leaver peggy --reason "resigned" >/dev/null 2>"$work/d.err" || rc=$?
echo "leaver with Redis stopped: exit $rc: $(tr '\n' ' ' <"$work/d.err")"
[[ $rc -eq 3 ]] && grep -q "not recorded" "$work/d.err" && ! grep -q "may have been" "$work/d.err" &&
    pass "Redis stopped: exit 3, 'not recorded'" || fail "Redis stopped: exit $rc: $(cat "$work/d.err")"
bash "$here/../rig/rig.sh" start-redis "$rig" >/dev/null 2>&1
wait_for 10 bash -c "[[ \$(redis-cli -s '$CW_REDIS_SOCKET' PING) == PONG ]]"

# ------------------------------------------------------- (b) idempotent
o1=$(as $anna --json revoke mallory --reason "clearance withdrawn" 2>&1)
o2=$(as $anna --json revoke mallory --reason "clearance withdrawn" 2>&1); rc=$?
i1=$(printf '%s' "$o1" | json_get id) i2=$(printf '%s' "$o2" | json_get id)
[[ -n $i1 && $i1 == "$i2" && $rc -eq 0 ]] && pass "revoke re-run returns the open revocation $i1" ||
    fail "revoke twice: $o1 / $o2"
as $anna revoke mallory --reason "clearance withdrawn" >"$work/b.out" 2>&1
grep -q "already" "$work/b.out" && pass "revoke re-run says so in text" ||
    fail "revoke re-run text: $(cat "$work/b.out")"
n=$(count_revs mallory revoke)
echo "revoke revocations of mallory after 3 runs: $n"
[[ $n -eq 1 ]] && pass "one revoke revocation of mallory" || fail "$n revoke revocations of mallory"
when=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)
o1=$(as $harry --json leaver victor --reason "contract ends" --effective "$when" 2>&1)
o2=$(as $harry --json leaver victor --reason "contract ends" --effective "$when" 2>&1)
i1=$(printf '%s' "$o1" | json_get id) i2=$(printf '%s' "$o2" | json_get id)
[[ -n $i1 && $i1 == "$i2" ]] && pass "scheduled leaver re-run returns $i1" || fail "leaver twice: $o1 / $o2"
# Asked again for now: the scheduled one comes forward, never a second.
o3=$(as $harry --json leaver victor --reason "leaving today after all" 2>&1)
[[ $(printf '%s' "$o3" | json_get id) == "$i1" && $(printf '%s' "$o3" | json_get state) == queued &&
    $(printf '%s' "$o3" | json_get brought_forward) == True ]] &&
    pass "an earlier leaver brings the scheduled one forward ($i1 queued)" || fail "brought forward: $o3"
r=$("$ctl" -c "$conf" --json check victor --host-class sc-hosts 2>/dev/null | json_get reason)
[[ $r == revoked ]] && pass "victor denied at once (revoked)" || fail "victor: $r"
n=$(count_revs victor leaver)
echo "leaver revocations of victor after 3 runs: $n"
[[ $n -eq 1 ]] && pass "one leaver revocation of victor" || fail "$n leaver revocations of victor"

# ------------------------------------------ (d) small CLI faults (before bulk)
rc=0; as $harry leaver bob --reason x --effective 9999-12-31T00:00:00Z >/dev/null 2>"$work/e.err" || rc=$?
echo "--effective 9999-12-31: exit $rc: $(head -1 "$work/e.err")"
[[ $rc -eq 2 ]] && grep -q "9999-12-31T00:00:00Z" "$work/e.err" &&
    pass "--effective far out of range: exit 2 naming the value" || fail "--effective: exit $rc"
rc=0; as $harry leaver bob --reason x --effective 1900-01-01T00:00:00Z >/dev/null 2>"$work/e.err" || rc=$?
[[ $rc -eq 2 ]] && grep -q "1900-01-01T00:00:00Z" "$work/e.err" &&
    pass "--effective in 1900: exit 2 naming the value" || fail "--effective 1900: exit $rc $(cat "$work/e.err")"

# a dead letter, as a worker leaves it after the last failed delivery
o=$(as $anna --json revoke judy --reason "withdrawn" 2>&1)
did=$(printf '%s' "$o" | json_get id)
sid=$(R HGET "cw:rev:$did" sid)
R XDEL cw:revq "$sid" >/dev/null
R HSET "cw:rev:$did" state dead dead_at "$(date +%s)" alert 1 last_error "test" >/dev/null
R XADD cw:revq:dead '*' id "$did" uid judy sid "$sid" deliveries 5 error test at "$(date +%s)" alert 1 >/dev/null
rc=0; as $oscar retry "$did" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 4 ]] && pass "retry by a non-approver: exit 4" || fail "retry by oscar: exit $rc"
rc=0; as $anna retry "$did" >"$work/r.out" 2>&1 || rc=$?
echo "retry $did: exit $rc: $(head -1 "$work/r.out")"
[[ $rc -eq 0 && $(R HGET "cw:rev:$did" state) == queued ]] &&
    pass "retry by an approver re-queues the dead letter" || fail "retry: exit $rc, state $(R HGET "cw:rev:$did" state)"
rc=0; as $anna retry "$did" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 1 ]] && pass "retry of a revocation that is not dead: exit 1" || fail "second retry: exit $rc"
rc=0; as $anna retry "no-such-id" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 1 ]] && pass "retry of an unknown id: exit 1" || fail "retry unknown: exit $rc"
wait_for 20 bash -c "redis-cli -s '$CW_REDIS_SOCKET' XRANGE 'cw:audit:$(hostname)' - + | grep -F revocation_retried | grep -qF '\"$did\"'" &&
    pass "the retry is audited (revocation_retried)" || fail "no revocation_retried record for $did"

# audit verify without read permission
mkdir -m 0700 "$work/trail"
echo '{}' >"$work/trail/audit-2026-01-01.jsonl"
chmod 0600 "$work/trail/audit-2026-01-01.jsonl"
rc=0; as $oscar audit verify --dir "$work/trail" >"$work/v.out" 2>"$work/v.err" || rc=$?
echo "audit verify as $oscar: exit $rc: $(cat "$work/v.out" "$work/v.err" | tr '\n' ' ')"
[[ $rc -eq 4 || $rc -eq 3 ]] && pass "audit verify unreadable: exit $rc" || fail "audit verify: exit $rc"
grep -qi "permission denied" "$work/v.out" "$work/v.err" && pass "audit verify says permission denied" ||
    fail "audit verify: no 'permission denied'"
grep -q "NOT intact" "$work/v.out" "$work/v.err" && fail "audit verify still says NOT intact" ||
    pass "audit verify does not call it NOT intact"
rc=0; as $oscar --json audit verify --dir "$work/trail" >"$work/v.out" 2>/dev/null || rc=$?
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(0 if o.get("intact") is not False and "permission" in json.dumps(o).lower() else 1)' "$work/v.out" &&
    pass "audit verify --json: a permission error, not intact=false" || fail "audit verify --json: $(cat "$work/v.out")"

# check with no policy data: a daemon on an empty key prefix, no LDAP sync
conf2=$work/empty.conf
cat >"$conf2" <<EOC
[redis]
socket = $CW_REDIS_SOCKET
key_prefix = empty:
timeout_ms = 1000
[audit]
spool_dir = $work/spool2
metrics_file = $work/clearway2.prom
[daemon]
ldap_sync = no
socket = $work/run/empty.sock
state_dir = $work/state2
EOC
chmod 0644 "$conf2"
"$daemon" -f -d -c "$conf2" >>"$work/empty.log" 2>&1 &
pid2=$!
wait_for 10 test -S "$work/run/empty.sock"
rc=0; "$ctl" -c "$conf2" check alice --host-class sc-hosts >"$work/c.out" 2>"$work/c.err" || rc=$?
echo "check with no data: exit $rc: $(cat "$work/c.out" "$work/c.err" | tr '\n' ' ')"
grep -q "policy_unavailable" "$work/c.out" "$work/c.err" && pass "check with no data names policy_unavailable" ||
    fail "check with no data: no reason given"
[[ $rc -eq 3 ]] && pass "check with no data: exit 3" || fail "check with no data: exit $rc"
rc=0; "$ctl" -c "$conf2" --json check alice --host-class sc-hosts >"$work/c.out" 2>/dev/null || rc=$?
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(0 if o.get("reason") == "policy_unavailable" else 1)' "$work/c.out" &&
    pass "check --json with no data: reason policy_unavailable" || fail "check --json: $(cat "$work/c.out")"
kill -TERM "$pid2"; wait "$pid2" 2>/dev/null; pid2=

# ------------------------------------------------- (c) 10,000 pending
# Durability is not what is tested here: no fsync per revocation while
# filing them (the rig's Redis runs with appendfsync always).
R CONFIG SET appendfsync no >/dev/null
t0=$(date +%s)
made=$("$fill" "$CW_REDIS_SOCKET" cw: "$BULK" bulk 2>"$work/fill.err")
echo "filed $made revocations in $(( $(date +%s) - t0 )) s"
R CONFIG SET appendfsync always >/dev/null
[[ $made -eq $BULK ]] && pass "filed $BULK revocations" || fail "filed $made: $(cat "$work/fill.err")"
pending=$(R ZCARD cw:rev:open)
month=$(TZ=Europe/London date +%Y-%m)
inmonth=$(R SCARD "cw:rev:month:$month")
echo "open revocations: $pending; requested in $month: $inmonth"

t0=$(date +%s)
rc=0; as $anna queue >"$work/q.txt" 2>"$work/q.err" || rc=$?
n=$(grep -c '^r\|^sync-' "$work/q.txt")
echo "queue (text): exit $rc, $n rows in $(( $(date +%s) - t0 )) s"
[[ $rc -eq 0 && $n -eq $pending ]] && pass "queue text lists all $pending" || fail "queue text: exit $rc, $n rows: $(head -2 "$work/q.err")"
rc=0; as $anna --json queue >"$work/q.json" 2>"$work/q.err" || rc=$?
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["pending"]))' "$work/q.json" 2>/dev/null)
echo "queue --json: exit $rc, ${n:-invalid} items"
[[ $rc -eq 0 && $n == "$pending" ]] && pass "queue --json: one valid document with all $pending" || fail "queue --json: exit $rc, ${n:-invalid JSON}"
for fmt in text json csv; do
    t0=$(date +%s)
    rc=0; as $audrey report --month "$month" --format "$fmt" >"$work/r.$fmt" 2>"$work/r.err" || rc=$?
    case $fmt in
    text) n=$(grep -c '^r\|^sync-' "$work/r.$fmt")
          tail -1 "$work/r.$fmt" | grep -q "^$inmonth revocations" || n="bad summary: $(tail -1 "$work/r.$fmt")" ;;
    json) n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["revocations"]))' "$work/r.$fmt" 2>/dev/null) ;;
    csv)  n=$(python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1]))); print(len(r) - 1 if r and r[0][0] == "id" and sum(1 for x in r if x and x[0] == "id") == 1 else -1)' "$work/r.$fmt" 2>/dev/null) ;;
    esac
    echo "report --format $fmt: exit $rc, ${n:-invalid} rows in $(( $(date +%s) - t0 )) s"
    [[ $rc -eq 0 && $n == "$inmonth" ]] && pass "report $fmt: all $inmonth" || fail "report $fmt: exit $rc, $n: $(head -2 "$work/r.err")"
done
rc=0; as $audrey --json report --month "$month" >"$work/r2.json" 2>/dev/null || rc=$?
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["revocations"]))' "$work/r2.json" 2>/dev/null)
echo "--json report: exit $rc, ${n:-invalid} rows"
[[ $rc -eq 0 && $n == "$inmonth" ]] && pass "--json report: all $inmonth" || fail "--json report: exit $rc, $n"

finish
