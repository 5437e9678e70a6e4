#!/bin/bash
# SPDX-License-Identifier: MIT
# One audit stream per host (issue 13, last part; docs/audit.md, "Redis
# keys" and docs/security.md).  One redis-server loads the shipped ACL
# example, with per-host users made by scripts/redis-acl-host.sh:
#   (c) before any writer runs, the legacy stream cw:audit holds the first
#       part of an old host's run and cw:audit:oldhost the rest (what an
#       upgraded host's spool still held): all of it is sealed once, in
#       order, by the writer that starts next;
#   (a) a central daemon (clearway-central, the writer) and two host
#       daemons web1 and web2 (their own UTS name, state dir, spool, and
#       Redis users clearway-host-web1/-web2) answer PAM decisions; the
#       writer is killed (-9) and restarted mid-flow; every answered
#       decision of both hosts is sealed exactly once, under its host, and
#       the chain verifies;
#   (d) web2's stream deleted: what web2 sends next is sealed all the same;
#   (b) web1's user may append to cw:audit:web1 but not to cw:audit:web2,
#       cw:audit or cw:audit:writer (NOPERM); an event web1's user writes
#       in its own stream claiming web2 is not sealed as web2's but as a
#       forged_host anomaly_alert of web1 naming the stream and web2.
#   audit_streams_test.sh CLEARWAYD CLEARWAYCTL REDIS_PROBE ACL_EXAMPLE ACL_HOST_SCRIPT
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 probe=$3 example=$4 hostacl=$5
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/audit_lib.sh"

work=$(mktemp -d /tmp/cw-auditstreams.XXXXXX)
chmod 0755 "$work"
export CW_LAST_OUT=$work/last.out
redis_pid= pids=()
cleanup() {
    touch "$work/stop"
    local p
    for p in "${pids[@]}"; do
        kill -TERM "$p" 2>/dev/null
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null
    done
    [[ -n $redis_pid ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    bash "$here/../rig/rig.sh" stop "$work/rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------ Redis with the ACL
umask 077
openssl rand -hex 32 >"$work/central.pw"
openssl rand -hex 32 >"$work/host.pw"
umask 022
sha() { tr -d '\n' <"$1" | sha256sum | cut -d' ' -f1; }
line1=$(bash "$hostacl" web1 "$work/web1.pw" 2>/dev/null)
line2=$(bash "$hostacl" web2 "$work/web2.pw" 2>/dev/null)
sed -e "s/CENTRAL_SHA256/$(sha "$work/central.pw")/" -e "s/HOST_SHA256/$(sha "$work/host.pw")/" \
    -e "s/WEB1_SHA256/$(sha "$work/web1.pw")/" "$example" >"$work/clearway-acl.conf"
[[ $(grep -c -xF "# $line1" "$work/clearway-acl.conf") == 1 ]] &&
    pass "redis-acl-host.sh web1 prints the example's clearway-host-web1 line" ||
    fail "script and example differ: $line1"
printf '%s\n' "$line1" "$line2" >>"$work/clearway-acl.conf"
[[ $(bash "$hostacl" 'a*' "$work/x.pw" 2>&1) == *"not a host name"* ]] &&
    pass "redis-acl-host.sh refuses a host name with a glob character" ||
    fail "redis-acl-host.sh took 'a*'"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'include %s\nport %s\nbind 127.0.0.1\nsave ""\ndir %s\n' \
    "$work/clearway-acl.conf" "$port" "$work" >"$work/redis.conf"
redis-server "$work/redis.conf" >"$work/redis.log" 2>&1 &
redis_pid=$!
for ((i = 0; i < 100; i++)); do [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]] && break; sleep 0.05; done
as() { local u=$1; shift; "$probe" --user "clearway-$u" --password-file "$work/${u#host-}.pw" 127.0.0.1 "$port" "$@"; }
as_central() { as central "$@"; }
[[ $(as_central PING) == PONG ]] && pass "redis loads the ACL with per-host users" ||
    { fail "redis: $(tail -n 3 "$work/redis.log")"; finish; exit 1; }

# An event line as a host's forwarder sends it (the spool's format).
ev() {  # HOST TTY RUN COUNTER
    printf '{"type":"pam_decision","time":"2026-11-23T09:00:00.000000Z","host":"%s","actor":"alice","subject":"alice","outcome":"deny","details":{"reason":"revoked","tty":"%s","event_id":"%s:%d"}}' \
        "$1" "$2" "$3" "$4"
}

# ------------------------- (c) the legacy stream, before any writer runs
run=0123456789abcdef
for ((k = 1; k <= 30; k++)); do as_central XADD cw:audit '*' e "$(ev oldhost "L$k" $run $k)" >/dev/null; done
for ((k = 31; k <= 50; k++)); do as_central XADD cw:audit:oldhost '*' e "$(ev oldhost "L$k" $run $k)" >/dev/null; done
[[ $(as_central XLEN cw:audit) == 30 && $(as_central XLEN cw:audit:oldhost) == 20 ]] &&
    pass "c: 30 events of an old host's run in cw:audit, the next 20 in cw:audit:oldhost" ||
    fail "c: could not fill the streams"

# ------------------------------------------------ the daemons
fa_rig || { echo "no rig" >&2; exit 1; }
fa_write_client
# conf NAME USER EXTRA...: a daemon config on this Redis as USER.
conf() {
    local name=$1 user=$2 pw=$3
    shift 3
    mkdir -p "$work/$name"
    fa_conf "$work/$name/clearway.conf" "$work/$name/spool" "$work/$name/trail" "$@"
    sed -i "s|^socket = $CW_REDIS_SOCKET\$|host = 127.0.0.1\nport = $port\nuser = $user\npassword_file = $pw|" \
        "$work/$name/clearway.conf"
}
chmod 0600 "$work"/*.pw
conf central clearway-central "$work/central.pw"
for h in web1 web2; do
    conf "$h" "clearway-host-$h" "$work/$h.pw"
    sed -i -e 's/^writer = yes$/writer = no/' \
        -e 's/^\[daemon\]$/[daemon]\nldap_sync = no\nrevocation_workers = 0\nrevoke_leavers = no/' \
        "$work/$h/clearway.conf"
done
# start NAME: clearwayd in its own UTS namespace, host name NAME.
start() {
    unshare --uts sh -c 'hostname "$0" && exec "$@"' "$1" \
        "$daemon" -f -d -c "$work/$1/clearway.conf" >>"$work/$1/clearwayd.log" 2>&1 &
    pids+=($!)
    eval "pid_$1=$!"
}
start central
cw_wait_answer "$ctl" "$work/central/clearway.conf" alice sc-hosts 30 ||
    { tail -n 20 "$work/central/clearwayd.log"; exit 1; }

# (c): the writer drained the legacy stream, the gate kept the order.
trail=$work/central/trail
legacy_check() {
    python3 - "$trail" <<'EOF'
import json, os, sys
seen = []
for f in sorted(os.listdir(sys.argv[1])):
    for line in open(os.path.join(sys.argv[1], f), encoding="utf-8"):
        r = json.loads(line)
        if r["type"] == "pam_decision" and r["host"] == "oldhost":
            seen.append(int(r["details"]["event_id"].split(":")[1]))
if seen != list(range(1, 51)):
    sys.exit("oldhost's events sealed: %s" % seen)
print("50 events of oldhost sealed once, in order")
EOF
}
for ((i = 0; i < 40; i++)); do out=$(legacy_check 2>&1) && break; sleep 0.25; done
[[ $out == "50 events"* ]] && pass "c: $out (legacy stream first)" || fail "c: $out"
[[ $(as_central XLEN cw:audit) == 0 ]] && pass "c: the legacy stream is drained" ||
    fail "c: cw:audit still holds $(as_central XLEN cw:audit)"

# ------------------------------------------------ (a) two hosts
start web1
start web2
for h in web1 web2; do
    for ((i = 0; i < 100; i++)); do [[ -S $work/$h/clearwayd.sock ]] && break; sleep 0.1; done
done
fa_decide_until "$work/web1/clearwayd.sock" "$work/tags1" w1- "$work/stop" 2 >"$work/answered1" 2>"$work/client1.err" &
c1=$!
fa_decide_until "$work/web2/clearwayd.sock" "$work/tags2" w2- "$work/stop" 2 >"$work/answered2" 2>"$work/client2.err" &
c2=$!
sleep 2
# The writer killed mid-flow: its pending entries in both streams are
# re-read by the next one.
kill -KILL "$pid_central"
wait "$pid_central" 2>/dev/null
sleep 1
start central
sleep 3
touch "$work/stop"
wait "$c1" "$c2"
echo "# answered: web1 $(cat "$work/answered1"), web2 $(cat "$work/answered2")"
for h in 1 2; do
    out=$(fa_wait_sealed "$trail" "w$h-" "$work/tags$h" 60)
    [[ $out == *" lost 0 duplicated 0" && $(cat "$work/answered$h") -gt 50 ]] &&
        pass "a: web$h: $out (writer killed -9 and restarted)" || fail "a: web$h: $out"
done
hosts=$(python3 - "$trail" <<'EOF'
import json, os, sys
bad = 0
for f in sorted(os.listdir(sys.argv[1])):
    for line in open(os.path.join(sys.argv[1], f), encoding="utf-8"):
        r = json.loads(line)
        t = r["details"].get("tty", "") if r["type"] == "pam_decision" else ""
        if t[:3] in ("w1-", "w2-") and r["host"] != "web" + t[1]:
            bad += 1
print(bad)
EOF
)
[[ $hosts == 0 ]] && pass "a: every decision sealed under the host that made it" ||
    fail "a: $hosts records under the wrong host"
grep -q NOPERM "$work/web1/clearwayd.log" "$work/web2/clearwayd.log" &&
    echo "# host daemons' NOPERM (their EVAL reads; issue 14's roles): $(grep -ho 'NOPERM[^:]*' "$work"/web?/clearwayd.log | sort | uniq -c | head -3)"
[[ $(grep -c "cannot forward" "$work/web1/clearwayd.log" "$work/web2/clearwayd.log" | awk -F: '{s += $2} END {print s}') == 0 ]] &&
    pass "a: the host users forward to their own streams without refusal" ||
    fail "a: a host could not forward: $(grep -h -m2 'cannot forward' "$work"/web?/clearwayd.log)"

# (d) a host's stream deleted (a decommissioned name reused, an admin's
# DEL): the writer's read naming it fails once, it checks the stream
# again, creates its group anew and seals what the host sends next.
as_central DEL cw:audit:web2 >/dev/null
n=$(fa_decide "$work/web2/clearwayd.sock" "$work/tags3" d- 200)
out=$(fa_wait_sealed "$trail" d- "$work/tags3" 30)
[[ $out == "answered 200 sealed 200 lost 0 duplicated 0" ]] &&
    pass "d: cw:audit:web2 deleted, then 200 decisions: $out" || fail "d: $out (client: $n)"

# ------------------------------------------------ (b) per-host rights
refused() {
    local out rc=0
    out=$(as "$@" 2>&1) || rc=$?
    ((rc == 2)) && [[ $out == *NOPERM* ]] && pass "b: $1 refused: $2 $3" ||
        fail "b: $1 NOT refused: ${*:2} -> rc $rc $out"
}
refused host-web1 XADD cw:audit:web2 '*' e "$(ev web2 forged-x 1111111111111111 1)"
refused host-web1 XADD cw:audit '*' e "$(ev web2 forged-x 1111111111111111 1)"
refused host-web1 XADD cw:audit:writer '*' e x
refused host-web1 SET cw:audit:writer x
refused host-web1 XDEL cw:audit:web1 0-1
refused host-web1 XGROUP DESTROY cw:audit:web1 writers
refused host-web2 XADD cw:audit:web1 '*' e "$(ev web1 forged-y 2222222222222222 1)"
out=$(as host-web1 XADD cw:audit:web1 '*' e "$(ev web2 forged-1 3333333333333333 1)" 2>&1) &&
    pass "b: web1's user may append to cw:audit:web1 (an event claiming web2)" ||
    fail "b: web1 could not append to its own stream: $out"
as host-web1 XADD cw:audit:web1 '*' e "$(ev web1 own-1 3333333333333333 2)" >/dev/null
forged_check() {
    python3 - "$trail" <<'EOF'
import json, os, sys
forged, own, anomaly = 0, 0, None
for f in sorted(os.listdir(sys.argv[1])):
    for line in open(os.path.join(sys.argv[1], f), encoding="utf-8"):
        r = json.loads(line)
        d = r["details"]
        if r["type"] == "pam_decision" and d.get("tty") == "forged-1":
            forged += 1
        if r["type"] == "pam_decision" and d.get("tty") == "own-1" and r["host"] == "web1":
            own += 1
        if r["type"] == "anomaly_alert" and d.get("kind") == "forged_host":
            anomaly = r
if forged or own != 1 or anomaly is None:
    sys.exit("forged sealed %d, own %d, anomaly %s" % (forged, own, anomaly))
a = anomaly
ok = (a["host"] == "web1" and a["subject"] == "web2" and a["outcome"] == "alert"
      and a["details"]["stream"] == "cw:audit:web1"
      and a["details"]["claimed_host"] == "web2"
      and a["details"]["claimed_type"] == "pam_decision")
if not ok:
    sys.exit("anomaly record: %s" % a)
print("not sealed as web2's; anomaly_alert forged_host of web1, stream cw:audit:web1, claimed web2")
EOF
}
for ((i = 0; i < 40; i++)); do out=$(forged_check 2>&1) && break; sleep 0.25; done
[[ $out == "not sealed"* ]] && pass "b: the forged event: $out" || fail "b: $out"
grep -q 'audit alert forged_host: stream cw:audit:web1 (host web1) carried a pam_decision event claiming host web2' \
    "$work/central/clearwayd.log" && pass "b: the writer logs the forgery (LOG_ALERT)" ||
    fail "b: no forged_host alert line in the writer's log"
for ((i = 0; i < 30; i++)); do
    n=$(awk '$1 == "clearway_alerts_total{kind=\"forged_host\"}" { print $2 }' "$work/central/clearway.prom" 2>/dev/null)
    [[ $n == 1 ]] && break
    sleep 0.2
done
[[ $n == 1 ]] && pass "b: clearway_alerts_total{kind=\"forged_host\"} 1" || fail "b: forged_host metric ${n:-absent}"

for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
pids=()
expect_exit 0 "the writer's trail verifies (clearwayctl audit verify)" \
    "$ctl" -c /nonexistent audit verify --dir "$trail" --keys "$work/keys"
finish
