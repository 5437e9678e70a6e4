#!/bin/bash
# SPDX-License-Identifier: MIT
# The audit pipeline end to end (daemon/audit/audit_log.h): emit -> spool ->
# Redis stream -> sealed trail, with a real redis-server (its own, on a
# Unix socket in a temp dir, appendfsync always), real files, and the
# driver test_audit_pipeline.
#   (a) Redis down while 10,000 events are emitted: all spooled; Redis
#       comes back: all delivered, in order, exactly once; verify passes
#   (b) kill -9 mid-forwarding, mid-sealing (twice) and right after
#       spooling: nothing lost, nothing twice, still in order
#   (c) a writer refuses 30 days' retention (and a missing key)
#   (d) a burst of denials (user, remote host), a revoked user, a leaver
#       and break-glass each raise one alert: a LOG_ALERT line and an
#       anomaly_alert record
#   (e) the metrics file is replaced atomically and parses as the
#       Prometheus text format
#   audit_pipeline_test.sh TEST_AUDIT_PIPELINE CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
driver=$1 ctl=$2

work=$(mktemp -d "${TMPDIR:-/tmp}/cw-audit-pipeline.XXXXXX")
keys=$work/keys sock=$work/redis.sock
export CW_LAST_OUT=$work/last.out

# True while PID is a redis-server running in our directory.
ours() {
    [ "$(readlink "/proc/$1/cwd" 2>/dev/null)" = "$work/redis" ] &&
        [ "$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

start_redis() {
    mkdir -p "$work/redis"
    redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 \
        --save '' --appendonly yes --appendfsync always \
        --dir "$work/redis" --daemonize yes --pidfile "$work/redis/pid" \
        --logfile "$work/redis/log" >/dev/null || return 1
    for _ in $(seq 100); do
        [ "$(timeout 2 redis-cli -s "$sock" ping 2>/dev/null)" = PONG ] && return 0
        sleep 0.05
    done
    return 1
}

stop_redis() {
    local pid
    [ -S "$sock" ] && timeout 5 redis-cli -s "$sock" shutdown nosave >/dev/null 2>&1
    [ -f "$work/redis/pid" ] || return 0
    pid=$(cat "$work/redis/pid")
    for _ in $(seq 50); do ours "$pid" || break; sleep 0.1; done
    ours "$pid" && kill -KILL "$pid" 2>/dev/null
    rm -f "$work/redis/pid"
}

# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
    [ -n "${driver_pid:-}" ] && kill -KILL "$driver_pid" 2>/dev/null
    stop_redis
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -m 0700 "$keys"
(umask 077; openssl rand -hex 32 >"$keys/k1.key")

# conf NAME PREFIX WRITER [SOCKET] [extra audit lines...]
conf() {
    local name=$1 prefix=$2 writer=$3 socket=${4:-$sock}
    shift 4 2>/dev/null || shift $#
    mkdir -p "$work/$name"
    {
        printf '[daemon]\nldap_sync = no\n'
        printf '[redis]\nsocket = %s\ntimeout_ms = 2000\nkey_prefix = %s\n' "$socket" "$prefix"
        printf '[audit]\ndirectory = %s\nkey_dir = %s\n' "$work/$name/trail" "$keys"
        printf 'spool_dir = %s\nwriter = %s\n' "$work/$name/spool" "$writer"
        printf '%s\n' "${@:-metrics_file =}"
    } >"$work/$name.conf"
}

# check_trail NAME N: the trail holds pam_decision counters 1..N, each
# once, in order, and clearwayctl audit verify passes on it.
check_trail() {
    local name=$1 n=$2 out
    if out=$(python3 - "$work/$name/trail" "$n" <<'EOF'
import json, os, sys
trail, n = sys.argv[1], int(sys.argv[2])
counters, ids = [], set()
for f in sorted(os.listdir(trail)):
    if not f.startswith("audit-"):
        continue
    for line in open(os.path.join(trail, f), encoding="utf-8"):
        r = json.loads(line)
        if r["type"] != "pam_decision":
            continue
        counters.append(r["details"]["counter"])
        key = (r["host"], r["details"]["event_id"])
        if key in ids:
            sys.exit("duplicate event id %s" % (key,))
        ids.add(key)
if counters != list(range(1, n + 1)):
    dup = len(counters) - len(set(counters))
    missing = n - len(set(counters) & set(range(1, n + 1)))
    order = sum(1 for a, b in zip(counters, counters[1:]) if b < a)
    sys.exit("%d records: %d missing, %d repeated, %d out of order"
             % (len(counters), missing, dup, order))
print("%d records in order" % len(counters))
EOF
    ); then
        pass "$name: $out, each once"
    else
        fail "$name: $out"
    fi
    expect_exit 0 "$name: clearwayctl audit verify passes" \
        "$ctl" -c /nonexistent audit verify --dir "$work/$name/trail" --keys "$keys"
}

# --- (a) Redis down for 10,000 events, then back -------------------------
conf a cw:a: yes
timeout 200 "$driver" "$work/a.conf" host-a outage 10000 "$work/a" \
    2>"$work/a.err" &
driver_pid=$!
for _ in $(seq 1200); do [ -e "$work/a/ready" ] && break; sleep 0.1; done
if [ -e "$work/a/ready" ]; then
    lines=$(cat "$work/a/spool"/spool.*.jsonl | wc -l)
    [ "$lines" -eq 10000 ] && pass "a: Redis down: 10000 events fsync'd in the spool" ||
        fail "a: spool holds $lines lines, wanted 10000"
else
    fail "a: the driver never had everything spooled"
fi
start_redis || { fail "redis-server did not start"; finish; exit 1; }
touch "$work/a/go"
rc=0; wait "$driver_pid" || rc=$?; driver_pid=
[ "$rc" -eq 0 ] && pass "a: Redis back: the driver saw all 10000 forwarded and written" ||
    { fail "a: driver exit $rc"; sed 's/^/      /' "$work/a.err" | tail -5; }
grep -q 'cannot forward to redis' "$work/a.err" && grep -q 'redis reachable again' "$work/a.err" &&
    [ "$(grep -c 'cannot forward to redis' "$work/a.err")" -eq 1 ] &&
    pass "a: the outage and the recovery are each logged once" ||
    fail "a: outage logging: $(grep -c 'cannot forward' "$work/a.err") lines"
check_trail a 10000
[ -z "$(cat "$work/a/spool"/spool.*.jsonl 2>/dev/null)" ] &&
    pass "a: the spool is emptied once forwarded" ||
    fail "a: forwarded spool segments were left behind"

# --- (b) kill -9 mid-forwarding ----------------------------------------
conf b cw:b: yes
conf b-down cw:b: no "$work/nowhere.sock"
sed -i "s|$work/b-down/|$work/b/|" "$work/b-down.conf"
expect_exit 0 "b: 20000 events spooled while Redis is unreachable" \
    timeout 120 "$driver" "$work/b-down.conf" host-b spool 1 20000
expect_exit 137 "b: killed (-9) after forwarding 3000" \
    timeout 120 "$driver" "$work/b.conf" host-b drain forwarded 3000
expect_exit 137 "b: restarted, killed (-9) after sealing 2000" \
    timeout 120 "$driver" "$work/b.conf" host-b drain written 2000
expect_exit 137 "b: restarted, 10000 more emitted, killed (-9) once spooled" \
    timeout 120 "$driver" "$work/b.conf" host-b emit-kill 20001 10000
expect_exit 137 "b: restarted, killed (-9) after sealing 3000 more" \
    timeout 120 "$driver" "$work/b.conf" host-b drain written 3000
rc=0; timeout 120 "$driver" "$work/b.conf" host-b drain 2>"$work/b.err" || rc=$?
[ "$rc" -eq 0 ] && pass "b: restarted: drains the rest" ||
    { fail "b: final drain exit $rc"; tail -5 "$work/b.err"; }
# Nothing was lost, so the writer's gap detector must not cry wolf.
grep -q '^stats: .* missing 0 invalid 0$' "$work/b.err" &&
    pass "b: the writer saw no gap and no invalid entry: $(grep -o 'duplicates [0-9]*' "$work/b.err") dropped" ||
    fail "b: $(grep '^stats:' "$work/b.err")"
check_trail b 30000

# --- (c) retention below 183 days ---------------------------------------
conf c cw:c: yes
expect_exit 0 "c: a writer refuses retention_days 30 and a missing key" \
    timeout 60 "$driver" "$work/c.conf" host-c refuse
grep -q 'retention_days 30 is below the minimum of 183' "$CW_LAST_OUT" &&
    pass "c: the refusal names the setting" || fail "c: refusal message"

# --- (d) anomaly alerts ------------------------------------------------
conf d cw:d: yes "" "metrics_file =" "alert_user_denials = 5" \
    "alert_host_denials = 20" "alert_window_s = 300"
rc=0; timeout 120 "$driver" "$work/d.conf" host-d alerts 2>"$work/d.err" || rc=$?
[ "$rc" -eq 0 ] && pass "d: 5 alerts raised, drained" ||
    { fail "d: driver exit $rc"; tail -5 "$work/d.err"; }
for kind in user_denials host_denials revoked_logon leaver_logon breakglass; do
    n=$(grep -c "^clearwayd\[alert\]: audit alert $kind:" "$work/d.err")
    [ "$n" -eq 1 ] && pass "d: one LOG_ALERT line for $kind" ||
        fail "d: $n LOG_ALERT lines for $kind"
done
grep -q 'audit alert revoked_logon: logon attempt by revoked user eve from 203.0.113.5' "$work/d.err" &&
    pass "d: the revoked user's attempt is named" || fail "d: revoked alert text"
if out=$(python3 - "$work/d/trail" <<'EOF'
import json, os, sys
trail = sys.argv[1]
alerts = {}
for f in sorted(os.listdir(trail)):
    for line in open(os.path.join(trail, f), encoding="utf-8"):
        r = json.loads(line)
        if r["type"] == "anomaly_alert":
            assert r["outcome"] == "alert" and r["actor"] == "clearwayd", r
            k = r["details"]["kind"]
            alerts[k] = alerts.get(k, 0) + 1
            want = {"user_denials": "mallory", "host_denials": "192.0.2.99",
                    "revoked_logon": "eve", "leaver_logon": "bob",
                    "breakglass": "rescue"}[k]
            assert r["subject"] == want, r
            if k in ("user_denials", "host_denials"):
                assert r["details"]["count"] == (5 if k == "user_denials" else 20), r
                assert r["details"]["window_s"] == 300, r
want = {"user_denials": 1, "host_denials": 1, "revoked_logon": 1,
        "leaver_logon": 1, "breakglass": 1}
if alerts != want:
    sys.exit("anomaly_alert records: %s" % alerts)
print("5 anomaly_alert records")
EOF
); then pass "d: $out, one per kind, flagged outcome alert"; else fail "d: $out"; fi
expect_exit 0 "d: clearwayctl audit verify passes" \
    "$ctl" -c /nonexistent audit verify --dir "$work/d/trail" --keys "$keys"

# --- (e) metrics file ---------------------------------------------------
prom=$work/e/clearway.prom
conf e cw:e: no "" "metrics_file = $prom" "metrics_interval_s = 1"
timeout 60 "$driver" "$work/e.conf" host-e metrics 4 2>"$work/e.err" &
driver_pid=$!
cat >"$work/prom.py" <<'EOF'
# A strict reader of the Prometheus text format (0.0.4), enough for ours:
# HELP/TYPE comments, samples with optional labels, every sample's family
# typed before it, no sample twice, a final newline.
import math, re, sys, time
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^(%s)(?:\{(%s(?:,%s)*)?\})? ([^ ]+)(?: -?[0-9]+)?$"
                    % (NAME, LABEL, LABEL))

def parse(text):
    if not text.endswith("\n"):
        raise ValueError("no final newline (%d bytes)" % len(text))
    types, samples = {}, {}
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP "):
            if not re.fullmatch(NAME, line.split(" ")[2]):
                raise ValueError("bad HELP: " + line)
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            if kind not in ("counter", "gauge", "histogram", "summary", "untyped") \
                    or name in types:
                raise ValueError("bad TYPE: " + line)
            types[name] = kind
        elif line.startswith("#"):
            continue
        else:
            m = SAMPLE.match(line)
            if not m:
                raise ValueError("bad sample: " + line)
            name, labels, value = m.group(1), m.group(2) or "", m.group(3)
            if name not in types:
                raise ValueError("untyped sample: " + line)
            v = float(value)        # NaN, +Inf and -Inf included
            if types[name] == "counter" and (v < 0 or math.isnan(v)):
                raise ValueError("bad counter: " + line)
            if (name, labels) in samples:
                raise ValueError("repeated sample: " + line)
            samples[(name, labels)] = v
    return samples

if sys.argv[1] == "watch":          # watch PATH SECONDS
    path, until = sys.argv[2], time.time() + float(sys.argv[3])
    reads, versions = 0, set()
    while time.time() < until:
        try:
            with open(path) as f:
                text = f.read()
        except FileNotFoundError:
            continue
        parse(text)                 # raises on a torn or bad file
        versions.add(text)
        reads += 1
    # The driver changes a gauge every 100 ms: each rewrite differs.
    if reads < 100 or len(versions) < 3:
        sys.exit("only %d reads, %d versions" % (reads, len(versions)))
    print("%d reads of %d versions, all whole and valid" % (reads, len(versions)))
else:                               # final PATH
    s = parse(open(sys.argv[2]).read())
    want = {
        ("clearway_decisions_total", 'verdict="allow",reason="ok"'): 3,
        ("clearway_decisions_total", 'verdict="deny",reason="revoked"'): 2,
        ("clearway_decisions_total", 'verdict="unavailable",reason="policy_unavailable"'): 1,
        ("clearway_alerts_total", 'kind="revoked_logon"'): 1,
        ("clearway_alerts_total", 'kind="host_denials"'): 0,
        ("clearway_audit_dropped_total", ""): 0,
        ("clearway_audit_forwarded_total", ""): 101,
        ("clearway_audit_spool_events", ""): 0,
        ("clearway_audit_spool_bytes", ""): 0,
        ("clearway_revocation_queue_depth", ""): 7,
        ("clearway_revocation_oldest_pending_seconds", ""): 1234.5,
        ("clearway_revocation_deadline_misses", ""): 1,
    }
    bad = {k: s.get(k) for k, v in want.items() if s.get(k) != v}
    if bad:
        sys.exit("unexpected values: %s" % bad)
    if ("clearway_sync_lag_seconds", "") not in s:
        sys.exit("no sync lag gauge")
    print("%d samples, the expected values" % len(s))
EOF
if out=$(python3 "$work/prom.py" watch "$prom" 3.5 2>&1); then
    pass "e: $out"
else
    fail "e: $out"
fi
rc=0; wait "$driver_pid" || rc=$?; driver_pid=
[ "$rc" -eq 0 ] && pass "e: driver ran" || { fail "e: driver exit $rc"; tail -5 "$work/e.err"; }
out=$(python3 "$work/prom.py" final "$prom" 2>&1) && pass "e: final file: $out" ||
    fail "e: final file: $out"
[ -z "$(find "$work/e" -name '*.tmp')" ] && pass "e: no temporary file left behind" ||
    fail "e: a temporary file was left"
grep -q 'gauge ignored' "$work/e.err" && pass "e: a bad gauge name is refused and logged" ||
    fail "e: bad gauge name not logged"

finish
