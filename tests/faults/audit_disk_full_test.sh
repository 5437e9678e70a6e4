#!/bin/bash
# SPDX-License-Identifier: MIT
# A full disk must not wedge the audit spool (issue 10, item 6).
#
# The spool lives on a 1 MiB tmpfs.  Decisions are made while it has room,
# then the tmpfs is filled by another file and more decisions are made
# (more than the whole tmpfs holds, so no one batch could ever fit), then
# the file is removed; then the same with Redis down, so that the spool
# cannot make room by forwarding.  What must hold: every decision is answered while
# the disk is full (logons never wait for the disk), the spool recovers by
# itself within a few seconds of space returning, and every decision
# answered before, during and after the episode is sealed in the trail,
# once; the episode is logged and visible in the metrics.
#   audit_disk_full_test.sh CLEARWAYD CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/audit_lib.sh"

work=$(mktemp -d /tmp/cw-audit-full.XXXXXX)
chmod 0755 "$work"
fs=$work/fs
cleanup() {
    cw_stop_daemon
    mountpoint -q "$fs" && umount "$fs"
    bash "$here/../rig/rig.sh" stop "$work/rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export CW_LAST_OUT=$work/last.out

fa_rig || { echo "no rig" >&2; exit 1; }
fa_write_client
mkdir -p "$fs"
mount -t tmpfs -o size=1m,mode=0700 tmpfs "$fs" || { echo "cannot mount a tmpfs" >&2; exit 1; }
conf=$work/a/clearway.conf
mkdir -p "$work/a"
fa_conf "$conf" "$fs/spool" "$work/a/trail"
log=$work/a/clearwayd.log
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }
sock=$work/a/clearwayd.sock
prom=$work/a/clearway.prom
tags=$work/tags

# 1. Room: 200 decisions.
n=$(fa_decide "$sock" "$tags.before" before- 200)
[[ $n == 200 ]] && pass "200 decisions answered with room on the disk" ||
    fail "answered $n of 200 with room"

# 2. Full: fill the tmpfs, then 6,000 decisions (about 1.8 MB of events,
# more than the whole tmpfs).
dd if=/dev/zero of="$fs/filler" bs=64k >/dev/null 2>&1
echo "free on the spool's disk: $(df -k --output=avail "$fs" | tail -1) KiB"
t0=$(date +%s.%N)
n=$(fa_decide "$sock" "$tags.full" full- 6000)
t1=$(date +%s.%N)
echo "decisions answered while the disk was full: $n in $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s"
[[ $n == 6000 ]] && pass "every decision is answered while the disk is full" ||
    fail "answered $n of 6000 while full"
sleep 1.5
grep -q 'audit: cannot write the spool' "$log" &&
    pass "the episode is logged: $(grep -m1 'audit: cannot write the spool' "$log" | cut -c1-160)" ||
    fail "no log line about the unwritable spool"
# The spool recycles its own forwarded segments, so how long lines wait
# depends on timing; that some had to wait does not.
backlog=$(fa_metric "$prom" clearway_audit_backlog_events)
waited=$(fa_metric "$prom" clearway_audit_backlogged_total)
echo "events that waited in memory (clearway_audit_backlogged_total): ${waited:-none}," \
    "waiting now (clearway_audit_backlog_events): ${backlog:-none}"
[[ -n $waited && ${waited%.*} -gt 0 && -n $backlog ]] && pass "the episode shows in the metrics" ||
    fail "no backlog in the metrics (${waited:-missing})"

# 3. Space returns: the spool recovers by itself.
rm -f "$fs/filler"
t0=$(date +%s)
out=$(fa_wait_sealed "$work/a/trail" full- "$tags.full" 20)
t1=$(date +%s)
echo "after space returned ($((t1 - t0)) s): $out"
[[ $out == *" lost 0 duplicated 0" ]] &&
    pass "every decision made while full is sealed once, within $((t1 - t0)) s" ||
    fail "while full: $out"
[[ $((t1 - t0)) -le 15 ]] && pass "recovered within 15 s" || fail "recovery took $((t1 - t0)) s"
grep -q 'audit: the spool takes events again' "$log" && pass "the recovery is logged" ||
    fail "no log line about the recovery"

# 4. Full again, with Redis down, so that nothing the spool holds can be
# forwarded and deleted to make room: 2,000 decisions wait in memory
# until the filler goes, then the spool takes them by itself.
sleep 2         # the forwarded segment rotates away
bash "$here/../rig/rig.sh" stop-redis "$work/rig" >/dev/null 2>&1
dd if=/dev/zero of="$fs/filler" bs=64k >/dev/null 2>&1
n=$(fa_decide "$sock" "$tags.down" down- 2000)
[[ $n == 2000 ]] && pass "every decision is answered with the disk full and Redis down" ||
    fail "answered $n of 2000 with the disk full and Redis down"
sleep 1.5
backlog=$(fa_metric "$prom" clearway_audit_backlog_events)
echo "waiting in memory with the disk full and Redis down: ${backlog:-none}"
[[ -n $backlog && ${backlog%.*} -gt 0 ]] && pass "they wait in the memory backlog" ||
    fail "no backlog (${backlog:-missing})"
rm -f "$fs/filler"
t0=$(date +%s.%N)
for ((i = 0; i < 100; i++)); do
    [[ $(fa_metric "$prom" clearway_audit_backlog_events) == 0 ]] && break
    sleep 0.1
done
t1=$(date +%s.%N)
backlog=$(fa_metric "$prom" clearway_audit_backlog_events)
echo "space returned, Redis still down: backlog ${backlog:-none} after $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s"
[[ $backlog == 0 ]] && pass "the spool took the backlog by itself once space returned" ||
    fail "the backlog still holds ${backlog:-?} events"
bash "$here/../rig/rig.sh" start-redis "$work/rig" >/dev/null 2>&1
out=$(fa_wait_sealed "$work/a/trail" down- "$tags.down" 30)
echo "made with the disk full and Redis down: $out"
[[ $out == *" lost 0 duplicated 0" ]] && pass "every one of them is sealed once" ||
    fail "disk full and Redis down: $out"

# 5. And the spool keeps working: 300 more decisions.
n=$(fa_decide "$sock" "$tags.after" after- 300)
[[ $n == 300 ]] && pass "300 decisions answered after the episode" ||
    fail "answered $n of 300 after"
for p in before after; do
    out=$(fa_wait_sealed "$work/a/trail" "$p-" "$tags.$p" 30)
    echo "$p the episode: $out"
    [[ $out == *" lost 0 duplicated 0" ]] && pass "$p the episode: every decision sealed once" ||
        fail "$p the episode: $out"
done
sleep 1.5
dropped=$(fa_metric "$prom" clearway_audit_dropped_total)
echo "events dropped (clearway_audit_dropped_total): ${dropped:-none}"
[[ ${dropped:-x} == 0 ]] && pass "no event dropped: the backlog held the episode" ||
    fail "dropped: ${dropped:-missing}"

# 6. The backlog is bounded: a full disk and a dead Redis for longer than
# memory holds drops events loudly (counted, logged), never blocks.
dd if=/dev/zero of="$fs/filler" bs=64k >/dev/null 2>&1
bash "$here/../rig/rig.sh" stop-redis "$work/rig" >/dev/null 2>&1
t0=$(date +%s.%N)
n=$(fa_decide "$sock" "$tags.over" over- 16000)
t1=$(date +%s.%N)
echo "decisions answered with the disk full and Redis down: $n in $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s"
[[ $n == 16000 ]] && pass "logons are still answered when the backlog overflows" ||
    fail "answered $n of 16000"
sleep 1.5
dropped=$(fa_metric "$prom" clearway_audit_dropped_total)
echo "events dropped once the backlog overflowed: ${dropped:-none}"
[[ -n $dropped && ${dropped%.*} -gt 0 ]] && grep -q 'dropped' "$log" &&
    pass "the overflow is counted and logged" || fail "overflow: dropped ${dropped:-missing}"
rm -f "$fs/filler"
bash "$here/../rig/rig.sh" start-redis "$work/rig" >/dev/null 2>&1
out=$(fa_wait_sealed "$work/a/trail" after- "$tags.after" 5)
cw_stop_daemon
expect_exit 0 "clearwayctl audit verify passes on the trail" \
    "$ctl" -c /nonexistent audit verify --dir "$work/a/trail" --keys "$work/keys"
finish
