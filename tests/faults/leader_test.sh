#!/bin/bash
# SPDX-License-Identifier: MIT
# Exactly one sync leader (issue 14): two central daemons (ldap_sync =
# yes, their own sockets, state and spools) on one slapd and one Redis.
#   (a) kill -9 of the sync leader in the middle of a change burst: the
#       other takes the lease within 5 s (the takeover is measured and
#       printed) and the store converges exactly with the directory;
#   (b) a stale leader: SIGSTOP past its lease, the other takes over and
#       writes, SIGCONT: every write the stale one tries is refused by the
#       lease (counted in its log and its status), the store still equals
#       the directory, and it stands by as a candidate.
#   leader_test.sh CLEARWAYD CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/../lib/leader.sh"

work=$(mktemp -d /tmp/cw-leader.XXXXXX)
chmod 0755 "$work"
cleanup() {
    ld_stop_all
    [[ -n ${burst_pid:-} ]] && kill "$burst_pid" 2>/dev/null
    bash "$here/../rig/rig.sh" stop "$work/rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export CW_LAST_OUT=$work/last.out

bash "$here/../rig/start-with-sample.sh" "$work/rig" >/dev/null 2>&1 ||
    { echo "no rig" >&2; exit 1; }
set -a
. "$work/rig/env"
set +a
# The store equals the directory: entries, DNs and every cw* value.
mirror_ok() { python3 "$here/../lib/leader_check.py" "$work/rig" >"$work/mc.out" 2>&1; }
ldap_load() {
    ldapmodify -c -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" \
        -y "$CW_LDAP_ADMIN_PW_FILE" >/dev/null 2>&1
}
held_by() { [[ $(ld_lease "$work/$1/clearway.conf") == yes* ]]; }
lease_moved_from() { local v; v=$(ld_get sync:leader); [[ -n $v && $v != "$1" ]]; }

for d in a b; do ld_conf "$work/$d"; done
ld_start a "$work/a" "$work/a/clearwayd.log"
cw_wait_answer "$ctl" "$work/a/clearway.conf" alice sc-hosts || { cat "$work/a/clearwayd.log"; exit 1; }
ld_wait 10 held_by a >/dev/null && pass "the first daemon is the sync leader" ||
    fail "the first daemon never became the sync leader"
ld_start b "$work/b" "$work/b/clearwayd.log"
cw_wait_answer "$ctl" "$work/b/clearway.conf" alice sc-hosts || { cat "$work/b/clearwayd.log"; exit 1; }
sleep 1.5
echo "lease: $(ld_get sync:leader); a: $(ld_lease "$work/a/clearway.conf"); b: $(ld_lease "$work/b/clearway.conf")"
[[ $(ld_lease "$work/b/clearway.conf") == no* ]] &&
    pass "the second daemon stands by while the leader lives" ||
    fail "two sync leaders"
grep -c 'now the sync leader' "$work/b/clearwayd.log" >/dev/null &&
    fail "the second daemon led at some point" || pass "the second never led"

# ---- (a) kill -9 of the leader in the middle of a change burst ----
ld_burst 300 burst >"$work/burst.ldif"
first=$(ld_get sync:leader)
t_burst=$(ld_now_ms)
ldap_load <"$work/burst.ldif" &
burst_pid=$!
sleep 0.7
gen_before=$(ld_get gen)
t_kill=$(ld_now_ms)
ld_kill a
ld_wait 10 lease_moved_from "$first" >/dev/null
t_take=$(ld_now_ms)
ld_wait 10 held_by b >/dev/null
t_status=$(ld_now_ms)
wait "$burst_pid"
burst_pid=
t_burst_end=$(ld_now_ms)
ld_wait 30 mirror_ok >/dev/null
t_conv=$(ld_now_ms)
echo "burst: 300 adds, 300 modifies, 100 deletes in $((t_burst_end - t_burst)) ms; leader killed at $((t_kill - t_burst)) ms (generation $gen_before)"
echo "takeover: lease taken $((t_take - t_kill)) ms after kill -9, status says leader after $((t_status - t_kill)) ms"
echo "converged: store equals directory $((t_conv - t_kill)) ms after kill -9 ($((t_conv - t_burst_end)) ms after the burst ended)"
echo "TAKEOVER_MS=$((t_take - t_kill))"
(( t_take - t_kill <= 5000 )) && pass "the other central took over within 5 s" ||
    fail "takeover took $((t_take - t_kill)) ms"
mirror_ok && pass "after the takeover the store equals the directory" ||
    { fail "the store differs from the directory"; cat "$work/mc.out"; }
second=$(ld_get sync:leader)
(( second > first )) && pass "the new leader's token ($second) is greater than the old one's ($first)" ||
    fail "tokens: old $first new $second"
grep -c 'now the sync leader' "$work/b/clearwayd.log" >/dev/null &&
    pass "the new leader logged its takeover" || fail "no takeover in the log"

# ---- (b) a stale leader: SIGSTOP past its lease, SIGCONT ----
# a comes back as a candidate; b leads.  Stop b mid-burst this time.
burst_pid=
ld_start a "$work/a" "$work/a/clearwayd.log"
cw_wait_answer "$ctl" "$work/a/clearway.conf" alice sc-hosts || { cat "$work/a/clearwayd.log"; exit 1; }
ld_burst 300 stale >"$work/burst2.ldif"
ldap_load <"$work/burst2.ldif" &
burst_pid=$!
sleep 0.5
t_stop=$(ld_now_ms)
kill -STOP "${LD_PID[b]}"
ld_wait 10 lease_moved_from "$second" >/dev/null
t_take=$(ld_now_ms)
echo "stale leader: SIGSTOPped; the other took over after $((t_take - t_stop)) ms"
ld_wait 10 held_by a >/dev/null
wait "$burst_pid"
burst_pid=
# More changes while b is stopped: slapd queues them on b's connection.
printf 'dn: uid=stale1,ou=people,dc=clearway,dc=test\nchangetype: modify\nreplace: cwClearance\ncwClearance: SC\n-\n\n' | ldap_load
gen_stopped=$(ld_get gen)
sleep 1
kill -CONT "${LD_PID[b]}"
t_cont=$(ld_now_ms)
sleep 3
refused_log=$(grep -c 'refused: this daemon no longer holds the sync leader lease' "$work/b/clearwayd.log")
read -r b_held b_token b_fenced <<<"$(ld_lease "$work/b/clearway.conf")"
echo "stale leader after SIGCONT: held $b_held, token $b_token, writes refused: $b_fenced (log: $refused_log batches)"
echo "STALE_REFUSED=$b_fenced"
grep 'no longer the sync leader' "$work/b/clearwayd.log" | tail -1
[[ $b_held == no && $(ld_get sync:leader) != "$second" ]] &&
    pass "the stale leader stands by; the lease stays with the new one" ||
    fail "after SIGCONT: b $b_held, lease $(ld_get sync:leader)"
grep -c 'no longer the sync leader' "$work/b/clearwayd.log" >/dev/null &&
    pass "the stale leader logged the loss" || fail "no loss in the stale leader's log"
gen_now=$(ld_get gen)
echo "generation while b was stopped $gen_stopped, 3 s after SIGCONT $gen_now"
[[ $gen_now == "$gen_stopped" ]] &&
    pass "the stale leader wrote nothing after SIGCONT (generation unchanged)" ||
    fail "something was written after SIGCONT ($gen_stopped -> $gen_now)"
ld_wait 20 mirror_ok >/dev/null
mirror_ok && pass "the store equals the directory after the stale leader woke" ||
    { fail "the store differs from the directory"; cat "$work/mc.out"; }

# ---- (b2) woken mid-batch: the lease moved on before its next write ----
# What a leader paused past its lease finds when it wakes between deciding
# to write and writing: another token in the lease.  The test puts one
# there (as a takeover would) under the live leader, then changes the
# directory: the leader's next batch must be refused whole, atomically.  (A renewal
# falling due in between finds the loss first; then it is tried again.)
# Whoever leads now; the steal comes right after one of its renewals (the
# lease's PTTL near its 4 s), so the next renewal is over a second away.
leader_now() {
    local d
    for d in a b; do
        held_by "$d" && { echo "$d"; return 0; }
    done
    return 1
}
just_renewed() { local t; t=$(redis-cli -s "$CW_REDIS_SOCKET" PTTL cw:sync:leader); (( t > 3850 )); }
refused=0 refused_before=0 gen_before=0 gen_after=1 ldr=
for try in 1 2 3 4 5; do
    ld_wait 15 leader_now >/dev/null || break
    ldr=$(leader_now)
    refused_before=$(ld_lease "$work/$ldr/clearway.conf" | awk '{print $3}')
    tok=$(ld_get sync:leader)
    gen_before=$(ld_get gen)
    ld_wait 5 just_renewed >/dev/null
    redis-cli -s "$CW_REDIS_SOCKET" SET cw:sync:leader 999999 PX 3000 >/dev/null
    printf 'dn: uid=stale2,ou=people,dc=clearway,dc=test\nchangetype: modify\nreplace: cwClearance\ncwClearance: DV\n-\n\n' | ldap_load
    sleep 1
    refused=$(ld_lease "$work/$ldr/clearway.conf" | awk '{print $3}')
    gen_after=$(ld_get gen)
    echo "try $try: leader $ldr (token $tok), refused writes $refused_before -> $refused, generation $gen_before -> $gen_after"
    (( refused > refused_before )) && break
    # The value back, for the next try to be a change again.
    printf 'dn: uid=stale2,ou=people,dc=clearway,dc=test\nchangetype: modify\nreplace: cwClearance\ncwClearance: SC\n-\n\n' | ldap_load
done
(( refused > refused_before )) && [[ $gen_after == "$gen_before" ]] &&
    pass "a batch sent after the lease moved on is refused whole (generation unchanged)" ||
    fail "the fenced batch: refused $refused_before -> $refused, generation $gen_before -> $gen_after"
grep -c 'write of .* changes refused' "$work/${ldr:-a}/clearwayd.log" >/dev/null &&
    pass "the refused batch is in the leader's log" || fail "no refused batch in the log"
took=$(ld_wait 15 mirror_ok)
echo "after the fake holder's lease expired, the store equals the directory again in $took s"
[[ $took != *+ ]] && pass "a new leader resumed from the stored cookie and converged" ||
    { fail "no convergence after the fenced batch"; cat "$work/mc.out"; }
finish
