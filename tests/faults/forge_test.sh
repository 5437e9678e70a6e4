#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 10, item 3: no one but the PAM stack (root) may put session,
# break-glass or decision records into the audit trail.  A real
# unprivileged user sends breakglass, session (made-up rhost and tty, a
# year's duration) and decide requests over the socket; root sends a
# break-glass report for a user not in breakglass_users.  All must be
# refused, and none may reach the sealed trail; PAM's own records (made
# through the real libpam) must reach it carrying the caller's real uid
# and pid.
#   forge_test.sh CLEARWAYD CLEARWAYCTL PAM_MODULE PAM_LOAD
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 module=$(realpath "$3") pam_load=$4
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/../lib/users.sh"

FAKE_RHOST=203.0.113.66
work=$(mktemp -d /tmp/cw-forge-test.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
cleanup() {
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    cw_users_release
    rm -rf "$work"
}
trap cleanup EXIT
export CW_LAST_OUT=$work/last.out

cw_users_hold cwforger || exit 1
bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a

mkdir -m 0755 "$work/run" "$work/pam.d"
mkdir -m 0700 "$work/keys"
(umask 077; openssl rand -hex 32 >"$work/keys/k1.key")
conf=$work/clearway.conf
sock=$work/run/clearwayd.sock
cw_write_config "$conf" "$sock" "[policy]" "breakglass_users = rescue"
sed -i "/^\[audit\]/a directory = $work/trail\nkey_dir = $work/keys\nwriter = yes" "$conf"
log=$work/clearwayd.log
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }
{
    echo "account required $module host_class=sc-hosts config=$conf"
    echo "session required $module host_class=sc-hosts config=$conf"
} >"$work/pam.d/sshd-sc"

client=$work/flood_client.py
cp "$here/flood_client.py" "$client"
chmod 0755 "$client"
forge() {  # USER JSON: prints the daemon's answer to USER's request
    if [[ $1 == root ]]; then
        python3 "$client" send "$sock" "$2"
    else
        setpriv --reuid="$1" --regid=users --clear-groups /usr/bin/python3 "$client" send "$sock" "$2"
    fi
}
place="\"host_class\":\"sc-hosts\",\"service\":\"sshd\",\"rhost\":\"$FAKE_RHOST\",\"tty\":\"pts/66\""
cases=(
    "cwforger|{\"v\":1,\"op\":\"breakglass\",\"user\":\"cwforger\",$place}"
    "cwforger|{\"v\":1,\"op\":\"breakglass\",\"user\":\"rescue\",$place}"
    "cwforger|{\"v\":1,\"op\":\"session\",\"event\":\"open\",\"user\":\"cwforger\",$place}"
    "cwforger|{\"v\":1,\"op\":\"session\",\"event\":\"close\",\"duration\":31536000,\"user\":\"cwforger\",$place}"
    "cwforger|{\"v\":1,\"op\":\"decide\",\"user\":\"cwforger\",$place}"
    "cwforger|{\"v\":1,\"op\":\"decide\",\"user\":\"alice\",$place}"
    "root|{\"v\":1,\"op\":\"breakglass\",\"user\":\"alice\",$place}"
)
accepted=0
for c in "${cases[@]}"; do
    who=${c%%|*} body=${c#*|}
    got=$(forge "$who" "$body")
    what=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["op"], r.get("event",""), r["user"])' "$body")
    if [[ $got == ok ]]; then
        accepted=$((accepted + 1))
        fail "$who: $what accepted"
    elif [[ ! $got =~ ^(forbidden|bad_request|refused|closed)$ ]]; then
        fail "$who: $what: no refusal from the daemon ($got)"
    else
        pass "$who: $what refused ($got)"
    fi
done
echo "# forged requests accepted: $accepted of ${#cases[@]}"

# PAM's own records, through the real libpam as root.
"$pam_load" "$work/pam.d" sshd-sc account 0 0 alice rescue >"$work/acct.out" 2>&1
"$pam_load" "$work/pam.d" sshd-sc session 0 0 alice >"$work/sess.out" 2>&1
acct_pid=$(awk '$1 == "pid" {print $2}' "$work/acct.out")
sess_pid=$(awk '$1 == "pid" {print $2}' "$work/sess.out")
grep -q '^failed 0' "$work/acct.out" && grep -q '^failed 0' "$work/sess.out" &&
    pass "PAM: alice and rescue (break-glass) log on, alice's session opens and closes" ||
    fail "PAM calls failed: $(grep '^fail' "$work"/acct.out "$work"/sess.out | head -3)"

# Wait (bounded) until PAM's session close is sealed: everything emitted
# before it has been written too.
trail_has() {
    cat "$work"/trail/audit-*.jsonl 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r["type"] == "session_close" and r["subject"] == "alice":
        sys.exit(0)
sys.exit(1)'
}
for _ in $(seq 200); do trail_has && break; sleep 0.1; done
trail_has && pass "PAM's records reached the sealed trail" || fail "no session_close for alice in the trail"

cat "$work"/trail/audit-*.jsonl 2>/dev/null | python3 -c '
import json, sys
fake, acct_pid, sess_pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
forger_uid = int(sys.argv[4])
forged = wrong_bg = forger_requests = 0
pam = {}
for l in sys.stdin:
    r = json.loads(l)
    d = r.get("details", {})
    if r["type"] == "cli_request" and d.get("caller_uid") == forger_uid:
        forger_requests += 1
    if r["type"] not in ("pam_decision", "session_open", "session_close",
                         "breakglass"):
        continue
    if d.get("rhost") == fake or r["subject"] == "cwforger":
        forged += 1
    if r["type"] == "breakglass" and r["subject"] != "rescue":
        wrong_bg += 1
    if r["subject"] in ("alice", "rescue") and d.get("rhost") != fake:
        pam[(r["type"], r["subject"])] = (d.get("caller_uid"), d.get("caller_pid"))
print("forged records in the trail: %d" % forged)
print("break-glass records for users not in breakglass_users: %d" % wrong_bg)
want = {("pam_decision", "alice"): acct_pid, ("breakglass", "rescue"): acct_pid,
        ("session_open", "alice"): sess_pid, ("session_close", "alice"): sess_pid}
bad = 0
for k, pid in sorted(want.items()):
    got = pam.get(k)
    ok = got == (0, pid)
    bad += not ok
    print("%s %s: caller_uid/pid %s, wanted (0, %d)%s" % (k[0], k[1], got, pid, "" if ok else "  <-- WRONG"))
print("PAM records without the real caller: %d" % bad)
print("refused requests recorded under the forger'"'"'s own uid: %d" % forger_requests)
' "$FAKE_RHOST" "${acct_pid:-0}" "${sess_pid:-0}" "$(id -u cwforger)" >"$work/count.out" 2>&1
sed 's/^/# /' "$work/count.out"
grep -q '^forged records in the trail: 0$' "$work/count.out" &&
    pass "forged records in the trail: 0" || fail "$(grep '^forged' "$work/count.out")"
grep -q '^break-glass records for users not in breakglass_users: 0$' "$work/count.out" &&
    pass "no break-glass record for a user outside breakglass_users" ||
    fail "$(grep '^break-glass' "$work/count.out")"
grep -q '^PAM records without the real caller: 0$' "$work/count.out" &&
    pass "PAM's records carry the real caller's uid and pid" ||
    fail "$(grep '^PAM records' "$work/count.out")"
grep -q "^refused requests recorded under the forger's own uid: [1-9]" "$work/count.out" &&
    pass "the forger's refused requests are recorded with the uid from the socket" ||
    fail "$(grep '^refused requests' "$work/count.out")"
finish
