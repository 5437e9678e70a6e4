#!/bin/bash
# SPDX-License-Identifier: MIT
# The revocation queue end to end (issue 4): clearwayctl leaver/revoke/
# reinstate/queue/report as real users, PAM through real libpam, steps
# against the real slapd (ppolicy lock, roles), LDAP down for the window,
# a step that always fails (dead letter), and the persisted deny list
# keeping a revoked user out with Redis stopped.
#   revocation_test.sh CLEARWAYD CLEARWAYCTL PAM_MODULE
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=$1 ctl=$2 module=$(realpath "$3")
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"
. "$here/../lib/users.sh"

work=$(mktemp -d /tmp/cw-revoke-test.XXXXXX)
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

cw_users_hold anna harry audrey oscar || exit 1
bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || { echo "no rig" >&2; exit 1; }
set -a; . "$rig/env"; set +a
ldap() { ldapmodify -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" "$@" >/dev/null; }
# A group whose only member is judy: removing her is refused by the
# schema (groupOfNames needs a member), so that step always fails.
ldap -a <<EOF
dn: cn=solo,$CW_LDAP_BASE
objectClass: groupOfNames
cn: solo
member: uid=judy,$CW_STAFF_BASE
EOF

mkdir -m 0755 "$work/run" "$work/pam.d"
conf=$work/clearway.conf
cw_write_config "$conf" "$work/run/clearwayd.sock" \
    "max_deliveries = 2" "[ldap]" "revoke_roles = *" \
    "revoke_groups = cn=solo,$CW_LDAP_BASE"
# [ldap] was opened twice: fold the extra keys into the first one.
python3 - "$conf" <<'EOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
out, extra, sect, seen = [], [], None, set()
for l in lines:
    if l.startswith('['):
        if l in seen:
            sect = 'skip'
            continue
        seen.add(l)
        sect = l
    if sect == 'skip':
        extra.append(l)
        continue
    out.append(l)
i = out.index('[ldap]') + 1
out[i:i] = extra
open(sys.argv[1], 'w').write('\n'.join(out) + '\n')
EOF
log=$work/clearwayd.log
cw_start_daemon "$daemon" "$conf" "$log"
cw_wait_answer "$ctl" "$conf" alice sc-hosts || { cat "$log"; exit 1; }

as() { local u=$1; shift; setpriv --reuid="$u" --regid=users --clear-groups "$ctl" -c "$conf" "$@"; }
reason() {
    "$ctl" -c "$conf" --json check "$1" --host-class sc-hosts 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"])' 2>/dev/null
}
echo "account required $module host_class=sc-hosts config=$conf" >"$work/pam.d/sshd-sc"
preload=
ldd "$module" 2>/dev/null | grep libasan >/dev/null && preload="$(gcc -print-file-name=libasan.so) "
logon() {
    ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="${preload}libpam_wrapper.so" PAM_WRAPPER=1 \
        PAM_WRAPPER_SERVICE_DIR="$work/pam.d" pamtester sshd-sc "$1" acct_mgmt \
        >"$work/pamtester.out" 2>&1
}
bind_as() {  # user: 0 when a simple bind with the sample password works
    ldapwhoami -x -H "$CW_LDAP_URI" -D "uid=$1,$CW_STAFF_BASE" -w secret >/dev/null 2>&1
}
wait_for() {  # seconds, command...
    local limit=$(($1 * 10)) i
    shift
    for ((i = 0; i < limit; i++)); do "$@" && return 0; sleep 0.1; done
    return 1
}
step_done() { [[ $(redis-cli -s "$CW_REDIS_SOCKET" HGET "cw:rev:$1" "step:$2") == done ]]; }
state_is() { [[ $(redis-cli -s "$CW_REDIS_SOCKET" HGET "cw:rev:$1" state) == "$2" ]]; }

# ----------------------------------------------------------- a leaver
logon alice && pass "before: alice logs on" ||
    { fail "before: alice refused"; grep -v TRACE "$work/pamtester.out" | tail -3; }
bind_as alice && pass "before: alice can bind to LDAP" || fail "before: alice cannot bind"
expect_exit 4 "an auditor cannot file a leaver" as audrey leaver alice --reason "resigned"
out=$(as harry --json leaver alice --reason "resigned")
id=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
[[ -n $id ]] && pass "HR files a leaver: $id" || fail "leaver: $out"
logon alice && fail "alice still logs on after leaver returned" || pass "denied at the next PAM call after leaver returned"
[[ $(reason alice) == revoked ]] && pass "reason revoked" || fail "reason $(reason alice)"
wait_for 5 grep -q "audit alert revoked_logon: logon attempt by revoked user alice" "$log" &&
    pass "a revoked user's logon attempt raises an alert (LOG_ALERT)" || fail "no revoked_logon alert"
wait_for 10 bash -c "[[ \$(redis-cli -s '$CW_REDIS_SOCKET' XLEN 'cw:audit:$(hostname)') -gt 0 ]]" &&
    pass "audit events reach the Redis stream from the host spool" || fail "no audit events forwarded"
wait_for 20 state_is "$id" done && pass "leaver completed" || fail "leaver not completed: $(redis-cli -s "$CW_REDIS_SOCKET" HGETALL "cw:rev:$id" | tr '\n' ' ')"
bind_as alice && fail "alice can still bind" || pass "alice's LDAP account is locked (ppolicy)"
roles=$(ldapsearch -LLL -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" \
    -b "uid=alice,$CW_STAFF_BASE" cwRole | grep -c '^cwRole:')
[[ $roles == 0 ]] && pass "alice's standing roles removed" || fail "alice still has $roles roles"

# -------------------------------------------------- a future-dated leaver
when=$(date -u -d '+4 seconds' +%Y-%m-%dT%H:%M:%SZ)
expect_exit 0 "HR files a leaver effective at $when" as harry leaver bob --reason "contract ends" --effective "$when"
[[ $(reason bob) == clearance_insufficient ]] && pass "bob unaffected before the effective time" || fail "bob: $(reason bob)"
wait_for 10 bash -c "[[ \$('$ctl' -c '$conf' --json check bob --host-class sc-hosts | grep -c revoked) == 1 ]]" &&
    pass "bob revoked once the effective time passed" || fail "bob not revoked after $when"

# ---------------------------------------- a leaver seen in the directory
ldap <<EOF
dn: uid=grace,$CW_STAFF_BASE
changetype: modify
replace: cwEmploymentStatus
cwEmploymentStatus: leaver
EOF
wait_for 10 bash -c "[[ \$('$ctl' -c '$conf' --json check grace --host-class sc-hosts | grep -c revoked) == 1 ]]" &&
    pass "a leaver status in LDAP becomes a revocation (grace revoked)" || fail "grace: $(reason grace)"
wait_for 20 bash -c "redis-cli -s '$CW_REDIS_SOCKET' --scan --pattern 'cw:rev:sync-grace-*' | grep -q ." &&
    pass "filed once as sync-grace-<day>" || fail "no sync-grace revocation"
[[ $(redis-cli -s "$CW_REDIS_SOCKET" --scan --pattern 'cw:rev:sync-*' | grep -c .) -ge 3 ]] &&
    pass "sample leavers carol and dave were filed by the sync too" || fail "sync leavers not filed"

# -------------------------------------------------- LDAP down for the window
bash "$here/../rig/rig.sh" stop-slapd "$rig" >/dev/null 2>&1
out=$(as anna --json revoke victor --reason "clearance withdrawn")
vid=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
[[ -n $vid ]] && pass "approver revokes with LDAP down" || fail "revoke: $out"
[[ $(reason victor) == revoked ]] && pass "LDAP down: victor denied at once" || fail "victor: $(reason victor)"
sleep 2
state_is "$vid" done && fail "completed without LDAP" || pass "LDAP steps wait for the directory"
as audrey --json queue | python3 -c "
import json,sys; d=json.load(sys.stdin); ids=[r['id'] for r in d['pending']]
sys.exit(0 if '$vid' in ids else 1)" && pass "queue shows the pending revocation" || fail "not in the queue"
bash "$here/../rig/rig.sh" start-slapd "$rig" >/dev/null 2>&1
wait_for 30 state_is "$vid" done && pass "LDAP steps completed after the directory returned" ||
    fail "victor's revocation not completed: $(redis-cli -s "$CW_REDIS_SOCKET" HGETALL "cw:rev:$vid" | tr '\n' ' ')"

# -------------------------------------------------- a step that always fails
out=$(as anna --json revoke judy --reason "test: group cannot be emptied")
jid=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
wait_for 30 state_is "$jid" dead && pass "a step that always fails ends in the dead-letter stream" ||
    fail "judy's revocation: $(redis-cli -s "$CW_REDIS_SOCKET" HGET "cw:rev:$jid" state)"
[[ $(redis-cli -s "$CW_REDIS_SOCKET" XLEN cw:revq:dead) -ge 1 ]] && pass "dead letter recorded" || fail "no dead letter"
grep -q "crit.*dead-lettered" "$log" && pass "dead letter raises a LOG_CRIT alert" || fail "no alert logged"
[[ $(reason judy) == revoked ]] && pass "judy stays denied" || fail "judy: $(reason judy)"

# -------------------------------------------------------------- reinstate
expect_exit 0 "HR files a future leaver for peggy" as harry leaver peggy --reason "moving" --effective "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"
expect_exit 4 "HR alone may not reinstate" as harry reinstate peggy --reason "filed in error"
expect_exit 0 "an approver reinstates" as anna reinstate peggy --reason "filed in error"
expect_exit 1 "reinstating someone not revoked says no" as anna reinstate oscar --reason "nothing"

# ------------------------------------------------------ report and queue
month=$(date -u +%Y-%m)
as audrey --json report --month "$month" | python3 -c "
import json,sys; d=json.load(sys.stdin); r={x['id']: x for x in d['revocations']}
assert r['$id']['met'] is True and r['$id']['completed_at'] > 0, r['$id']
assert r['$vid']['state'] == 'done'
" && pass "report: requested, deadline, completed, met" || fail "report json"
as audrey report --month "$month" --format csv | python3 -c "
import csv,sys; rows=list(csv.DictReader(sys.stdin)); assert rows and 'met' in rows[0]
" && pass "report: CSV parses" || fail "report csv"
expect_exit 0 "report: text" as anna report --month "$month"
# The evidence pack, as the auditor and as root (who may read the trail).
as audrey --json report --month "$month" >"$work/report.json"
for who in audrey root; do
    if [ $who = root ]; then
        "$ctl" -c "$conf" report --month "$month" --format html >"$work/pack.html"
    else
        as audrey report --month "$month" --format html >"$work/pack.html"
    fi
    if out=$(python3 "$here/report_html_check.py" "$work/pack.html" "$work/report.json" 2>&1); then
        pass "report html as $who: $out"
    else
        fail "report html as $who: $out"
    fi
done
grep -c 'id="trail"' "$work/pack.html" >/dev/null && pass "report html: the trail section is there" ||
    fail "report html: no trail section"
expect_exit 4 "HR may not read the report" as harry report --month "$month"

# ------------------------------------------------------ export and erase
as anna --json export oscar | python3 -c "
import json,sys; d=json.load(sys.stdin); assert d['user']=='oscar' and d['directory_entry']['dn'].startswith('uid=oscar')
" && pass "export USER: one person's data as JSON" || fail "export USER"
as anna export | python3 -c "
import json,sys; lines=[json.loads(l) for l in sys.stdin]; types={l['type'] for l in lines}
staff=[l for l in lines if l['type']=='staff']
assert {'staff','host_class','role','revocation'} <= types and len(staff) >= 20, types
" && pass "export: everything as JSON lines, page by page" || fail "export all"
expect_exit 4 "HR may not export" as harry export oscar
expect_exit 1 "erase refused while the directory has the person" as anna erase oscar
ldapdelete -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" "uid=carol,$CW_STAFF_BASE"
wait_for 10 bash -c "[[ \$('$ctl' -c '$conf' --json check carol --host-class sc-hosts | grep -c unknown_user) == 1 ]]" ||
    wait_for 1 true
CW_LAST_OUT=$work/erase.out expect_exit 0 "erase once removed from the directory" as anna --json erase carol
grep -q '"kept"' "$work/erase.out" && pass "erase says what it keeps (evidence)" || fail "erase output"

# ------------------------------------ the deny list with Redis stopped
cw_stop_daemon
bash "$here/../rig/rig.sh" stop-redis "$rig" >/dev/null 2>&1
cw_start_daemon "$daemon" "$conf" "$log"
sleep 1
expect_exit 1 "Redis down after a restart: alice (revoked) denied from the deny list" \
    "$ctl" -c "$conf" check alice --host-class sc-hosts
expect_exit 3 "Redis down after a restart: others unavailable (denied by PAM)" \
    "$ctl" -c "$conf" check oscar --host-class sc-hosts
logon alice && fail "alice logs on with Redis down" || pass "PAM denies alice with Redis down"
bash "$here/../rig/rig.sh" start-redis "$rig" >/dev/null 2>&1

finish
