#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The fleet benchmark: a simulated fleet on loopback, measured.

    bench/fleet.py [--hosts N] [--staff N] [--leavers N] [--failover-leavers N]
                   [--burst N] [--build DIR] [--out DIR] [--keep]

Starts, in one temporary directory (as root, on Debian 12):
  - slapd with a generated directory (tests/rig/rig.sh, bench/gen-directory.py);
  - one Redis master, two replicas and three sentinels (monitoring "cw");
  - two central daemons (role = central: sync leader by lease, queue
    workers, the audit writer), both reaching Redis through sentinel://;
  - N host daemons (role = host, default 200), each with its own state
    dir, socket, spool and host name, reading from a replica
    (read_from = replica) and sending their few writes to the master.
Then measures:
  - per-host RSS and CPU at idle (20 s, --settle seconds after all are
    ready) and during a change burst;
  - from `clearwayctl leaver` returning to the LAST host denying, over
    --leavers leavers (median, p99, max);
  - the same while the master is killed (kill -9) part-way through, with
    every revoked user checked on every host at every sweep (an allow after
    a host had denied is counted: it must stay 0);
  - master and replica CPU and connections, and bytes sent per change per
    host (the replicas' and master's total_net_output_bytes during the
    burst, over changes x hosts).
Prints a table and writes DIR/fleet.json (default bench/out/).  A host's
decision is read over its socket (core/wire.h, the `check` op), every host
polled in turn; the sweep time (printed) bounds the resolution.
Asserts nothing about the numbers.
"""
import argparse
import importlib.util
import json
import selectors
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
# The wire exchange is the fault suite's (tests/lib/fleet.py), loaded by
# path: this file's own name would shadow it on sys.path.
_spec = importlib.util.spec_from_file_location(
    "cw_fleet_lib", os.path.join(TOP, "tests", "lib", "fleet.py"))
_lib = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_lib)
ask = _lib.ask
HOST_CLASS = "general-hosts"
MASTER = "cw"


def log(msg):
    print(f"fleet: {msg}", file=sys.stderr, flush=True)


def free_ports(n, taken=()):
    ports = []
    while len(ports) < n:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        if p not in ports and p not in taken:
            ports.append(p)
    return ports


def decision(path, user):
    r = ask(path, {"op": "check", "user": user, "host_class": HOST_CLASS})
    if r is None:
        return None
    return r.get("verdict"), r.get("reason")


def sweep(socks, user, timeout=2.0):
    """Asks every daemon in socks about user at once (non-blocking, one
    selector), so a sweep lasts about the slowest answer, not their sum.
    Returns {sock: (verdict, seconds since the sweep began)}; a daemon
    that did not answer in time is left out."""
    body = json.dumps({"v": 1, "op": "check", "user": user,
                       "host_class": HOST_CLASS}).encode()
    frame = struct.pack(">I", len(body)) + body
    sel = selectors.DefaultSelector()
    t0 = time.monotonic()
    out = {}
    for path in socks:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            s.sendall(frame)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, [path, b""])
        except OSError:
            s.close()
    while sel.get_map() and time.monotonic() - t0 < timeout:
        for key, _ in sel.select(0.05):
            path, buf = key.data
            try:
                chunk = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            buf += chunk
            key.data[1] = buf
            done = not chunk
            if len(buf) >= 4:
                (n,) = struct.unpack(">I", buf[:4])
                if len(buf) >= 4 + n:
                    r = json.loads(buf[4:4 + n])
                    out[path] = (r.get("verdict"), time.monotonic() - t0)
                    done = True
            if done:
                sel.unregister(key.fileobj)
                key.fileobj.close()
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    sel.close()
    return out


def redis_cli(port, *args, timeout=5):
    p = subprocess.run(["redis-cli", "-p", str(port), *args],
                       capture_output=True, text=True, timeout=timeout)
    return p.stdout


def redis_info(port, section):
    out = {}
    try:
        text = redis_cli(port, "INFO", section)
    except subprocess.TimeoutExpired:
        return out
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.strip().split(":", 1)
            out[k] = v
    return out


def cpu_total(info):
    """used_cpu_sys + used_cpu_user of an INFO cpu reply, in seconds."""
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def proc_cpu_s(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def proc_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def pct(values, q):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100.0 * (len(v) - 1))))]


class Fleet:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="cw-fleet-")
        self.procs = {}         # name -> Popen
        self.env = {}
        self.build = args.build
        self.clearwayd = os.path.join(self.build, "daemon", "clearwayd")
        self.ctl = os.path.join(self.build, "cli", "clearwayctl")

    # ------------------------------------------------------------ parts
    def start_rig(self):
        rig = os.path.join(self.work, "rig")
        subprocess.run(["bash", f"{TOP}/tests/rig/rig.sh", "start", rig],
                       check=True, capture_output=True)
        ldif = os.path.join(self.work, "dir.ldif")
        with open(ldif, "w") as f:
            subprocess.run([sys.executable, f"{HERE}/gen-directory.py",
                            str(self.args.staff), "--seed", "1"],
                           check=True, stdout=f)
        subprocess.run(["bash", f"{TOP}/tests/rig/rig.sh", "bulkload", rig,
                        ldif], check=True, capture_output=True)
        # The rig's own Redis is not the fleet's.
        subprocess.run(["bash", f"{TOP}/tests/rig/rig.sh", "stop-redis", rig],
                       check=True, capture_output=True)
        with open(os.path.join(rig, "env")) as f:
            for line in f:
                if "=" in line:
                    k, v = line.strip().split("=", 1)
                    self.env[k] = v.strip("'\"")

    def spawn(self, name, argv, logname=None):
        logf = open(os.path.join(self.work, (logname or name) + ".log"), "ab")
        self.procs[name] = subprocess.Popen(argv, stdout=logf, stderr=logf,
                                            stdin=subprocess.DEVNULL)
        return self.procs[name]

    def start_redis(self):
        self.rports = free_ports(6)
        self.master_port = self.rports[0]
        for i, port in enumerate(self.rports[:3]):
            d = os.path.join(self.work, f"redis{i}")
            os.makedirs(d)
            conf = [f"port {port}", "bind 127.0.0.1", f"dir {d}",
                    "appendonly yes", "appendfsync always", "save ''",
                    "maxclients 20000", "protected-mode no",
                    f"replica-announce-ip 127.0.0.1"]
            if i > 0:
                conf.append(f"replicaof 127.0.0.1 {self.master_port}")
            path = os.path.join(d, "redis.conf")
            with open(path, "w") as f:
                f.write("\n".join(conf) + "\n")
            self.spawn(f"redis{i}", ["redis-server", path])
        self.wait(lambda: all(redis_cli(p, "PING").strip() == "PONG"
                              for p in self.rports[:3]), 20, "redis")
        for i, port in enumerate(self.rports[3:]):
            d = os.path.join(self.work, f"sentinel{i}")
            os.makedirs(d)
            path = os.path.join(d, "sentinel.conf")
            with open(path, "w") as f:
                f.write(f"port {port}\nbind 127.0.0.1\ndir {d}\n"
                        f"sentinel monitor {MASTER} 127.0.0.1 "
                        f"{self.master_port} 2\n"
                        f"sentinel down-after-milliseconds {MASTER} 1000\n"
                        f"sentinel failover-timeout {MASTER} 5000\n"
                        f"sentinel parallel-syncs {MASTER} 2\n")
            self.spawn(f"sentinel{i}", ["redis-server", path, "--sentinel"])
        self.wait(lambda: all(
            "127.0.0.1" in redis_cli(p, "SENTINEL", "get-master-addr-by-name",
                                     MASTER) for p in self.rports[3:]),
            20, "sentinels")
        self.sentinel_uri = "sentinel://" + ",".join(
            f"127.0.0.1:{p}" for p in self.rports[3:]) + "/" + MASTER

    def write_config(self, name, role, extra=()):
        d = os.path.join(self.work, name)
        os.makedirs(os.path.join(d, "state"), exist_ok=True)
        e = self.env
        lines = ["[ldap]", f"uri = {e['CW_LDAP_URI']}", "allow_plaintext = yes",
                 f"staff_base = {e['CW_STAFF_BASE']}",
                 f"hostclass_base = {e['CW_HOSTCLASS_BASE']}",
                 f"role_base = {e['CW_ROLE_BASE']}",
                 f"bind_dn = {e['CW_LDAP_ADMIN_DN']}",
                 f"bind_password_file = {e['CW_LDAP_ADMIN_PW_FILE']}",
                 "[redis]", f"uri = {self.sentinel_uri}", "timeout_ms = 1000"]
        if role == "host":
            lines = lines[lines.index("[redis]"):] + ["read_from = replica"]
        lines += ["[audit]", f"spool_dir = {d}/spool"]
        if role == "central":
            lines += ["writer = yes", f"directory = {self.work}/trail-{name}",
                      f"key_dir = {self.work}/keys", "key_id = k1"]
        lines += ["[daemon]", f"role = {role}",
                  f"socket = {d}/clearwayd.sock", f"state_dir = {d}/state",
                  "end_sessions_command = /bin/true"]
        if role == "central":
            lines += ["revocation_workers = 2", "redelivery_ms = 1000"]
        lines += list(extra)
        path = os.path.join(d, "clearway.conf")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path, f"{d}/clearwayd.sock"

    def start_daemon(self, name, role):
        conf, sock = self.write_config(name, role)
        # Each daemon is its own host: its own UTS namespace and name
        # (the name its audit stream and events carry).
        self.spawn(name, ["unshare", "--uts", "sh", "-c",
                          'hostname "$0" && exec "$@"', name,
                          self.clearwayd, "-f", "-c", conf])
        return conf, sock

    def start_daemons(self):
        keys = os.path.join(self.work, "keys")
        os.makedirs(keys, mode=0o700)
        with open(os.path.join(keys, "k1.key"), "w") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(os.urandom(32).hex() + "\n")
        self.central = [self.start_daemon(f"central{i}", "central")
                        for i in range(2)]
        self.hosts = []
        for i in range(self.args.hosts):
            self.hosts.append((f"host{i:04d}",) +
                              self.start_daemon(f"host{i:04d}", "host"))
            if i % 20 == 19:
                time.sleep(0.2)     # a start wave, not a thundering herd
        t0 = time.monotonic()
        self.wait(lambda: all(self.ready(h[2]) for h in self.hosts), 600,
                  "hosts ready")
        log(f"{len(self.hosts)} hosts answering from policy data "
            f"{time.monotonic() - t0:.1f} s after the last start")

    @staticmethod
    def ready(sock):
        """Answers from policy data (any reason but "policy_unavailable")."""
        d = decision(sock, "s000001")
        return d is not None and d[1] not in (None, "policy_unavailable")

    def wait(self, pred, limit, what):
        _lib.wait_for(pred, limit, f"{what} (work dir {self.work})")

    def pick_users(self, n):
        """Staff every host allows now (checked on the first host)."""
        users = []
        i = 1
        sock = self.hosts[0][2]
        while len(users) < n and i <= self.args.staff:
            u = f"s{i:06d}"
            d = decision(sock, u)
            if d and d[0] == "allow":
                users.append(u)
            i += 1
        return users

    # ------------------------------------------------------------ measures
    def host_pids(self):
        return [self.procs[h[0]].pid for h in self.hosts]

    def cpu_rss(self, seconds, during=None):
        pids = self.host_pids()
        c0 = [proc_cpu_s(p) or 0 for p in pids]
        r0 = {p: redis_info(p, "cpu") for p in self.rports[:3]}
        t0 = time.monotonic()
        if during:
            during()
        rest = seconds - (time.monotonic() - t0)
        if rest > 0:
            time.sleep(rest)
        dt = time.monotonic() - t0
        c1 = [proc_cpu_s(p) or 0 for p in pids]
        r1 = {p: redis_info(p, "cpu") for p in self.rports[:3]}
        cpu = [(b - a) / dt * 100 for a, b in zip(c0, c1)]
        rss = [proc_rss_kib(p) or 0 for p in pids]

        def rcpu(p):
            try:
                return ((float(r1[p]["used_cpu_sys"]) +
                         float(r1[p]["used_cpu_user"])) -
                        (float(r0[p]["used_cpu_sys"]) +
                         float(r0[p]["used_cpu_user"]))) / dt * 100
            except (KeyError, ValueError):
                return None
        return {"seconds": round(dt, 1),
                "host_cpu_pct_median": round(statistics.median(cpu), 3),
                "host_cpu_pct_max": round(max(cpu), 3),
                "host_rss_mib_median": round(statistics.median(rss) / 1024, 1),
                "host_rss_mib_max": round(max(rss) / 1024, 1),
                "redis_cpu_pct": {str(p): rcpu(p) for p in self.rports[:3]}}

    def connections(self):
        return {str(p): redis_info(p, "clients").get("connected_clients")
                for p in self.rports[:3]}

    def leaver_rounds(self, users, kill_at=None):
        """Files each user as a leaver from central0 and polls every host
        until all deny it; returns per-leaver seconds to the last host."""
        results, revoked, late_allows = [], [], 0
        firsts, middles = [], []
        pids = self.host_pids()
        cpu0 = sum(proc_cpu_s(p) or 0 for p in pids)
        r0 = {p: redis_info(p, "cpu") for p in self.rports[:3]}
        conf = self.central[0][0]
        sweeps = []
        for k, user in enumerate(users):
            if kill_at is not None and k == kill_at:
                self.kill_master()
            t0 = time.monotonic()
            for attempt in range(60):
                p = subprocess.run([self.ctl, "-c", conf, "leaver", user,
                                    "--reason", "fleet bench"],
                                   capture_output=True, text=True)
                if p.returncode == 0:
                    break
                if attempt == 0:
                    log(f"leaver {user}: {p.stdout.strip()} "
                        f"{p.stderr.strip()} (retrying)")
                # A central that lost its master says so; filing again is
                # what an operator does (the CLI told them not recorded).
                time.sleep(0.5)
            else:
                log(f"leaver {user} never recorded")
                continue
            t_ret = time.monotonic()
            pending = {h[2] for h in self.hosts}
            denied_at = {}
            while pending and time.monotonic() - t_ret < 120:
                s0 = time.monotonic()
                for sock, (verdict, dt) in sweep(pending, user).items():
                    if verdict == "deny":
                        pending.discard(sock)
                        denied_at[sock] = s0 - t_ret + dt
                sweeps.append(time.monotonic() - s0)
            if pending:
                log(f"leaver {user}: {len(pending)} hosts still allow "
                    f"after 120 s")
            # Every earlier leaver stays denied on every host.
            for old in revoked[-3:]:
                late_allows += sum(1 for v, _ in sweep(
                    [h[2] for h in self.hosts], old).values()
                    if v == "allow")
            results.append(max(denied_at.values()) if denied_at else None)
            if denied_at:
                firsts.append(min(denied_at.values()))
                middles.append(statistics.median(denied_at.values()))
            revoked.append(user)
        got = [r for r in results if r is not None]
        cpu1 = sum(proc_cpu_s(p) or 0 for p in pids)
        r1 = {p: redis_info(p, "cpu") for p in self.rports[:3]}
        return {"leavers": len(users), "measured": len(got),
                # What one host spends on one leaver (its wake-up, the
                # delta, ending sessions, its audit event), and each
                # Redis server, from /proc and INFO cpu over the round
                # (the probes' checks included).
                "host_cpu_ms_per_leaver": round(
                    (cpu1 - cpu0) * 1000 / len(pids) / max(1, len(got)), 2),
                "redis_cpu_ms_per_leaver": {
                    str(p): round((cpu_total(r1[p]) - cpu_total(r0[p])) *
                                  1000 / max(1, len(got)), 1)
                    for p in self.rports[:3]
                    if p in r0 and p in r1 and r0[p] and r1[p]},
                "last_host_s_median": round(statistics.median(got), 3),
                "last_host_s_p99": round(pct(got, 99), 3),
                "last_host_s_max": round(max(got), 3),
                "first_host_s_median": round(statistics.median(firsts), 3),
                "median_host_s_median": round(statistics.median(middles), 3),
                "allows_after_deny": late_allows,
                "sweep_ms_median": round(statistics.median(sweeps) * 1000, 1),
                "file_to_return_note": "timed from the CLI's return"}

    def kill_master(self):
        for i in range(3):
            p = self.rports[i]
            if redis_info(p, "replication").get("role") == "master":
                log(f"kill -9 of the master (redis{i}, port {p})")
                self.procs[f"redis{i}"].send_signal(signal.SIGKILL)
                self.killed_master = p
                return

    def burst(self, n):
        def run():
            e = self.env
            changes = subprocess.run(
                [sys.executable, f"{HERE}/gen-changes.py", str(n),
                 "--seed", "9", "--staff", str(self.args.staff),
                 "--kinds", "training"],
                check=True, capture_output=True).stdout
            subprocess.run(["ldapmodify", "-c", "-x", "-H", e["CW_LDAP_URI"],
                            "-D", e["CW_LDAP_ADMIN_DN"], "-y",
                            e["CW_LDAP_ADMIN_PW_FILE"]], input=changes,
                           capture_output=True)
        net0 = {p: int(redis_info(p, "stats").get("total_net_output_bytes", 0))
                for p in self.rports[:3]}
        res = self.cpu_rss(15, during=run)
        net1 = {p: int(redis_info(p, "stats").get("total_net_output_bytes", 0))
                for p in self.rports[:3]}
        sent = sum(net1[p] - net0[p] for p in self.rports[:3])
        res["changes"] = n
        res["bytes_per_change_per_host"] = round(
            sent / n / len(self.hosts), 1)
        return res

    def stop(self):
        for name, p in self.procs.items():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        end = time.monotonic() + 20
        for p in self.procs.values():
            try:
                p.wait(max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
        subprocess.run(["bash", f"{TOP}/tests/rig/rig.sh", "stop",
                        os.path.join(self.work, "rig")], capture_output=True)
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--staff", type=int, default=2000)
    ap.add_argument("--leavers", type=int, default=100)
    ap.add_argument("--failover-leavers", type=int, default=30)
    ap.add_argument("--burst", type=int, default=500)
    ap.add_argument("--settle", type=int, default=30,
                    help="seconds after the fleet is ready before idle")
    ap.add_argument("--build", default=os.path.join(TOP, "build", "release"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    fl = Fleet(args)
    report = {"hosts": args.hosts, "staff": args.staff}
    try:
        log(f"work dir {fl.work}")
        fl.start_rig()
        fl.start_redis()
        fl.start_daemons()
        report["connections_ready"] = fl.connections()
        # The start's own work (full loads, the writer's first reads)
        # is not idle.
        time.sleep(args.settle)
        report["idle"] = fl.cpu_rss(20)
        log(f"idle: {report['idle']}")
        if args.burst > 0:
            report["burst"] = fl.burst(args.burst)
            log(f"burst: {report['burst']}")
        users = fl.pick_users(args.leavers + args.failover_leavers)
        report["connections_leavers"] = fl.connections()
        report["leavers"] = fl.leaver_rounds(users[:args.leavers])
        log(f"leavers: {report['leavers']}")
        if args.failover_leavers > 0:
            report["failover"] = fl.leaver_rounds(
                users[args.leavers:],
                kill_at=min(5, args.failover_leavers - 1))
            log(f"failover: {report['failover']}")
        report["connections_end"] = fl.connections()
    finally:
        fl.stop()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "fleet.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
