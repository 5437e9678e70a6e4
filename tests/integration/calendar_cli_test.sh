#!/bin/bash
# SPDX-License-Identifier: MIT
# clearwayctl calendar holidays / deadline, the real binary: human and
# --json output, configuration and holidays file, and bad input -> exit 2.
#   calendar_cli_test.sh CLEARWAYCTL
# Needs no daemon: the calendar is computed locally.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
ctl=$1
tmp=$(mktemp -d /tmp/cw-calendar-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
CW_LAST_OUT=$tmp/last

# No configuration file: the defaults (England and Wales, by rule).
noconf=(-c "$tmp/absent.conf")

# run NAME WANT_EXIT ARGS...: output in $tmp/out, errors in $tmp/err.
run() {
    local name=$1 want=$2 rc=0
    shift 2
    "$ctl" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
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

# json NAME PYTHON-EXPR: the expression over o (the JSON output) is true.
json() {
    if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
        "$tmp/out" "$2" 2>"$tmp/pyerr"; then
        pass "$1"
    else
        fail "$1: $2"; sed 's/^/      /' "$tmp/out" "$tmp/pyerr" | head -5
    fi
}

# --- calendar holidays ---
run "holidays 2026" 0 "${noconf[@]}" calendar holidays --year 2026
has "title line names division and source" "$tmp/out" "Bank holidays in england-and-wales, 2026 (by rule"
has "Christmas on Friday" "$tmp/out" "2026-12-25  Friday     Christmas Day"
has "Boxing Day substitute" "$tmp/out" "2026-12-28  Monday     Boxing Day (substitute day)"
[[ $(grep -c '^2026-' "$tmp/out") -eq 8 ]] && pass "eight holidays in 2026" || fail "eight holidays in 2026"

run "holidays 2026 --json" 0 "${noconf[@]}" --json calendar holidays --year 2026
json "json: division, year, source" 'o["division"]=="england-and-wales" and o["year"]==2026 and o["source"]=="rules" and o["holidays_file"] is None'
json "json: dates" '[h["date"] for h in o["holidays"]]==["2026-01-01","2026-04-03","2026-04-06","2026-05-04","2026-05-25","2026-08-31","2026-12-25","2026-12-28"]'
json "json: substitute flag and weekday" 'o["holidays"][-1]=={"date":"2026-12-28","weekday":"Monday","title":"Boxing Day","substitute":True,"from_file":False}'

run "holidays scotland 2025 --json" 0 "${noconf[@]}" calendar holidays --year 2025 --division scotland --json
json "St Andrew's on Sunday -> Monday 1 Dec" '{"date":"2025-12-01","weekday":"Monday","title":"St Andrew'"'"'s Day","substitute":True,"from_file":False} in o["holidays"]'
json "Scotland: first Monday in August" '"2025-08-04" in [h["date"] for h in o["holidays"]]'

run "holidays northern-ireland 2026" 0 "${noconf[@]}" calendar holidays --division northern-ireland --year 2026
has "Boyne on Sunday -> Monday 13 Jul" "$tmp/out" "2026-07-13  Monday     Battle of the Boyne (Orangemen's Day) (substitute day)"

# --- calendar deadline ---
run "deadline Christmas Eve" 0 "${noconf[@]}" calendar deadline --from 2026-12-24T16:00:00
has "event in UTC and local" "$tmp/out" "event     2026-12-24T16:00:00Z  Thursday 2026-12-24 16:00:00 GMT"
has "deadline Tuesday 29 Dec" "$tmp/out" "deadline  2026-12-29T16:00:00Z  Tuesday 2026-12-29 16:00:00 GMT"
has "reasoning" "$tmp/out" "Thursday 2026-12-24 is a working day in england-and-wales, so the deadline is the same local time (16:00:00) on the next working day, Tuesday 2026-12-29"
has "reasoning lists the holidays" "$tmp/out" "Monday 2026-12-28 Boxing Day (substitute day)"
[[ $(wc -l <"$tmp/out") -eq 3 ]] && pass "three lines" || fail "three lines"

run "deadline Saturday --json" 0 "${noconf[@]}" --json calendar deadline --from 2026-12-26T10:00:00Z
json "json: event" 'o["event"]=={"utc":"2026-12-26T10:00:00Z","local":"2026-12-26T10:00:00+00:00","zone":"GMT","weekday":"Saturday","working_day":False}'
json "json: end of the first working day" 'o["deadline"]["utc"]=="2026-12-30T00:00:00Z" and o["rule"]=="end_of_first_working_day" and o["working_day"]=="2026-12-29"'
json "json: skipped days" '[d["date"] for d in o["non_working_days"]]==["2026-12-27","2026-12-28"]'
json "json: one-line reason" '"(24:00)" in o["reason"] and "\n" not in o["reason"]'

run "deadline across the spring change" 0 "${noconf[@]}" --json calendar deadline --from 2026-03-27T16:00:00
json "Friday 16:00 GMT -> Monday 16:00 BST" 'o["event"]["utc"]=="2026-03-27T16:00:00Z" and o["deadline"]["utc"]=="2026-03-30T15:00:00Z" and o["deadline"]["local"]=="2026-03-30T16:00:00+01:00" and o["deadline"]["zone"]=="BST"'
run "deadline across the autumn change" 0 "${noconf[@]}" --json calendar deadline --from 2026-10-23T16:00:00+01:00
json "Friday 16:00 BST -> Monday 16:00 GMT" 'o["deadline"]["utc"]=="2026-10-26T16:00:00Z" and o["rule"]=="same_time_next_working_day"'
run "deadline eve of Easter, Scotland" 0 "${noconf[@]}" --json calendar deadline --from 2026-04-04T12:00:00 --division scotland
json "Easter Monday works in Scotland" 'o["division"]=="scotland" and o["working_day"]=="2026-04-06" and o["deadline"]["utc"]=="2026-04-06T23:00:00Z"'

# --- configuration and holidays file ---
cat >"$tmp/holidays.json" <<'JSON'
{"england-and-wales": {"division": "england-and-wales", "events": [
 {"title": "Early May bank holiday (VE day)", "date": "2020-05-08", "notes": "", "bunting": true},
 {"title": "Spring bank holiday", "date": "2020-05-25", "notes": "", "bunting": true}]},
 "northern-ireland": {"division": "northern-ireland", "events": [
 {"title": "St Patrick\u2019s Day", "date": "2020-03-17", "notes": "", "bunting": true}]}}
JSON
chmod 0644 "$tmp/holidays.json"
printf '[daemon]\nldap_sync = no\n[policy]\ndivision = northern-ireland\nbank_holidays_file = %s\n' \
    "$tmp/holidays.json" >"$tmp/cw.conf"
chmod 0644 "$tmp/cw.conf"
conf=(-c "$tmp/cw.conf")

run "configured division and file" 0 "${conf[@]}" --json calendar holidays --year 2020
json "the file's year, the configured division" 'o["division"]=="northern-ireland" and o["source"]=="file" and o["config"].endswith("cw.conf") and [h["date"] for h in o["holidays"]]==["2020-03-17"] and o["holidays"][0]["from_file"]'
run "a year the file does not cover" 0 "${conf[@]}" --json calendar holidays --year 2021
json "rules for 2021" 'o["source"]=="rules" and len(o["holidays"])==10'
run "file, --division overrides" 0 "${conf[@]}" calendar holidays --year 2020 --division england-and-wales
has "human output names the file" "$tmp/out" "(from $tmp/holidays.json)"
has "moved Early May" "$tmp/out" "2020-05-08  Friday     Early May bank holiday (VE day) (from the holidays file)"
run "deadline uses the file" 0 "${conf[@]}" --json calendar deadline --from 2020-05-01T16:00:00 --division england-and-wales
json "Monday 4 May 2020 works when the file says so" 'o["deadline"]["utc"]=="2020-05-04T15:00:00Z"'

chmod 0666 "$tmp/holidays.json"
run "world-writable holidays file refused" 3 "${conf[@]}" --json calendar holidays --year 2020
json "json error names the file" '"too open" in o["error"] and o["exit"]==3'
chmod 0644 "$tmp/holidays.json"
printf '{"wales": {}}' >"$tmp/holidays.json"
run "malformed holidays file refused" 3 "${conf[@]}" calendar holidays --year 2020
has "error names what was wrong" "$tmp/err" "unknown or repeated division \"wales\""
printf '[policy]\ndivision = wales\n' >"$tmp/bad.conf"
run "bad configuration refused" 3 -c "$tmp/bad.conf" calendar holidays --year 2026

# --- usage errors: exit 2, naming what was wrong and the accepted form ---
run "year too early" 2 "${noconf[@]}" calendar holidays --year 1995
has "year error names the range" "$tmp/err" "--year must be a year from 1996 to 9999, not '1995'"
run "year not a number" 2 "${noconf[@]}" calendar holidays --year twenty
run "year missing" 2 "${noconf[@]}" calendar holidays
run "year with sign" 2 "${noconf[@]}" calendar holidays --year +2026
run "division unknown" 2 "${noconf[@]}" calendar holidays --year 2026 --division wales
has "division error lists the names" "$tmp/err" "--division must be one of england-and-wales, scotland, northern-ireland, not 'wales'"
run "TIME malformed" 2 "${noconf[@]}" calendar deadline --from "2026-11-23 09:00"
has "TIME error names the forms" "$tmp/err" "TIME is YYYY-MM-DDTHH:MM[:SS] followed by Z, +hh:mm or -hh:mm, or by nothing for Europe/London local time"
run "TIME no such date" 2 "${noconf[@]}" calendar deadline --from 2026-02-30T09:00:00Z
has "TIME field error" "$tmp/err" "no such date or time"
run "TIME skipped by the clocks" 2 "${noconf[@]}" calendar deadline --from 2026-03-29T01:30:00
has "TIME gap error" "$tmp/err" "does not exist"
run "TIME repeated by the clocks" 2 "${noconf[@]}" calendar deadline --from 2026-10-25T01:30:00
has "TIME overlap error" "$tmp/err" "happens twice"
run "TIME out of range" 2 "${noconf[@]}" calendar deadline --from 1990-01-01T00:00:00Z
has "range error" "$tmp/err" "1996..9999"
run "TIME missing" 2 "${noconf[@]}" calendar deadline
run "--from with holidays" 2 "${noconf[@]}" calendar holidays --year 2026 --from 2026-01-01T00:00Z
run "--year with deadline" 2 "${noconf[@]}" calendar deadline --from 2026-01-05T09:00Z --year 2026
run "no subcommand" 2 "${noconf[@]}" calendar
run "unknown subcommand" 2 "${noconf[@]}" calendar when
run "extra argument" 2 "${noconf[@]}" calendar holidays --year 2026 extra
run "unknown option" 2 "${noconf[@]}" calendar holidays --year 2026 --colour red
run "help" 0 calendar --help
has "help names both commands" "$tmp/out" "calendar holidays --year Y | deadline --from TIME"

finish
