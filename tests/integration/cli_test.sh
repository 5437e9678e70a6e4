#!/bin/bash
# SPDX-License-Identifier: MIT
# clearwayctl as an operator meets it, the real binary and the shipped
# files: bash completion, every command's --help, usage errors (exit 2,
# naming the problem), an unreachable daemon (exit 3, --json parses), the
# man page rendering cleanly, and the elevate/drop/elevations output
# against a stand-in daemon that answers with canned frames (the wire
# format of core/wire.h), so output and exit codes are checked without
# slapd or Redis.
#   cli_test.sh CLEARWAYCTL
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
src=$(cd "$here/../.." && pwd)
ctl=$1
tmp=$(mktemp -d /tmp/cw-cli-test.XXXXXX)
fake_pid=
cleanup() {
    [[ -n $fake_pid ]] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# run NAME WANT_EXIT ARGS...: output in $tmp/out, errors in $tmp/err.
run() {
    local name=$1 want=$2 rc=0
    shift 2
    "$ctl" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
    if [[ $rc -eq $want ]]; then
        pass "$name"
    else
        fail "$name (exit $rc, wanted $want)"
        sed 's/^/      /' "$tmp/out" "$tmp/err" | head -5
    fi
}

# has NAME FILE TEXT: FILE contains the fixed string TEXT.
has() {
    if grep -qF -- "$3" "$2"; then pass "$1"; else
        fail "$1: no '$3' in:"; sed 's/^/      /' "$2" | head -5; fi
}

# json NAME PYTHON-EXPR: the expression over o (the JSON on stdout) is true.
json() {
    if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
        "$tmp/out" "$2" 2>"$tmp/pyerr"; then
        pass "$1"
    else
        fail "$1: $2"; sed 's/^/      /' "$tmp/out" "$tmp/pyerr" | head -5
    fi
}

# A config whose socket nobody listens on: root-owned, 0644, as required.
mkconf() {
    printf '[daemon]\nldap_sync = no\nsocket = %s\nclient_timeout_ms = 2000\n' "$2" >"$1"
    chmod 0644 "$1"
}
mkconf "$tmp/nothing.conf" "$tmp/nothing.sock"
nothing=(-c "$tmp/nothing.conf")

# --- bash completion ---------------------------------------------------------
completion=$src/etc/bash-completion/clearwayctl
# complete WANT WORDS...: completing the last word gives exactly WANT.
complete_is() {
    local want=$1 got
    shift
    got=$(bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
        _clearwayctl; echo "${COMPREPLY[*]}"' _ "$completion" "$@" 2>&1)
    if [[ $got == "$want" ]]; then pass "complete '$*' -> '$want'"; else
        fail "complete '$*': got '$got', wanted '$want'"; fi
}
bash -n "$completion" && pass "completion is valid bash" || fail "completion syntax"
complete_is "elevate elevations" clearwayctl ele
complete_is "check who expiring status elevate drop elevations leaver revoke reinstate suspend unsuspend retry queue report export erase calendar audit request requests approve reject review" clearwayctl ""
complete_is "--config --json --help --reason --effective" clearwayctl leaver alice --
complete_is "--config --json --help --month --format" clearwayctl report --
complete_is "text json csv html" clearwayctl report --format ""
complete_is "revoke reinstate retry report request requests reject review" clearwayctl re
complete_is "pending approved rejected expired any" clearwayctl requests --state ""
complete_is "--config --json --help --host-class --unused-days" clearwayctl review --
complete_is "elevate elevations" clearwayctl -c /etc/clearway/x.conf --json ele
complete_is "login admin" clearwayctl check alice --host-class h --mode ""
complete_is "admin" clearwayctl check alice --mode = ad
complete_is "--role --reason" clearwayctl elevate alice --r
complete_is "--config --json --help --role --for --reason --ticket" clearwayctl elevate alice --
complete_is "--role" clearwayctl drop alice --ro
complete_is "--help --host-class" clearwayctl check --h
complete_is "jsonl csv" clearwayctl audit export --format ""
complete_is "verify export" clearwayctl audit ""
complete_is "holidays deadline" clearwayctl calendar ""
complete_is "scotland" clearwayctl calendar holidays --division sc
complete_is "15m 1h 1d" clearwayctl elevate alice --for 1
complete_is "root" clearwayctl elevate roo
complete_is "" clearwayctl elevate root --reason ""
complete_is "" clearwayctl status root ""
mkdir "$tmp/confdir" && touch "$tmp/confdir/site.conf"
complete_is "$tmp/confdir/site.conf" clearwayctl -c "$tmp/confdir/si"
complete_is "$tmp/confdir/site.conf" clearwayctl --config = "$tmp/confdir/si"
complete_is "$tmp/confdir" clearwayctl audit verify --dir "$tmp/conf"

# --- help --------------------------------------------------------------------
run "clearwayctl --help" 0 --help
for c in check status elevate drop elevations calendar audit; do
    has "--help lists $c" "$tmp/out" "  $c "
done
synopsis() {
    case $1 in
    check) echo "check USER --host-class H [--mode login|admin]" ;;
    status) echo "status [USER]" ;;
    elevate) echo "elevate USER --role R --for DURATION --reason TEXT [--ticket ID]" ;;
    drop) echo "drop USER --role R" ;;
    elevations) echo "elevations [USER]" ;;
    calendar) echo "calendar holidays --year Y | deadline --from TIME" ;;
    audit) echo "audit verify [--dir DIR]" ;;
    esac
}
for c in check status elevate drop elevations calendar audit; do
    run "$c --help" 0 "$c" --help
    has "$c --help: synopsis" "$tmp/out" "usage: clearwayctl [-c FILE] [--json] $(synopsis "$c")"
    has "$c --help: who may" "$tmp/out" "Who may:"
    has "$c --help: example" "$tmp/out" "Example: clearwayctl $c"
    has "$c --help: exit codes" "$tmp/out" "Exit: 0"
done
run "help before the command" 0 -h elevate
has "-h elevate" "$tmp/out" "usage: clearwayctl [-c FILE] [--json] elevate"

# --- usage errors: exit 2, naming the problem, without asking the daemon -----
# With the unreachable config, a usage error that slipped through to the
# socket would exit 3, not 2.
usage_error() {
    local name=$1 text=$2
    shift 2
    run "$name: exit 2" 2 "${nothing[@]}" "$@"
    has "$name: says so" "$tmp/err" "$text"
}
el=(elevate alice --role ops-admin)
usage_error "bad duration order" "--for '30m1h': units must come largest first" \
    "${el[@]}" --for 30m1h --reason x
usage_error "duration overflow" "--for '99999999999h': longer than the most allowed, 366d" \
    "${el[@]}" --for 99999999999h --reason x
usage_error "duration garbage" "--for 'soon': not a duration; DURATION is" \
    "${el[@]}" --for soon --reason x
usage_error "duration zero" "--for '0s': it must be at least 1s" "${el[@]}" --for 0s --reason x
usage_error "duration repeated" "a unit appears twice" "${el[@]}" --for 1h1h --reason x
usage_error "missing --for" "--for DURATION is required" "${el[@]}" --reason x
usage_error "missing --reason" "--reason TEXT is required" "${el[@]}" --for 2h
usage_error "blank --reason" "--reason is empty" "${el[@]}" --for 2h --reason "   "
usage_error "long --reason" "--reason is 257 characters; at most 256" \
    "${el[@]}" --for 2h --reason "$(printf 'x%.0s' {1..257})"
usage_error "--reason with a newline" "--reason may hold only printable ASCII" \
    "${el[@]}" --for 2h --reason $'two\nlines'
usage_error "--ticket with a space" "--ticket may hold only visible ASCII" \
    "${el[@]}" --for 2h --reason x --ticket "CHG 1"
usage_error "long --ticket" "--ticket is 65 characters; at most 64" \
    "${el[@]}" --for 2h --reason x --ticket "$(printf 'T%.0s' {1..65})"
usage_error "missing --role" "--role R is required" elevate alice --for 2h --reason x
usage_error "bad role" "--role 'ops admin' is not a valid role name" \
    elevate alice --role "ops admin" --for 2h --reason x
usage_error "--role twice" "--role given twice" "${el[@]}" --role dba --for 2h --reason x
usage_error "elevate: bad user name" "'al/ice' is not a valid user name" \
    elevate al/ice --role ops-admin --for 2h --reason x
usage_error "elevate: no user" "USER is missing" elevate --role ops-admin --for 2h --reason x
usage_error "elevate: two users" "unexpected argument 'bob'" \
    elevate alice bob --role ops-admin --for 2h --reason x
usage_error "elevate: unknown option" "unknown option '--colour'" \
    "${el[@]}" --for 2h --reason x --colour red
usage_error "elevate: option without value" "option '--reason' needs a value" \
    "${el[@]}" --for 2h --reason
has "usage error shows the synopsis" "$tmp/err" "usage: clearwayctl elevate USER --role R"
usage_error "drop: missing --role" "--role R is required" drop alice
usage_error "drop: bad user name" "'-alice' is not a valid user name" drop --role r -- -alice
usage_error "drop: unknown option" "unknown option '--all'" drop alice --all
usage_error "elevations: bad user name" "'a b' is not a valid user name" elevations "a b"
usage_error "elevations: two users" "at most one USER" elevations alice bob
usage_error "elevations: unknown option" "unknown option '--all'" elevations --all
usage_error "check: bad user name" "is not a valid user name" check 'x;y' --host-class h
usage_error "unknown command" "unknown command 'elevat'" elevat alice
usage_error "export: two users" "at most one USER" export alice bob
usage_error "erase: no user" "exactly one USER is needed" erase
usage_error "leaver: no reason" "--reason TEXT is required" leaver alice
usage_error "leaver: bad time" "is not a time" leaver alice --reason x --effective tomorrow
usage_error "revoke: --effective is for leavers" "unknown option" revoke alice --reason x --effective 2026-11-23T09:00:00Z
usage_error "report: no month" "--month YYYY-MM is required" report
usage_error "report: bad format" "--format is text, json, csv or html" report --month 2026-11 --format xml
usage_error "queue: arguments" "queue takes no arguments" queue now
usage_error "leaver: --effective out of range" "--effective '9999-12-31T00:00:00Z' is out of range" \
    leaver alice --reason x --effective 9999-12-31T00:00:00Z
usage_error "retry: no id" "exactly one revocation ID is needed" retry
usage_error "retry: bad id" "'a b' is not a revocation id" retry "a b"

# --- daemon unreachable: exit 3, and --json errors parse ---------------------
unreachable() {
    local name=$1
    shift
    run "$name: unreachable, exit 3" 3 "${nothing[@]}" "$@"
    has "$name: says clearwayd is not reachable" "$tmp/err" "clearwayd is not reachable"
    run "$name --json: exit 3" 3 "${nothing[@]}" --json "$@"
    json "$name --json: error parses" 'o["exit"]==3 and "not reachable" in o["error"]'
}
unreachable "check" check alice --host-class sc-hosts
unreachable "status" status
unreachable "status USER" status alice
unreachable "elevate" elevate alice --role ops-admin --for 1h30m --reason "kernel upgrade" --ticket CHG-1
unreachable "drop" drop alice --role ops-admin
unreachable "elevations" elevations
unreachable "elevations USER" elevations alice
unreachable "leaver" leaver alice --reason "resigned"
unreachable "revoke" revoke alice --reason "withdrawn"
unreachable "reinstate" reinstate alice --reason "error"
unreachable "retry" retry r20261123T090000Z-0123456789ab
unreachable "queue" queue
unreachable "report" report --month 2026-11
unreachable "export" export
unreachable "export USER" export alice
unreachable "erase" erase alice
run "missing config: exit 3" 3 -c "$tmp/absent.conf" --json elevations
json "missing config --json parses" 'o["exit"]==3'

# --- the man page ------------------------------------------------------------
if command -v man >/dev/null; then
    man --warnings -l "$src/docs/man/clearwayctl.8" >"$tmp/man.txt" 2>"$tmp/man.err"
    [[ ! -s $tmp/man.err ]] && pass "man page renders without warnings" ||
        { fail "man page warnings"; head -5 "$tmp/man.err"; }
    for c in check who expiring status leaver revoke reinstate suspend unsuspend retry elevate drop elevations \
        queue report audit export erase calendar; do
        grep -qE "^ +$c( |$)" "$tmp/man.txt" && pass "man page: $c" || fail "man page: $c"
    done
    has "man page: exit status" "$tmp/man.txt" "EXIT STATUS"
else
    pass "man page check skipped: no man"
fi

# --- output against a stand-in daemon ----------------------------------------
# Answers one canned frame per connection, chosen by op and user, and keeps
# the last request it got in $tmp/request.json.
cat >"$tmp/fake.py" <<'PY'
import json, os, socket, struct, sys
path, log = sys.argv[1], sys.argv[2]
T = 1795424400  # 2026-11-23T09:00:00Z
grant = {"user": "alice", "role": "ops-admin", "start": T, "end": T + 4 * 3600,
         "approver": "bob", "reason": "kernel upgrade", "ticket": "CHG-1"}
def answer(req):
    op, user = req.get("op"), req.get("user", "")
    if op == "elevate" and user == "dan":
        return {"status": "refused",
                "message": "role 'dba-admin' allows at most 4h; asked 8h"}
    if op == "elevate" and user == "harry":
        return {"status": "forbidden",
                "message": "you may not elevate yourself"}
    if op == "elevate" and user == "erin":
        return {"status": "bad_request", "message": "erin is not active"}
    if op == "elevate":
        return {"status": "ok", "data": grant}
    if op == "drop" and user == "bob":
        return {"status": "ok", "data": {"dropped": False}}
    if op == "drop" and user == "carol":
        return {"status": "refused",
                "message": "carol has no running elevation to dba"}
    if op == "drop":
        return {"status": "ok", "data": {"user": user, "role": req["role"],
                                         "ended": T + 60}}
    if op == "elevations" and user == "nobody":
        return {"status": "ok", "data": {"elevations": [], "now": T}}
    if op == "elevations":
        other = dict(grant, user="carol", role="dba", end=T + 59,
                     ticket="", reason="tab\there \x1b[31m")
        return {"status": "ok", "data": {"elevations": [
            dict(grant, end=T + 5399), other], "now": T}}
    if op == "revoke" and user == "silent":
        return None         # takes the request, never answers
    if op == "leaver" and user == "uma":
        return {"status": "unknown", "message": "outcome unknown: the change "
                "reached Redis but no reply came back (timed out); it may have "
                "been recorded; re-run to confirm; re-running is safe"}
    if op == "queue" and not req.get("after"):
        row = {"id": "r1", "user": "alice", "kind": "revoke",
               "state": "queued", "deadline": T + 3600, "level": "on_time"}
        return {"status": "ok", "data": {"now": T, "pending": [row],
                                         "next": "1795428000:r1"}}
    if op == "queue":
        row = {"id": "r2", "user": "bob", "kind": "leaver",
               "state": "dead", "deadline": T - 60, "level": "missed"}
        return {"status": "ok", "data": {"now": T, "pending": [row]}}
    return {"status": "internal", "message": "unexpected op"}
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(8)
while True:
    c, _ = s.accept()
    n = struct.unpack(">I", c.recv(4, socket.MSG_WAITALL))[0]
    req = json.loads(c.recv(n, socket.MSG_WAITALL))
    with open(log, "w") as f:
        json.dump(req, f)
    a = answer(req)
    if a is not None:
        out = json.dumps(dict(a, v=1)).encode()
        c.sendall(struct.pack(">I", len(out)) + out)
    c.close()
PY
python3 "$tmp/fake.py" "$tmp/fake.sock" "$tmp/request.json" &
fake_pid=$!
for _ in $(seq 50); do [[ -S $tmp/fake.sock ]] && break; sleep 0.1; done
mkconf "$tmp/fake.conf" "$tmp/fake.sock"
fake=(-c "$tmp/fake.conf")
# req NAME PYTHON-EXPR: the expression over r (the last request) is true.
req() {
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
        "$tmp/request.json" "$2" && pass "$1" || { fail "$1: $2"; cat "$tmp/request.json"; }
}

run "elevate" 0 "${fake[@]}" elevate alice --role ops-admin --for 1h30m --reason "kernel upgrade" --ticket CHG-1
has "elevate: one line" "$tmp/out" "elevated alice to ops-admin until 2026-11-23T13:00:00Z (4h); approver bob; ticket CHG-1"
req "elevate: the request" 'r=={"v":1,"op":"elevate","mode":"login","user":"alice","role":"ops-admin","duration":5400,"reason":"kernel upgrade","ticket":"CHG-1"}'
run "elevate --json" 0 "${fake[@]}" --json elevate alice --role ops-admin --for=4h --reason=upgrade
json "elevate --json: the daemon's record" 'o["end"]-o["start"]==14400 and o["approver"]=="bob" and o["ticket"]=="CHG-1"'
req "elevate --for=4h" 'r["duration"]==14400 and "ticket" not in r'
run "elevate refused: exit 1" 1 "${fake[@]}" elevate dan --role dba-admin --for 8h --reason migration
has "refusal verbatim" "$tmp/err" "clearwayctl: role 'dba-admin' allows at most 4h; asked 8h"
run "elevate refused --json" 1 "${fake[@]}" --json elevate dan --role dba-admin --for 8h --reason migration
json "refusal --json" 'o=={"error":"role '"'"'dba-admin'"'"' allows at most 4h; asked 8h","exit":1}'
run "elevate forbidden: exit 4" 4 "${fake[@]}" elevate harry --role ops-admin --for 1h --reason x
has "forbidden verbatim" "$tmp/err" "clearwayctl: you may not elevate yourself"
run "elevate bad request: exit 2" 2 "${fake[@]}" elevate erin --role ops-admin --for 1h --reason x
has "bad request verbatim" "$tmp/err" "clearwayctl: erin is not active"

run "drop" 0 "${fake[@]}" drop alice --role ops-admin
has "drop: one line" "$tmp/out" "dropped ops-admin from alice at 2026-11-23T09:01:00Z"
req "drop: the request" 'r["op"]=="drop" and r["user"]=="alice" and r["role"]=="ops-admin"'
run "drop nothing: exit 1" 1 "${fake[@]}" drop bob --role ops-admin
has "drop nothing: says so" "$tmp/err" "bob has no active elevation to ops-admin"
run "drop nothing --json: exit 1" 1 "${fake[@]}" --json drop bob --role ops-admin
json "drop nothing --json" 'o=={"dropped":False}'
run "drop refused: exit 1" 1 "${fake[@]}" drop carol --role dba
has "drop refused verbatim" "$tmp/err" "clearwayctl: carol has no running elevation to dba"

run "elevations" 0 "${fake[@]}" elevations
has "elevations: header" "$tmp/out" "USER   ROLE       ENDS (UTC)            LEFT   APPROVER  TICKET  REASON"
has "elevations: row, left in whole minutes" "$tmp/out" "alice  ops-admin  2026-11-23T10:29:59Z  1h29m  bob       CHG-1   kernel upgrade"
has "elevations: seconds, no ticket, cleaned reason" "$tmp/out" "carol  dba        2026-11-23T09:00:59Z  59s    bob       -       tab?here ?[31m"
grep -q $'\x1b' "$tmp/out" && fail "escape reached the terminal" || pass "no escape reaches the terminal"
req "elevations: all" '"user" not in r and r["op"]=="elevations"'
run "elevations --json" 0 "${fake[@]}" elevations --json
json "elevations --json" 'len(o["elevations"])==2 and o["now"]==1795424400'
run "elevations nobody" 0 "${fake[@]}" elevations nobody
has "elevations: none" "$tmp/out" "no active elevations for nobody"
req "elevations USER" 'r["user"]=="nobody"'
run "outcome unknown: exit 3" 3 "${fake[@]}" leaver uma --reason "resigned"
has "outcome unknown: says so" "$tmp/err" "it may have been recorded; re-run to confirm; re-running is safe"
run "no answer to a change: exit 3" 3 "${fake[@]}" revoke silent --reason "withdrawn"
has "no answer to a change: outcome unknown" "$tmp/err" "outcome unknown: clearwayd took the request but did not answer"
has "no answer to a change: re-run" "$tmp/err" "re-run to confirm; re-running is safe"
run "queue: two pages" 0 "${fake[@]}" queue
has "queue: first page's row" "$tmp/out" "alice"
has "queue: second page's row" "$tmp/out" "OVERDUE"
req "queue: asked after the cursor" 'r["after"]=="1795428000:r1"'
run "queue --json: two pages" 0 "${fake[@]}" --json queue
json "queue --json: one document" '[p["id"] for p in o["pending"]]==["r1","r2"] and o["now"]==1795424400'
run "daemon error: exit 3" 3 "${fake[@]}" status
has "daemon error says so" "$tmp/err" "daemon error: unexpected op"

finish
