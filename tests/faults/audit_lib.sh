# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Shared by the audit fault tests (audit_*_test.sh): a rig, a key, a
# config with the daemon as its own audit writer, a client that sends
# PAM decisions as root and remembers which were answered, and a count of
# the decision records sealed in the trail.  Source after tap.sh and
# daemon.sh, with $here set to tests/faults and $work to the test's
# directory.
#
#   fa_rig                      fresh rig in $work/rig, env loaded, key made
#   fa_conf CONF SPOOL DIR [line...]
#                               a daemon config: writer = yes, trail in DIR,
#                               spool in SPOOL, metrics every second; extra
#                               lines go into [audit]
#   fa_decide SOCK TAGS PREFIX N          N decisions, one at a time
#   fa_decide_until SOCK TAGS PREFIX STOP THREADS
#                               decisions from THREADS threads until the file
#                               STOP exists, through daemon restarts
#   fa_sealed DIR PREFIX TAGS   prints "answered A sealed S lost L
#                               duplicated D" for the tags of TAGS*
#   fa_metric PROM NAME         a metric's value from a metrics file
# shellcheck disable=SC2154  # here and work are the sourcing test's

fa_rig() {
    bash "$here/../rig/start-with-sample.sh" "$work/rig" >/dev/null 2>&1 ||
        return 1
    set -a
    # shellcheck disable=SC1091
    . "$work/rig/env"
    set +a
    mkdir -m 0700 "$work/keys"
    (umask 077; openssl rand -hex 32 >"$work/keys/k1.key")
}

fa_conf() {
    local conf=$1 spool=$2 dir=$3 base
    shift 3
    base=$(dirname "$conf")
    mkdir -p "$base/state"
    {
        echo "[ldap]"
        echo "uri = $CW_LDAP_URI"
        echo "allow_plaintext = yes"
        echo "staff_base = $CW_STAFF_BASE"
        echo "hostclass_base = $CW_HOSTCLASS_BASE"
        echo "role_base = $CW_ROLE_BASE"
        echo "bind_dn = $CW_LDAP_ADMIN_DN"
        echo "bind_password_file = $CW_LDAP_ADMIN_PW_FILE"
        echo "timeout_ms = 2000"
        echo "[redis]"
        echo "socket = $CW_REDIS_SOCKET"
        echo "timeout_ms = 1000"
        echo "[daemon]"
        echo "socket = $base/clearwayd.sock"
        echo "reload_interval_ms = 100"
        echo "state_dir = $base/state"
        echo "[audit]"
        echo "writer = yes"
        echo "directory = $dir"
        echo "key_dir = $work/keys"
        echo "spool_dir = $spool"
        echo "metrics_file = $base/clearway.prom"
        echo "metrics_interval_s = 1"
        local line
        for line in "$@"; do echo "$line"; done
    } >"$conf"
    chmod 0644 "$conf"
}

# The client: PAM's request (op decide, as root), one connection each, as
# pam_clearway sends it.  Every request carries a unique tty tag; a tag is
# written to the tags file only once its answer was read, so the file
# holds exactly the decisions whose answer a logon could have acted on.
fa_write_client() {
    cat >"$work/decide.py" <<'EOF'
import json, os, socket, struct, sys, threading, time

def ask(path, tag):
    body = json.dumps({"v": 1, "op": "decide", "user": "alice",
                       "host_class": "sc-hosts", "mode": "login",
                       "service": "sshd", "rhost": "192.0.2.10",
                       "tty": tag}).encode()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(path)
        s.sendall(struct.pack(">I", len(body)) + body)
        hdr = b""
        while len(hdr) < 4:
            c = s.recv(4 - len(hdr))
            if not c:
                return None
            hdr += c
        (n,) = struct.unpack(">I", hdr)
        got = b""
        while len(got) < n:
            c = s.recv(n - len(got))
            if not c:
                return None
            got += c
        return json.loads(got)
    except OSError:
        return None
    finally:
        s.close()

def worker(path, out, prefix, stop, count, answered):
    i = 0
    with open(out, "a") as f:
        while True:
            if count is not None and i >= count:
                return
            if stop is not None and os.path.exists(stop):
                return
            tag = "%s%d" % (prefix, i)
            r = ask(path, tag)
            if r is None or r.get("status") not in ("ok", "unavailable"):
                if count is None:
                    time.sleep(0.005)
                    i += 1          # a new tag: this one may be sealed or not
                    continue
                sys.exit("no answer to %s: %r" % (tag, r))
            f.write(tag + "\n")
            f.flush()
            answered[0] += 1
            i += 1

path, out, prefix, mode = sys.argv[1:5]
answered = [0]
if mode == "count":
    worker(path, out, prefix, None, int(sys.argv[5]), answered)
else:
    stop, n = sys.argv[5], int(sys.argv[6])
    ts = [threading.Thread(target=worker, args=(path, "%s.%d" % (out, k),
          "%s%d-" % (prefix, k), stop, None, answered)) for k in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
print(answered[0])
EOF
    cat >"$work/sealed.py" <<'EOF'
import glob, json, os, sys
trail, prefix, tags = sys.argv[1:4]
answered = set()
for f in glob.glob(tags + "*"):
    answered.update(l.strip() for l in open(f) if l.strip())
sealed = {}
for f in sorted(os.listdir(trail)):
    if not f.startswith("audit-"):
        continue
    for line in open(os.path.join(trail, f), encoding="utf-8"):
        r = json.loads(line)
        if r["type"] != "pam_decision":
            continue
        t = r["details"].get("tty", "")
        if t.startswith(prefix):
            sealed[t] = sealed.get(t, 0) + 1
lost = len(answered - set(sealed))
dup = sum(n - 1 for n in sealed.values())
print("answered %d sealed %d lost %d duplicated %d"
      % (len(answered), len(sealed), lost, dup))
EOF
}

fa_decide() {
    python3 "$work/decide.py" "$1" "$2" "$3" count "$4"
}

fa_decide_until() {
    python3 "$work/decide.py" "$1" "$2" "$3" until "$4" "$5"
}

fa_sealed() {
    python3 "$work/sealed.py" "$1" "$2" "$3"
}

fa_metric() {
    awk -v n="$2" '$1 == n { print $2 }' "$1" 2>/dev/null
}

# fa_wait_sealed DIR PREFIX TAGS SECONDS: until nothing answered is
# missing from the trail (or the time is up); prints fa_sealed's line.
fa_wait_sealed() {
    local out i
    for ((i = 0; i < $4 * 2; i++)); do
        out=$(fa_sealed "$1" "$2" "$3")
        [[ $out == *" lost 0 "* ]] && break
        sleep 0.5
    done
    echo "$out"
}
