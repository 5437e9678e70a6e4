#!/bin/bash
# SPDX-License-Identifier: MIT
# A Redis that goes back to older data under a running mirror (an old
# AOF, a failover that lost writes) must not be written over with the
# mirror's newest cookie: the store would then claim, by its cookie, to
# cover changes it lost, and nothing would ever send them again.
#
# The daemon mirrors the rig's directory.  Redis's directory keys
# (ldap:cookie, staff, gen, changes, sync:mirror_seq) are copied aside;
# LDAP change A (alice's cn) is made and waited for in Redis; the keys
# are put back as they were, in one script (a real rollback of those
# keys, same epoch); at once LDAP change B (bob's cn) is made.  Both A
# and B must end up in Redis, with the rollback logged.  Before the
# sync:mirror_seq fence, B was written on top with the newest cookie and
# A was missing for good.
#
# The follow thread's loss guard would see the generation go back if it
# looked between the rollback and B's write, and repair by a full
# refresh; a long reload interval (10 s) keeps it from looking in that
# window, so the mirror's write is what is tested (with the default
# interval the same hole is a race, not a certainty).
#
# B also raises bob's clearance to SC, a change that loosens: the early
# deny does not carry it, so the daemon must load it from Redis.  The
# refill writes it at the generation the daemon already holds (Redis
# went back below it); the daemon must see that the generation came back
# with other data (its cookie changed) and load everything.
#   mirror_behind_test.sh CLEARWAYD CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-mirrorbehind.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
cleanup() {
    cw_stop_daemon
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a
rcli() { redis-cli -s "$CW_REDIS_SOCKET" "$@"; }
conf=$work/clearway.conf
log=$work/clearwayd.log
mkdir -m 0755 "$work/run"
# No revocation steps: the sample's leavers would be locked in LDAP,
# which the mirror writes back a moment later.
cw_write_config "$conf" "$work/run/clearwayd.sock" "revocation_workers = 0"
# Redis's timeout bounds the follow thread's XREAD BLOCK (timeout - 200).
sed -i -e 's/^reload_interval_ms = .*/reload_interval_ms = 10000/' \
    -e '/^\[redis\]/,/^\[/s/^timeout_ms = .*/timeout_ms = 12000/' "$conf"
cw_start_daemon "$daemon" "$conf" "$log"
wait_for() {  # seconds, command...
    local limit=$(($1 * 10)) i
    shift
    for ((i = 0; i < limit; i++)); do "$@" && return 0; sleep 0.1; done
    return 1
}
# The cn Redis holds for uid $1 ("" when none).
cn_of() {
    rcli --raw HVALS cw:staff | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e["dn"].lower().startswith("uid=" + sys.argv[1] + ","):
        print((e["attrs"].get("cn") or [""])[0])' "$1"
}
cn_is() { [[ $(cn_of "$1") == "$2" ]]; }
set_cn() {  # uid cn [more LDIF modify lines]
    ldapmodify -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" >/dev/null <<EOF2
dn: uid=$1,$CW_STAFF_BASE
changetype: modify
replace: cn
cn: $2
${3:-}
EOF2
}
# The daemon's reason for uid $1 on sc-hosts.
reason_of() {
    "$ctl" -c "$conf" --json check "$1" --host-class sc-hosts 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"])' 2>/dev/null
}
reason_is() { [[ $(reason_of "$1") == "$2" ]]; }
has_cookie() { [[ -n $(rcli GET cw:ldap:cookie) ]]; }
# True once the generation has not moved for 2 s (start-up writes done).
settled() {
    local g
    g=$(rcli GET cw:gen)
    sleep 2
    [[ $(rcli GET cw:gen) == "$g" ]]
}
keys=(cw:ldap:cookie cw:staff cw:gen cw:changes cw:sync:mirror_seq)
# Copies each key to snap:<key> (or notes it missing), in one script.
snapshot() {
    rcli EVAL "for _, k in ipairs(KEYS) do
        redis.call('DEL', 'snap:' .. k)
        if redis.call('EXISTS', k) == 1 then redis.call('COPY', k, 'snap:' .. k) end
      end" ${#keys[@]} "${keys[@]}" >/dev/null
}
# Puts each key back as the snapshot had it, in one script.
rollback() {
    rcli EVAL "for _, k in ipairs(KEYS) do
        if redis.call('EXISTS', 'snap:' .. k) == 1 then
          redis.call('COPY', 'snap:' .. k, k, 'REPLACE')
        else redis.call('DEL', k) end
      end" ${#keys[@]} "${keys[@]}" >/dev/null
}

wait_for 30 has_cookie && wait_for 10 cn_is alice alice &&
    pass "the mirror is in sync (cookie stored, alice's entry in Redis)" ||
    { fail "the mirror never synced"; tail -n 30 "$log"; finish; exit 1; }
wait_for 30 settled || fail "the generation never settled"
snapshot
gen0=$(rcli GET cw:gen) cookie0=$(rcli GET cw:ldap:cookie)
set_cn alice "Alice A"
wait_for 10 cn_is alice "Alice A" && pass "change A (alice's cn) is in Redis" ||
    fail "change A never reached Redis: cn '$(cn_of alice)'"
genA=$(rcli GET cw:gen)
rollback
[[ $(rcli GET cw:gen) == "$gen0" && $(rcli GET cw:ldap:cookie) == "$cookie0" ]] && cn_is alice alice &&
    pass "Redis put back to before A (gen $genA -> $gen0, old cookie)" || fail "rollback did not take"
before=$(reason_of bob)
[[ $before != ok ]] && pass "bob is refused on sc-hosts before B ($before)" ||
    fail "bob is already allowed on sc-hosts"
t0=$EPOCHREALTIME
set_cn bob "Bob B" "-
replace: cwClearance
cwClearance: SC"
wait_for 15 cn_is bob "Bob B" && pass "change B (bob's cn) is in Redis" ||
    fail "change B never reached Redis: cn '$(cn_of bob)'"
if wait_for 10 cn_is alice "Alice A"; then
    t=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    pass "change A is in Redis again ($t s after B)"
else
    fail "change A lost for good: alice's cn '$(cn_of alice)' under cookie $(rcli GET cw:ldap:cookie)"
fi
cn_is bob "Bob B" && pass "B still there" || fail "B gone: bob's cn '$(cn_of bob)'"
# At the latest at the next reload (the follow thread's XREAD waits for
# an entry after the generation it holds: the reused one never wakes it).
if wait_for 25 reason_is bob ok; then
    t=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    pass "the daemon answers from B too ($t s after it)"
else
    fail "the daemon never loaded B (bob: $(reason_of bob)): the generation it held came back with other data"
fi
n=$(grep -c "came back with other directory data" "$log")
((n >= 1)) && pass "the reused generation is logged" ||
    fail "no 'came back with other directory data' alert"
n=$(grep -c "ldap: Redis went back under the mirror (.*BEHIND .*): starting again from its cookie" "$log")
((n >= 1)) && pass "the refused write is logged ($n times)" || fail "no 'Redis went back under the mirror' warning"
echo "# gen before A $gen0, after A $genA, now $(rcli GET cw:gen); sync:mirror_seq $(rcli GET cw:sync:mirror_seq)"
grep -E "Redis went back|ldap: in sync|sync with .* ended" "$log" | sed 's/^/# /'

cw_stop_daemon
if grep -q "Sanitizer" "$log"; then
    fail "sanitizer reports in the daemon's log"
    grep -A12 "Sanitizer" "$log" | head -40 | sed 's/^/      /'
else
    pass "no sanitizer reports"
fi
finish
