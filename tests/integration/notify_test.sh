#!/bin/bash
# SPDX-License-Identifier: MIT
# Notifications (daemon/notify/, docs/notify.md) through the real daemon:
# break-glass logons through real libpam (bench_pam, pam_start_confdir)
# raise events that reach
#   (a) the shipped e-mail notifier, with a sendmail stand-in, run as the
#       unprivileged notify_user;
#   (b) the shipped webhook notifier (curl) and a local HTTP listener;
#   (c) a notifier that hangs is killed at notify_timeout_ms, retried,
#       given up, and never delays a decision; one that fails is retried;
#   (d) a bad notify_command or notify_user stops the start with a message
#       naming the setting.
#   notify_test.sh CLEARWAYD CLEARWAYCTL PAM_MODULE BENCH_PAM
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
daemon=$1 ctl=$2 module=$3 bench=$4
. "$here/../lib/daemon.sh"
. "$here/../lib/tap.sh"

work=$(mktemp -d /tmp/cw-notify-test.XXXXXX)
chmod 0755 "$work"
rig=$work/rig
listener=
cleanup() {
    cw_stop_daemon
    [ -n "$listener" ] && kill "$listener" 2>/dev/null
    bash "$here/../rig/rig.sh" stop "$rig" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

bash "$here/../rig/start-with-sample.sh" "$rig" >/dev/null 2>&1 || {
    echo "cannot start the rig" >&2
    exit 1
}
set -a; . "$rig/env"; set +a
mkdir -m 0755 "$work/run" "$work/bin" "$work/pam.d"
mkdir -m 0700 "$work/out"
chown nobody "$work/out"
conf=$work/clearway.conf
sock=$work/run/clearwayd.sock
log=$work/clearwayd.log
export CW_LAST_OUT=$work/last.out
echo "account required $module config=$conf host_class=sc-hosts" \
    >"$work/pam.d/notify"

# A sendmail stand-in: records who ran it, its arguments and its input.
cat >"$work/bin/sendmail" <<EOS
#!/bin/sh
f=$work/out/mail.\$\$
{ echo "uid=\$(id -u)"; echo "args=\$*"; cat; } >"\$f.tmp" && mv "\$f.tmp" "\$f"
EOS
printf '#!/bin/sh\nexec sleep 60\n' >"$work/bin/hang"
printf '#!/bin/sh\necho "relay refused" >&2\nexit 3\n' >"$work/bin/fail"
chmod 0755 "$work/bin/"*

# run_with NOTIFY_LINES...: (re)starts the daemon with these [daemon] lines.
run_with() {
    cw_stop_daemon
    cw_write_config "$conf" "$sock" "revoke_leavers = no" "$@" \
        "[policy]" "breakglass_users = rescue"
    : >"$log"
    cw_start_daemon "$daemon" "$conf" "$log"
    cw_wait_answer "$ctl" "$conf" alice sc-hosts
}

# breakglass_logons: 100 break-glass logons through libpam, each allowed.
breakglass_logons() {
    "$bench" "$work/pam.d" notify rescue 100 >"$work/bench.out" 2>&1 &&
        grep -c '^user rescue: Success$' "$work/bench.out" >/dev/null
}

# wait_for CMD...: until CMD succeeds, at most 15 s.
wait_for() {
    local i
    for ((i = 0; i < 150; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

mail_count() { find "$work/out" -name 'mail.*' ! -name '*.tmp' | wc -l; }
has_mail() { [ "$(mail_count)" -gt 0 ]; }

# --- (a) e-mail -----------------------------------------------------------
run_with "notify_command = $top/etc/notify/notify-email ops@example.gov.uk $work/bin/sendmail" \
    "notify_user = nobody"
breakglass_logons && pass "a: 100 break-glass logons allowed through libpam" ||
    { fail "a: break-glass logons"; cat "$work/bench.out"; }
wait_for has_mail && pass "a: a notification mail was sent" || fail "a: no mail"
if out=$(python3 - "$work/out" <<'PY'
import json, os, sys
d = sys.argv[1]
kinds = set()
for f in sorted(os.listdir(d)):
    if not f.startswith("mail.") or f.endswith(".tmp"):
        continue
    head, _, body = open(os.path.join(d, f)).read().partition("\n\n")
    lines = head.split("\n")
    assert lines[0] == "uid=65534", lines[0]            # notify_user nobody
    assert lines[1] == "args=-oi -- ops@example.gov.uk", lines[1]
    assert "To: ops@example.gov.uk" in lines, lines
    ev = json.loads(body)
    subj = [l for l in lines if l.startswith("Subject: ")][0]
    assert subj == "Subject: [clearway] %s %s" % (ev["type"], ev["subject"]), subj
    assert ev["details"]["event_id"], ev
    kinds.add(ev["type"])
assert "breakglass" in kinds, kinds
print("mails as uid 65534, to the recipient, JSON bodies; types: " + ", ".join(sorted(kinds)))
PY
); then pass "a: $out"; else fail "a: $out"; fi

# --- (b) webhook ------------------------------------------------------------
port_file=$work/port
python3 - "$work/hooks" "$port_file" <<'PY' &
import http.server, os, sys
out, port_file = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
class H(http.server.BaseHTTPRequestHandler):
    n = 0
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        H.n += 1
        with open(os.path.join(out, "%d.json" % H.n), "wb") as f:
            f.write(self.headers["Content-Type"].encode() + b"\n" + body)
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(port_file, "w").write(str(s.server_port))
s.serve_forever()
PY
listener=$!
wait_for test -s "$port_file" || fail "b: the HTTP listener did not start"
run_with "notify_command = $top/etc/notify/notify-webhook http://127.0.0.1:$(cat "$port_file")/hook"
breakglass_logons && pass "b: break-glass logons allowed" || fail "b: logons"
hook_seen() { [ -n "$(ls "$work/hooks" 2>/dev/null)" ]; }
wait_for hook_seen && pass "b: the webhook was called" || fail "b: no webhook call"
if out=$(python3 - "$work/hooks" <<'PY'
import json, os, sys
d = sys.argv[1]
types = set()
for f in os.listdir(d):
    ctype, _, body = open(os.path.join(d, f)).read().partition("\n")
    assert ctype == "application/json", ctype
    types.add(json.loads(body)["type"])
assert "breakglass" in types, types
print("JSON POSTs of: " + ", ".join(sorted(types)))
PY
); then pass "b: $out"; else fail "b: $out"; fi

# --- (c) a hanging and a failing notifier ------------------------------------
run_with "notify_command = $work/bin/hang" "notify_timeout_ms = 300" "notify_retries = 1"
start=$(date +%s%N)
breakglass_logons && pass "c: with a hanging notifier, 100 break-glass logons allowed" ||
    { fail "c: logons with a hanging notifier"; cat "$work/bench.out"; }
ms=$(( ($(date +%s%N) - start) / 1000000 ))
# 201 decisions (warm-up, 100 calls, 100 cycles) in well under one
# notifier timeout each: the notifier never holds a decision.
[ "$ms" -lt 20000 ] && pass "c: 201 decisions took $ms ms" || fail "c: decisions took $ms ms"
killed() { grep -c "notify: breakglass notification failed (attempt 1 of 2), will retry: $work/bin/hang killed after 300 ms" "$log" >/dev/null; }
wait_for killed && pass "c: the hanging notifier is killed at notify_timeout_ms and retried" ||
    { fail "c: no kill/retry line"; grep notify "$log" | head -5; }
run_with "notify_command = $work/bin/fail" "notify_retries = 1"
breakglass_logons || fail "c: logons with a failing notifier"
failed() { grep -c "will retry: $work/bin/fail exited 3: relay refused" "$log" >/dev/null; }
wait_for failed && pass "c: a failing notifier's exit status and stderr are logged, retried" ||
    fail "c: no failure line"
given_up() { grep -c "notify: breakglass notification given up after 2 attempts: $work/bin/fail exited 3" "$log" >/dev/null; }
wait_for given_up && pass "c: and given up after notify_retries" || fail "c: no give-up line"

# --- (d) bad settings ---------------------------------------------------------
cw_stop_daemon
cw_write_config "$conf" "$sock" "notify_command = /nonexistent/notify" \
    "[policy]" "breakglass_users = rescue"
expect_exit 1 "d: a missing notify_command stops the start" \
    timeout 20 "$daemon" -f -c "$conf"
grep -c 'notify_command /nonexistent/notify' "$CW_LAST_OUT" >/dev/null &&
    pass "d: ... naming it" || fail "d: message: $(head -2 "$CW_LAST_OUT")"
cw_write_config "$conf" "$sock" "notify_command = $work/bin/fail" \
    "notify_user = no-such-user-cw" "[policy]" "breakglass_users = rescue"
expect_exit 1 "d: an unknown notify_user stops the start" \
    timeout 20 "$daemon" -f -c "$conf"
grep -c 'notify_user no-such-user-cw: no such user' "$CW_LAST_OUT" >/dev/null &&
    pass "d: ... naming it" || fail "d: message: $(head -2 "$CW_LAST_OUT")"
cw_write_config "$conf" "$sock" "notify_command = $work/bin/fail" \
    "notify_user = root" "[policy]" "breakglass_users = rescue"
expect_exit 1 "d: notify_user root stops the start" timeout 20 "$daemon" -f -c "$conf"
# As under the shipped unit, without CAP_SETUID/CAP_SETGID in the
# bounding set: refused at start, naming the drop-in.
cw_write_config "$conf" "$sock" "notify_command = $work/bin/fail" \
    "[policy]" "breakglass_users = rescue"
expect_exit 1 "d: without CAP_SETUID/CAP_SETGID the start is refused" \
    timeout 20 setpriv --bounding-set=-setuid,-setgid "$daemon" -f -c "$conf"
grep -c 'examples/systemd/notify.conf' "$CW_LAST_OUT" >/dev/null &&
    pass "d: ... naming the drop-in" || fail "d: message: $(head -2 "$CW_LAST_OUT")"
finish
