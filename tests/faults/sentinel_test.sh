#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14: Redis Sentinel.  One master, two replicas, three sentinels
# (tests/lib/sentinel.sh), a both-role daemon a (syncs the rig's slapd)
# and a follower b (ldap_sync = no, read_from = replica), both with
# [redis] uri = sentinel://...
#   (a) discovery: both answer right; b reads from a replica, a from the
#       master;
#   (b) kill -9 the master: the sentinels fail over; revocations filed
#       before (one right before the kill) and during the failover are all
#       on the new master and completed; every revoked user is denied by
#       both daemons throughout (sampled, allows counted: must be 0); the
#       daemons follow the new master by themselves (seconds from the kill
#       to the first write that succeeds, printed);
#   (b2) a revocation that only the master had (both replicas stopped
#       while it was filed) is lost in the next failover: the store
#       guard sees the loss and puts it back, completed; no allows;
#   (c) a daemon given a replica as its only address writes nothing;
#   (d) a master demoted under a daemon given it as a plain address gets
#       no write from it; a and b follow the manual failover.
# PART "failover" (the default) runs (a), (b), (c), (d); "loss" runs
# (a) and (b2), each well under 90 s.
#   sentinel_test.sh CLEARWAYD CLEARWAYCTL [failover|loss]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 part=${3:-failover}
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/../lib/users.sh"
. "$here/../lib/sentinel.sh"

command -v redis-server >/dev/null || { echo "no redis-server"; exit 1; }
work=$(mktemp -d /tmp/cw-sentinel.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
pid_a= pid_b= pid_c= pid_d= sampler=
cleanup() {
    [[ -n $sampler ]] && kill "$sampler" 2>/dev/null && wait "$sampler" 2>/dev/null
    for p in $pid_a $pid_b $pid_c $pid_d; do CW_DAEMON_PID=$p cw_stop_daemon; done
    cw_sn_stop
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    cw_users_release
    [[ -n ${CW_TEST_KEEP:-} ]] || rm -rf "$work"
}
trap cleanup EXIT
export CW_LAST_OUT=$work/last.out
t_start=$SECONDS

cw_users_hold anna andy harry mallory oscar peggy victor || exit 1
bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a
# The rig's own Redis is not used: the daemons find theirs through the sentinels.
bash "$here/../rig/rig.sh" stop-redis "$rig" >/dev/null 2>&1
cw_sn_start "$work/sn" || exit 1
first_master=$CW_SN_MASTER
pass "topology: master $first_master, replicas $CW_SN_R1 $CW_SN_R2, sentinels $CW_SN_S1 $CW_SN_S2 $CW_SN_S3"

# config HOST REDIS-LINES [daemon lines...]
config() {
    local h=$1 redis=$2
    shift 2
    mkdir -m 0755 -p "$work/$h/run"
    cw_write_config "$work/$h/clearway.conf" "$work/$h/run/clearwayd.sock" "$@"
    python3 - "$work/$h/clearway.conf" "$redis" <<'PY'
import sys
p, lines = sys.argv[1], sys.argv[2].split(';')
out = [l for l in open(p).read().split('\n') if not l.startswith('socket = ') or '/run/clearwayd.sock' in l]
i = out.index('[redis]') + 1
out[i:i] = lines
open(p, 'w').write('\n'.join(out))
PY
}
config a "uri = $CW_SN_URI"
config b "uri = $CW_SN_URI;read_from = replica" "ldap_sync = no"
start() {  # host
    cw_start_daemon "$daemon" "$work/$1/clearway.conf" "$work/$1/clearwayd.log"
    eval "pid_$1=$CW_DAEMON_PID"
}
start a
cw_wait_answer "$ctl" "$work/a/clearway.conf" alice sc-hosts 30 || { tail -n 30 "$work/a/clearwayd.log"; exit 1; }
start b

as() { local u=$1; shift; setpriv --reuid="$u" --regid=users --clear-groups "$ctl" -c "$work/a/clearway.conf" "$@"; }
reason() {  # host user
    "$ctl" -c "$work/$1/clearway.conf" --json check "$2" --host-class sc-hosts 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"])' 2>/dev/null
}
wait_for() {  # seconds, command...
    local limit=$(($1 * 10)) i
    shift
    for ((i = 0; i < limit; i++)); do "$@" && return 0; sleep 0.1; done
    return 1
}
reason_is() { [[ $(reason "$1" "$2") == "$3" ]]; }
mcli() { cw_sn_cli "$(cw_sn_master)" "$@"; }
state_is() { [[ $(mcli HGET "cw:rev:$1" state) == "$2" ]]; }
# How many clients on server PORT last ran COMMAND (CLIENT LIST's cmd=).
clients_running() { cw_sn_cli "$1" CLIENT LIST 2>/dev/null | grep -c "cmd=$2"; }

# ------------------------------------------------------------ (a) discovery
wait_for 20 reason_is b alice ok && pass "a and b answer through the sentinels" ||
    { fail "b: alice $(reason b alice)"; tail -n 20 "$work/b/clearwayd.log"; }
reason_is a bob clearance_insufficient && reason_is b bob clearance_insufficient &&
    pass "decisions right on both (bob: clearance_insufficient)" || fail "bob: a=$(reason a bob) b=$(reason b bob)"
grep -q "sentinel watch: following +switch-master of cwm" "$work/a/clearwayd.log" &&
    pass "a's watcher subscribed to +switch-master" || fail "no watcher in a's log"
followers() {
    on_replicas=$(( $(clients_running "$CW_SN_R1" xread) + $(clients_running "$CW_SN_R2" xread) ))
    on_master=$(clients_running "$CW_SN_MASTER" xread)
    ((on_replicas == 1 && on_master == 1))
}
wait_for 5 followers
echo "# followers (XREAD BLOCK) on the master: $on_master, on the replicas: $on_replicas"
((on_replicas == 1 && on_master == 1)) && pass "b follows a replica, a the master" ||
    fail "followers: master $on_master, replicas $on_replicas"

# --------------------------------------------- (b) failover, nothing lost
: >"$work/revoked.txt"
declare -A rid
leaver() {  # user [seconds to keep trying]: files a leaver as HR
    local u=$1 until=$((SECONDS + ${2:-1})) out id
    while :; do
        out=$(as harry --json leaver "$u" --reason "sentinel test" 2>&1)
        id=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
        [[ -n $id ]] && break
        ((SECONDS >= until)) && { fail "$u: leaver: $out"; return 1; }
        sleep 0.1
    done
    rid[$u]=$id
    # Sampled from now on (unless the caller adds it later itself).
    [[ -n ${defer_sampling:-} ]] || echo "$u" >>"$work/revoked.txt"
    pass "$u: leaver filed ($id)"
}
# Asks both daemons about every user filed so far, over and over; an
# allow of one of them is a line in allows.txt.
sample() {
    local h u rc
    while :; do
        while read -r u; do
            for h in a b; do
                rc=0
                "$ctl" -c "$work/$h/clearway.conf" check "$u" --host-class sc-hosts >/dev/null 2>&1 || rc=$?
                echo x >>"$work/asks.txt"
                ((rc == 0)) && echo "$h $u $(date +%T.%N)" >>"$work/allows.txt"
            done
        done <"$work/revoked.txt"
        sleep 0.02
    done
}
: >"$work/allows.txt"; : >"$work/asks.txt"
# ------------------- (b2) a revocation only the master had, then lost
# The master alone takes andy's leaver: both replicas are stopped
# (SIGSTOP) and cut off (CLIENT KILL; min-replicas-to-write 0 for this,
# or the master would refuse the write), and slapd is down so the
# revocation stays open.  The daemons apply it; then the master is killed
# and the replicas resumed: the new master never had it.  The store guard
# must see the loss and put it back; with slapd back its steps complete.
loss_part() {
    local reps=() p
    for p in "$CW_SN_R1" "$CW_SN_R2"; do reps+=("$(eval echo "\$CW_SN_PID_$p")"); done
    bash "$here/../rig/rig.sh" stop-slapd "$rig" >/dev/null 2>&1
    sample &
    sampler=$!
    kill -STOP "${reps[@]}"
    cw_sn_cli "$CW_SN_MASTER" CONFIG SET min-replicas-to-write 0 >/dev/null
    cw_sn_cli "$CW_SN_MASTER" CLIENT KILL TYPE replica >/dev/null
    defer_sampling=1 leaver andy 10
    local t0=$(date +%s%3N) lag
    # b follows a replica that is frozen: it learns of andy only once its
    # follow connection gives up on it and falls back to the master.
    wait_for 10 reason_is a andy revoked && wait_for 20 reason_is b andy revoked &&
        pass "andy denied on a and b (b fell back to the master)" || fail "andy: a=$(reason a andy) b=$(reason b andy)"
    lag=$(( $(date +%s%3N) - t0 ))
    echo "# b, on a frozen replica, denied andy $(printf '%d.%03d' $((lag / 1000)) $((lag % 1000))) s after the leaver returned; sampled from then on"
    echo andy >>"$work/revoked.txt"
    wait_for 10 grep -q "${rid[andy]}" "$work/a/state/revocations.state" &&
        pass "a keeps a copy of andy's open revocation" || fail "no copy of andy's revocation on a"
    cw_sn_kill_master
    kill -CONT "${reps[@]}"
    pass "master $CW_SN_MASTER killed with andy's leaver on it alone; replicas resumed"
    master_moved() { [[ $(cw_sn_master) != "$CW_SN_MASTER" ]]; }
    wait_for 30 master_moved &&
        pass "sentinels failed over to $(cw_sn_master)" || fail "no failover"
    # Whichever daemon reconnects first sees the loss and puts andy back
    # for all; the other may then find nothing missing (its generation is
    # not behind any more), so either log may hold it.
    wait_for 30 grep -q "redis: the store lost data" "$work/a/clearwayd.log" "$work/b/clearwayd.log" &&
        pass "the loss seen: $(grep -ho 'redis: the store lost data.*' "$work/a/clearwayd.log" "$work/b/clearwayd.log" | head -1 | cut -c1-150)" ||
        fail "neither a nor b saw the loss"
    wait_for 30 bash -c "[[ \$(redis-cli -p \$(. '$here/../lib/sentinel.sh'; $(declare -p CW_SN_S1 CW_SN_S2 CW_SN_S3); cw_sn_master) SISMEMBER cw:revoked andy) == 1 ]]" &&
        pass "andy put back into the new master's revoked set" || fail "andy not in the revoked set"
    wait_for 30 state_is "${rid[andy]}" queued && pass "andy's open revocation re-submitted (queued) on the new master" ||
        fail "andy: $(mcli HGETALL "cw:rev:${rid[andy]}" | tr '\n' ' ')"
    bash "$here/../rig/rig.sh" start-slapd "$rig" >/dev/null 2>&1
    wait_for 40 state_is "${rid[andy]}" done && pass "slapd back: andy's revocation completed on the new master" ||
        fail "andy: $(mcli HGETALL "cw:rev:${rid[andy]}" | tr '\n' ' ')"
    reason_is b andy revoked && reason_is b alice ok && reason_is a alice ok &&
        pass "after: andy denied, alice allowed on a and b" ||
        fail "after: b andy=$(reason b andy) alice a=$(reason a alice) b=$(reason b alice)"
    sleep 1
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null; sampler=
    allows=$(wc -l <"$work/allows.txt") asks=$(wc -l <"$work/asks.txt")
    echo "# allows of revoked users through the lost write and the failover: $allows of $asks decisions"
    ((allows == 0 && asks > 50)) && pass "no revoked user allowed ($asks decisions)" ||
        { fail "allows: $allows of $asks"; head -5 "$work/allows.txt"; }
}

if [[ $part == loss ]]; then
    loss_part
else
    leaver mallory
    wait_for 10 reason_is a mallory revoked && wait_for 10 reason_is b mallory revoked &&
        pass "mallory denied on a and b" || fail "mallory: a=$(reason a mallory) b=$(reason b mallory)"
    sample &
    sampler=$!
    # Filed and then, as soon as the CLI returns, the master is killed: the
    # window of asynchronous replication (docs/sentinel.md).
    leaver oscar
    cw_sn_kill_master
    pass "master $first_master killed (kill -9)"
    # When the sentinels first name another master, for the numbers below.
    ( while [[ $(cw_sn_master) == "$first_master" ]]; do sleep 0.05; done
      date +%s%3N >"$work/switched" ) &
    leaver peggy 40
    first_write_ms=$(( $(date +%s%3N) - CW_SN_KILLED_AT ))
    wait_for 30 test -s "$work/switched" && new_master=$(cw_sn_master) &&
        pass "sentinels failed over to $new_master" || fail "no failover"
    failover_ms=$(( $(cat "$work/switched") - CW_SN_KILLED_AT ))
    leaver victor 20
    secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
    echo "# seconds from kill -9 of the master: sentinels name the new one $(secs "$failover_ms"), first write that succeeded $(secs "$first_write_ms")"
    for u in mallory oscar peggy victor; do
        wait_for 30 state_is "${rid[$u]}" done && pass "$u: revocation present and completed on the new master" ||
            fail "$u: ${rid[$u]}: $(mcli HGETALL "cw:rev:${rid[$u]}" | tr '\n' ' ')"
        [[ $(mcli SISMEMBER cw:revoked "$u") == 1 ]] && pass "$u: in the new master's revoked set" ||
            fail "$u: not in the revoked set"
    done
    wait_for 15 reason_is b victor revoked && pass "b follows by itself: victor (filed after the failover) denied on b" ||
        fail "b: victor $(reason b victor)"
    reason_is a victor revoked && reason_is b alice ok && reason_is a alice ok &&
        pass "a denies victor; alice still allowed on a and b" || fail "after: a victor=$(reason a victor) alice a=$(reason a alice) b=$(reason b alice)"
    sleep 1
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null; sampler=
    allows=$(wc -l <"$work/allows.txt") asks=$(wc -l <"$work/asks.txt")
    echo "# allows of revoked users during the failover: $allows of $asks decisions"
    ((allows == 0 && asks > 50)) && pass "no revoked user allowed by either daemon ($asks decisions)" ||
        { fail "allows: $allows of $asks"; head -5 "$work/allows.txt"; }
    grep -h "redis\|sentinel" "$work/a/clearwayd.log" "$work/b/clearwayd.log" | grep -v "op=check" | tail -n 12 | sed 's/^/      /'

    # ------------------------------------------ (c) a replica as the only address
    is_replica() { [[ $(cw_sn_cli "$1" ROLE 2>/dev/null | head -1) == slave ]]; }
    pick_replica() {
        local p
        for p in "$CW_SN_R1" "$CW_SN_R2" "$first_master"; do is_replica "$p" && replica=$p && return 0; done
        return 1
    }
    replica=
    wait_for 20 pick_replica && pass "replica $replica for c" || fail "no replica left"
    config c "uri = redis://127.0.0.1:$replica" "ldap_sync = no"
    start c
    sleep 2
    out=$(setpriv --reuid=harry --regid=users --clear-groups "$ctl" -c "$work/c/clearway.conf" leaver alice --reason "to a replica" 2>&1) &&
        fail "a leaver through c was recorded: $out" || pass "c refuses the write: ${out:0:120}"
    grep -q "is a replica, not the master: nothing is written to it" "$work/c/clearwayd.log" &&
        pass "c's log names the refusal" || { fail "no refusal in c's log"; tail -n 5 "$work/c/clearwayd.log"; }
    [[ $(mcli SISMEMBER cw:revoked alice) == 0 ]] && reason_is a alice ok &&
        pass "nothing written: alice not revoked anywhere" || fail "alice revoked through a replica"

    # ---------------------------- (d) a demoted master is never written to
    # d is given the master as a plain address; a manual failover demotes
    # it under d's connections: d's next write is refused (READONLY, or ROLE
    # on its new connection), and a and b follow the switch.
    old=$(cw_sn_master)
    config d "uri = redis://127.0.0.1:$old" "ldap_sync = no"
    start d
    cw_wait_answer "$ctl" "$work/d/clearway.conf" alice sc-hosts 20 || fail "d does not answer"
    cw_sn_cli "$CW_SN_S1" SENTINEL FAILOVER "$CW_SN_NAME" >/dev/null
    wait_for 20 bash -c "[[ \$(redis-cli -p $old ROLE 2>/dev/null | head -1) == slave ]]" &&
        pass "manual failover: $old is a replica now, $(cw_sn_master) the master" || fail "manual failover did not happen"
    out=$(setpriv --reuid=harry --regid=users --clear-groups "$ctl" -c "$work/d/clearway.conf" leaver alice --reason "to a demoted master" 2>&1) &&
        fail "a leaver through d was recorded: $out" || pass "d refuses the write: ${out:0:120}"
    grep -Eq "refused \(READONLY|is a replica, not the master" "$work/d/clearwayd.log" &&
        pass "d's log names the refusal: $(grep -Eo "refused \(READONLY[^:]*|is a replica, not the master" "$work/d/clearwayd.log" | sort -u | tr '\n' ' ')" ||
        { fail "no refusal in d's log"; tail -n 5 "$work/d/clearwayd.log"; }
    [[ $(mcli SISMEMBER cw:revoked alice) == 0 ]] && wait_for 10 reason_is b alice ok && reason_is a alice ok &&
        pass "a and b follow the manual failover; alice not revoked" || fail "after the manual failover: a=$(reason a alice) b=$(reason b alice)"
    # The new master takes writes once its replica is back (min-replicas-to-write).
    reinstate() { out=$(as anna --json reinstate victor --reason "sentinel test over" 2>&1); }
    wait_for 20 reinstate && wait_for 15 bash -c "! grep -qx victor '$work/b/state/revoked.list'" &&
        pass "a write through a after the manual failover reaches b" || fail "reinstate after the manual failover: $out"

fi
# SIGTERM reaches the signalfd even with the watcher thread running.
for h in a b c d; do
    eval "p=\$pid_$h"
    [[ -n $p ]] || continue
    kill -TERM "$p" 2>/dev/null
    for ((i = 0; i < 100; i++)); do cw_alive "$p" || break; sleep 0.1; done
    cw_alive "$p" && kill -KILL "$p"
    rc=0
    wait "$p" || rc=$?
    ((rc == 0)) && pass "$h stops cleanly on SIGTERM" || fail "$h: exit $rc on SIGTERM"
    eval "pid_$h="
done
if grep -l "Sanitizer" "$work"/[abcd]/clearwayd.log >/dev/null 2>&1; then
    fail "sanitizer reports in the daemons' logs"
    grep -h -A12 "Sanitizer" "$work"/[abcd]/clearwayd.log | head -40 | sed 's/^/      /'
else
    pass "no sanitizer reports"
fi
echo "# test took $((SECONDS - t_start)) s"
finish
