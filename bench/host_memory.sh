#!/bin/bash
# SPDX-License-Identifier: MIT
# A host daemon's memory and cold start at N staff (issue 14, "small hosts"):
#   bench/host_memory.sh [N [BURST [REVOKES]]]   (defaults 100000 2000 200)
#   CW_BUILD_DIR=DIR bench/host_memory.sh     another build (e.g. main's)
# Starts a throwaway redis-server (Unix socket, no persistence), fills it
# with bench/gen-directory.py's N staff as the mirror stores them
# (bench/store_fill.py: with their share of leavers and bad records), then
# starts clearwayd with ldap_sync = no, no revocation workers and
# revoke_leavers = no (what a host-role daemon runs) and prints:
#   - cold start: from exec to the first correct answer of clearwayctl
#     check (a known user, compared with the answer after the load), and
#     the daemon's own "policy data loaded ... in N ms";
#   - VmRSS / VmHWM (/proc/PID/status) once ready, and after BURST staff
#     changes written as the mirror writes them (store_write.lua), in
#     batches of 50, and after REVOKES single revocations (each its own
#     generation, as revq_submit.lua writes one: SADD revoked + a change
#     log entry "r:uid"), on top of a revoked set of N/16 users;
#   - a digest of every decision on two host classes (clearwayctl who,
#     sorted), to compare builds: equal digests, equal decisions;
#   - PAM account-check latency through real libpam (bench_pam, CALLS
#     calls, default 5000, env CW_PAM_CALLS) for an allowed and a denied
#     user, at this size.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CW_BUILD_DIR:-$top/build/release}
n=${1:-100000}
burst=${2:-2000}
revokes=${3:-200}

if [[ -z ${CW_BUILD_DIR:-} ]]; then
    cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCW_BUILD_TESTS=OFF >/dev/null
    cmake --build "$build" -j2 --target clearwayd clearwayctl bench_pam \
        pam_clearway >/dev/null
fi
work=$(mktemp -d /tmp/cw-host-memory.XXXXXX)
chmod 0755 "$work"
pid=
cleanup() {
    [[ -n $pid ]] && { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true
    timeout 5 redis-cli -s "$work/redis.sock" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
rc() { redis-cli -s "$work/redis.sock" "$@"; }
redis-server --port 0 --unixsocket "$work/redis.sock" --unixsocketperm 777 \
    --save '' --appendonly no --dir "$work" --daemonize yes \
    --pidfile "$work/redis.pid" --logfile "$work/redis.log" >/dev/null
for _ in $(seq 50); do
    [[ $(rc ping 2>/dev/null) == PONG ]] && break
    sleep 0.1
done
python3 "$top/bench/gen-directory.py" "$n" --seed 1 >"$work/dir.ldif"
python3 "$top/bench/store_fill.py" cw: <"$work/dir.ldif" |
    redis-cli -s "$work/redis.sock" --pipe | tail -1
# The revoked set a directory of this size carries (about 6% at 100,000).
seq -f 's%06g' 1 16 "$n" | awk '{ print "SADD cw:revoked " $1 }' |
    redis-cli -s "$work/redis.sock" >/dev/null
echo "redis used_memory: $(rc info memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r')"

mkdir -p "$work/state" "$work/spool"
cat >"$work/conf" <<EOF
[redis]
socket = $work/redis.sock
timeout_ms = 5000
[audit]
spool_dir = $work/spool
metrics_file =
[daemon]
socket = $work/clearway.sock
state_dir = $work/state
ldap_sync = no
revoke_leavers = no
revocation_workers = 0
EOF
ctl=$build/cli/clearwayctl
user=s000042
hc=general-hosts

# The answer once the data is in, to know which answer is "correct".
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
start_ms() { date +%s%3N; }

t0=$(start_ms)
"$build/daemon/clearwayd" -f -c "$work/conf" >"$work/daemon.log" 2>&1 &
pid=$!
first=
for ((i = 0; i < 3000; i++)); do
    out=$("$ctl" -c "$work/conf" --json check "$user" --host-class "$hc" 2>/dev/null) && rcode=0 || rcode=$?
    if [[ $rcode -eq 0 || $rcode -eq 1 ]]; then first=$out; break; fi
    sleep 0.01
done
t1=$(start_ms)
[[ -n $first ]] || { echo "no answer within 30 s"; cat "$work/daemon.log"; exit 1; }
again=$("$ctl" -c "$work/conf" --json check "$user" --host-class "$hc" 2>/dev/null) || true
verdict() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get("decision"), d.get("reason"))' "$1"; }
[[ $(verdict "$first") == $(verdict "$again") ]] || echo "WARNING: first answer differs from the settled one"
sleep 1
ticks=$(getconf CLK_TCK)
echo "cold start (exec -> first answer): $((t1 - t0)) ms ($(verdict "$first")), daemon CPU by then $(awk -v hz="$ticks" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$pid/stat") ms, load average $(cut -d' ' -f1 /proc/loadavg)"
grep -o "policy data loaded (.*" "$work/daemon.log" | head -1 || true
echo "after ready: VmRSS $(status_kb "$pid" VmRSS) kB, VmHWM $(status_kb "$pid" VmHWM) kB"

# Decisions of everyone on two host classes, sorted, digested.
digest() {
    local h sum=
    for h in general-hosts desktops; do
        "$ctl" -c "$work/conf" who --host-class "$h" | awk 'NF == 3' |
            sort >"$work/who-$h.txt"
        echo "decisions on $h: $(wc -l <"$work/who-$h.txt") users, $(awk '{print $2}' "$work/who-$h.txt" | sort | uniq -c | tr -s ' ' | tr '\n' ',') sha256 $(sha256sum <"$work/who-$h.txt" | cut -c1-16)"
    done
}
digest

# Decision latency at this size, through libpam and the module.
mkdir -m 0755 "$work/pam.d"
echo "account required $build/pam_module/pam_clearway.so host_class=general-hosts config=$work/conf" \
    >"$work/pam.d/bench"
for u in "$(awk '$2 == "allow" { print $1; exit }' "$work/who-general-hosts.txt")" \
    "$(awk '$2 == "deny" { print $1; exit }' "$work/who-general-hosts.txt")"; do
    c0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    "$build/bench/bench_pam" "$work/pam.d" bench "$u" "${CW_PAM_CALLS:-5000}" |
        grep -v '^$' || echo "bench_pam failed for $u"
    c1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    echo "daemon CPU per decision: $(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" \
        -v n="${CW_PAM_CALLS:-5000}" 'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / (2 * n) }') us"
done

# A change burst as the mirror writes it: BURST staff entries re-written
# (cwTrainingCompleted moved), 50 a batch, through store_write.lua.
python3 - "$work/dir.ldif" "$burst" "$top" >"$work/burst.resp" <<'PY'
import importlib.util, json, os, sys, uuid
path, burst, top = sys.argv[1], int(sys.argv[2]), sys.argv[3]
spec = importlib.util.spec_from_file_location("sf", os.path.join(top, "bench/store_fill.py"))
sf = importlib.util.module_from_spec(spec); spec.loader.exec_module(sf)
script = open(os.path.join(top, "daemon/store/lua/store_write.lua")).read()
out = sys.stdout.buffer
keys = ["cw:staff", "cw:hostclass", "cw:role", "cw:gen", "cw:changes", "cw:ldap:cookie"]
batch, done = [], 0
def flush():
    if batch:
        sf.command(out, "EVAL", script, "6", *keys, "keep", "", *batch)
        batch.clear()
for e in sf.entries(open(path)):
    if "cwStaff" not in e["attrs"].get("objectClass", []) or done >= burst:
        continue
    e["uuid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, e["dn"]))
    e["attrs"]["cwTrainingCompleted"] = ["20260101000000Z"]
    batch += ["0", e["uuid"], json.dumps({"dn": e["dn"], "uuid": e["uuid"], "attrs": e["attrs"]}, separators=(",", ":"))]
    done += 1
    if len(batch) >= 150:
        flush()
flush()
PY
t2=$(start_ms)
redis-cli -s "$work/redis.sock" --pipe <"$work/burst.resp" | tail -1
want=$(rc get cw:gen)
for ((i = 0; i < 3000; i++)); do
    got=$("$ctl" -c "$work/conf" --json status 2>/dev/null |
        grep -o '"generation": *[0-9]*' | grep -o '[0-9]*$' || true)
    [[ $got == "$want" ]] && break
    sleep 0.05
done
t3=$(start_ms)
echo "change burst: $burst staff in $(( (burst + 49) / 50 )) batches, applied (generation $want) $((t3 - t2)) ms after the first write"
echo "after burst: VmRSS $(status_kb "$pid" VmRSS) kB, VmHWM $(status_kb "$pid" VmHWM) kB"

# Revocations one by one, each a generation of its own.
wait_gen() {
    local want=$1 got i
    for ((i = 0; i < 6000; i++)); do
        got=$("$ctl" -c "$work/conf" --json status 2>/dev/null |
            grep -o '"generation": *[0-9]*' | grep -o '[0-9]*$' || true)
        [[ $got == "$want" ]] && return 0
        sleep 0.05
    done
    return 1
}
lua='local g = redis.call("INCR", KEYS[1]) redis.call("SADD", KEYS[2], ARGV[1])
redis.call("XADD", KEYS[3], "MAXLEN", "~", 10000, g .. "-1", "c", "r:" .. ARGV[1]) return g'
sha=$(rc script load "$lua")
t4=$(start_ms)
for ((i = 1; i <= revokes; i++)); do
    printf 'EVALSHA %s 3 cw:gen cw:revoked cw:changes s%06d\n' "$sha" $((i * 16 + 3))
done | redis-cli -s "$work/redis.sock" >/dev/null
wait_gen "$(rc get cw:gen)" || echo "WARNING: revocations not applied within 300 s"
t5=$(start_ms)
cpu=$(awk -v hz="$ticks" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$pid/stat")
echo "revocations: $revokes, one generation each, applied $((t5 - t4)) ms after the first write"
echo "after revocations: VmRSS $(status_kb "$pid" VmRSS) kB, VmHWM $(status_kb "$pid" VmHWM) kB, daemon CPU so far $cpu ms"
