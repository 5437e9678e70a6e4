# SPDX-License-Identifier: MIT
"""A small Clearway fleet with real parts and real network namespaces.

Used by tests/faults/fleet_faults.py (the fault suite).  Everything lives
in one work directory and, since the caller runs inside its own network
and mount namespaces (`unshare --net --mount`, see fleet_faults.py), in
a network of its own: nothing here touches the machine's interfaces.

    hub (the caller's namespace; forwards between the others)
      lo 127.0.0.1         slapd provider's own listener (the rig's tools)
      lo 10.232.0.1        three sentinels
      lo 10.232.0.2        slapd provider (ldaps, the rig's CA)
      lo 10.232.0.3        slapd consumer (syncrepl from the provider)
      cw<N>a 10.231.N.1 -- veth -- 10.231.N.2 in namespace <node>
    nodes, one namespace each, default route via the hub:
      redis0..2   a Redis server (redis0 the first master, two replicas)
      central0..1 clearwayd role = central (sync leader by lease, queue
                  workers, audit writer by lease, one shared trail)
      host0..     clearwayd role = host (read_from = replica), its audit
                  spool on a tmpfs of its own (for the disk-full fault)

A partition is a route: `ip route add blackhole ADDR` in a node (cut one
peer) or the node's link set down (cut it from everyone).  Daemons and
servers are children of this process, started in their namespaces with
`ip netns exec`; kill/SIGSTOP go to those pids.
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
HOST_CLASS = "general-hosts"
MASTER = "cw"
SENTINEL_IP = "10.232.0.1"
PROVIDER_IP = "10.232.0.2"
CONSUMER_IP = "10.232.0.3"
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"


def run(argv, check=True, timeout=60, **kw):
    return subprocess.run(argv, check=check, capture_output=True, text=True,
                          timeout=timeout, **kw)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def ask(path, req, timeout=2.0):
    """One framed JSON exchange with a daemon (core/wire.h); None if it
    did not answer."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        body = json.dumps(dict(req, v=1)).encode()
        s.sendall(struct.pack(">I", len(body)) + body)
        buf = b""
        while len(buf) < 4:
            chunk = s.recv(4 - len(buf))
            if not chunk:
                return None
            buf += chunk
        (n,) = struct.unpack(">I", buf)
        data = b""
        while len(data) < n:
            chunk = s.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return json.loads(data)
    except (OSError, ValueError):
        return None
    finally:
        s.close()


def verdict(sock, user, mode="login"):
    r = ask(sock, {"op": "check", "user": user, "host_class": HOST_CLASS,
                   "mode": mode})
    return (r.get("verdict"), r.get("reason")) if r else (None, None)


def wait_for(pred, limit, what):
    """Until pred() is true (an exception counts as false), at most
    limit seconds; RuntimeError naming what otherwise."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            if pred():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


class Node:
    """A network namespace with one veth link to the hub."""

    def __init__(self, name, idx):
        self.name, self.idx = name, idx
        self.ip = f"10.231.{idx}.2"
        self.hub_ip = f"10.231.{idx}.1"
        self.blackholes = set()
        run(["ip", "netns", "add", name])
        a, b = f"cw{idx}a", f"cw{idx}b"
        run(["ip", "link", "add", a, "type", "veth", "peer", "name", b])
        run(["ip", "link", "set", b, "netns", name])
        run(["ip", "addr", "add", f"{self.hub_ip}/30", "dev", a])
        run(["ip", "link", "set", a, "up"])
        run(["ip", "-n", name, "addr", "add", f"{self.ip}/30", "dev", b])
        run(["ip", "-n", name, "link", "set", b, "up"])
        run(["ip", "-n", name, "link", "set", "lo", "up"])
        run(["ip", "-n", name, "route", "add", "default", "via",
             self.hub_ip])

    def exec(self):
        return ["ip", "netns", "exec", self.name]

    def link(self, up):
        state = "up" if up else "down"
        run(["ip", "link", "set", f"cw{self.idx}a", state])
        run(["ip", "-n", self.name, "link", "set", f"cw{self.idx}b", state])
        if up:      # a link set down loses its default route
            run(["ip", "-n", self.name, "route", "replace", "default",
                 "via", self.hub_ip])

    def blackhole(self, addr, on):
        if on and addr not in self.blackholes:
            run(["ip", "-n", self.name, "route", "add", "blackhole",
                 f"{addr}/32"])
            self.blackholes.add(addr)
        elif not on and addr in self.blackholes:
            run(["ip", "-n", self.name, "route", "del", "blackhole",
                 f"{addr}/32"], check=False)
            self.blackholes.discard(addr)

    def delete(self):
        run(["ip", "link", "del", f"cw{self.idx}a"], check=False)
        run(["ip", "netns", "del", self.name], check=False)


class Proc:
    """A child process that can be killed and started again the same way."""

    def __init__(self, name, argv, logpath, env=None):
        self.name, self.argv, self.logpath, self.env = name, argv, logpath, env
        self.p = None
        self.stopped = False

    def start(self):
        logf = open(self.logpath, "ab")
        env = dict(os.environ, **(self.env or {}))
        self.p = subprocess.Popen(self.argv, stdout=logf, stderr=logf,
                                  stdin=subprocess.DEVNULL, env=env)
        logf.close()
        self.stopped = False

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def signal(self, sig):
        if self.alive():
            self.p.send_signal(sig)
            if sig == signal.SIGSTOP:
                self.stopped = True
            elif sig == signal.SIGCONT:
                self.stopped = False

    def kill9(self):
        if self.alive():
            self.p.send_signal(signal.SIGKILL)
            self.p.wait(10)
        self.stopped = False

    def stop(self, timeout=15):
        if not self.alive():
            return
        if self.stopped:
            self.p.send_signal(signal.SIGCONT)
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(5)


class Fleet:
    def __init__(self, work, build, hosts, staff, offline_grace, log):
        self.work, self.build, self.nhosts = work, build, hosts
        self.staff, self.grace, self.log = staff, offline_grace, log
        self.clearwayd = os.path.join(build, "daemon", "clearwayd")
        self.ctl = os.path.join(build, "cli", "clearwayctl")
        self.module = os.path.join(build, "pam_module", "pam_clearway.so")
        self.nodes, self.procs, self.env = {}, {}, {}
        self.redis_names = ["redis0", "redis1", "redis2"]
        self.sentinel_ports = []
        self.daemons = {}       # name -> (conf, sock)

    # ---------------------------------------------------------- network
    def start_network(self):
        run(["ip", "link", "set", "lo", "up"])
        for ip in (SENTINEL_IP, PROVIDER_IP, CONSUMER_IP):
            run(["ip", "addr", "add", f"{ip}/32", "dev", "lo"])
        with open("/proc/sys/net/ipv4/ip_forward", "w") as f:
            f.write("1\n")
        names = (self.redis_names + ["central0", "central1"] +
                 [f"host{i}" for i in range(self.nhosts)])
        for i, name in enumerate(names):
            self.nodes[name] = Node(name, i + 1)

    # ---------------------------------------------------------- LDAP
    def start_ldap(self):
        rig = os.path.join(self.work, "rig")
        self.ext_port = free_port()
        self.ldap_env = {"CW_RIG_TLS_IPS": f"{PROVIDER_IP} {CONSUMER_IP}",
                         "CW_RIG_LISTEN":
                         f"ldaps://{PROVIDER_IP}:{self.ext_port}/"}
        env = dict(os.environ, **self.ldap_env)
        run(["bash", f"{TOP}/tests/rig/rig.sh", "start", rig, "--tls"],
            env=env)
        ldif = os.path.join(self.work, "dir.ldif")
        with open(ldif, "w") as f:
            subprocess.run([sys.executable, f"{TOP}/bench/gen-directory.py",
                            str(self.staff), "--seed", "1"], check=True,
                           stdout=f)
        run(["bash", f"{TOP}/tests/rig/rig.sh", "bulkload", rig, ldif],
            env=env, timeout=300)
        run(["bash", f"{TOP}/tests/rig/rig.sh", "stop-redis", rig], env=env)
        with open(os.path.join(rig, "env")) as f:
            for line in f:
                if "=" in line and not line.startswith("#"):
                    k, v = line.strip().split("=", 1)
                    self.env[k] = v.strip("'\"")
        self.rig = rig
        # An elevation role every valid user may hold (the generated
        # directory's admin roles need high clearance): the fault suite
        # grants it.
        base = self.env["CW_LDAP_BASE"]
        if self.ldapmodify(
                f"dn: cn=fault-admin,{self.env['CW_ROLE_BASE']}\n"
                "changetype: add\nobjectClass: cwRoleDef\ncn: fault-admin\n"
                "cwRequiredClearance: none\ncwMaxElevation: 3600\n"
                "cwPrivileged: TRUE\n\n"
                f"dn: cn={HOST_CLASS},{self.env['CW_HOSTCLASS_BASE']}\n"
                "changetype: modify\nadd: cwAdminRole\n"
                "cwAdminRole: fault-admin\n") != 0:
            raise RuntimeError(f"cannot add role fault-admin under {base}")
        self.provider_uri = f"ldaps://{PROVIDER_IP}:{self.ext_port}/"
        self.start_consumer()

    def slapd_pid(self):
        try:
            with open(os.path.join(self.rig, "slapd.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def provider(self, action):
        """kill9 | start: the rig's slapd (the provider)."""
        if action == "kill9":
            pid = self.slapd_pid()
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                for _ in range(100):
                    if not os.path.exists(f"/proc/{pid}"):
                        break
                    time.sleep(0.05)
        else:
            run(["bash", f"{TOP}/tests/rig/rig.sh", "start-slapd", self.rig],
                env=dict(os.environ, **self.ldap_env), check=False)

    def start_consumer(self):
        d = os.path.join(self.work, "consumer")
        os.makedirs(os.path.join(d, "data"))
        with open(os.path.join(self.rig, "slapd.conf")) as f:
            conf = f.read()
        pw = open(self.env["CW_LDAP_ADMIN_PW_FILE"]).read().strip()
        conf = conf.replace(f'"{self.rig}/slapd.pid"', f'"{d}/slapd.pid"')
        conf = conf.replace(f'"{self.rig}/slapd.args"', f'"{d}/slapd.args"')
        conf = conf.replace(f'"{self.rig}/data"', f'"{d}/data"')
        # A read-only replica of the provider; it serves syncrepl itself
        # (the syncprov overlay stays), so a central may sync from it.
        sync = (f'syncrepl rid=001 provider=ldap://127.0.0.1:'
                f'{self.env["CW_LDAP_PORT"]}/ bindmethod=simple '
                f'binddn="{self.env["CW_LDAP_ADMIN_DN"]}" credentials="{pw}" '
                f'searchbase="{self.env["CW_LDAP_BASE"]}" '
                f'type=refreshAndPersist retry="1 +" timeout=3\n'
                f'updateref ldap://127.0.0.1:{self.env["CW_LDAP_PORT"]}/\n')
        conf = conf.replace("dbnosync\n", "dbnosync\n" + sync, 1)
        with open(os.path.join(d, "slapd.conf"), "w") as f:
            f.write(conf)
        self.consumer_port = free_port()
        self.consumer_uri = f"ldaps://{CONSUMER_IP}:{self.consumer_port}/"
        self.procs["consumer"] = Proc(
            "consumer", ["/usr/sbin/slapd", "-f", f"{d}/slapd.conf", "-h",
                         self.consumer_uri, "-d", "0"],
            os.path.join(self.work, "consumer.log"))
        self.procs["consumer"].start()

    # ---------------------------------------------------------- Redis
    def redis_conf(self, name, master_ip=None):
        node = self.nodes[name]
        d = os.path.join(self.work, name)
        os.makedirs(d, exist_ok=True)
        conf = [f"port 6379", f"bind {node.ip}", f"dir {d}",
                "appendonly yes", "appendfsync always", "save ''",
                "protected-mode no", "maxclients 4000",
                # docs/sentinel.md: a master cut off from every replica
                # stops taking writes.
                "min-replicas-to-write 1", "min-replicas-max-lag 5"]
        if master_ip:
            conf.append(f"replicaof {master_ip} 6379")
        path = os.path.join(d, "redis.conf")
        with open(path, "w") as f:
            f.write("\n".join(conf) + "\n")
        return path

    def start_redis(self):
        master_ip = self.nodes["redis0"].ip
        for i, name in enumerate(self.redis_names):
            path = self.redis_conf(name, master_ip if i else None)
            self.procs[name] = Proc(name, self.nodes[name].exec() +
                                    ["redis-server", path],
                                    os.path.join(self.work, name + ".log"))
            self.procs[name].start()
        self.wait(lambda: all(self.rcli(n, "PING") == "PONG"
                              for n in self.redis_names), 20, "redis")
        for i in range(3):
            port = free_port()
            self.sentinel_ports.append(port)
            d = os.path.join(self.work, f"sentinel{i}")
            os.makedirs(d)
            path = os.path.join(d, "sentinel.conf")
            with open(path, "w") as f:
                f.write(f"port {port}\nbind {SENTINEL_IP}\ndir {d}\n"
                        f"sentinel announce-ip {SENTINEL_IP}\n"
                        f"sentinel monitor {MASTER} {master_ip} 6379 2\n"
                        f"sentinel down-after-milliseconds {MASTER} 1000\n"
                        f"sentinel failover-timeout {MASTER} 5000\n"
                        f"sentinel parallel-syncs {MASTER} 2\n")
            self.procs[f"sentinel{i}"] = Proc(
                f"sentinel{i}", ["redis-server", path, "--sentinel"],
                os.path.join(self.work, f"sentinel{i}.log"))
            self.procs[f"sentinel{i}"].start()
        self.wait(lambda: all(
            master_ip in self.scli(p, "SENTINEL", "get-master-addr-by-name",
                                   MASTER) for p in self.sentinel_ports),
            20, "sentinels")
        self.sentinel_uri = "sentinel://" + ",".join(
            f"{SENTINEL_IP}:{p}" for p in self.sentinel_ports) + "/" + MASTER

    def rcli(self, name, *args, timeout=5):
        try:
            return run(["redis-cli", "-h", self.nodes[name].ip, "-p", "6379",
                        *args], check=False, timeout=timeout).stdout.strip()
        except subprocess.TimeoutExpired:
            return ""

    def scli(self, port, *args):
        try:
            return run(["redis-cli", "-h", SENTINEL_IP, "-p", str(port),
                        *args], check=False, timeout=5).stdout
        except subprocess.TimeoutExpired:
            return ""

    def master(self):
        """The Redis server the sentinels name master now (a node name)."""
        for p in self.sentinel_ports:
            out = self.scli(p, "SENTINEL", "get-master-addr-by-name",
                            MASTER).split()
            if out:
                for n in self.redis_names:
                    if self.nodes[n].ip == out[0]:
                        return n
        return None

    # ---------------------------------------------------------- daemons
    def write_config(self, name, role):
        d = os.path.join(self.work, name)
        os.makedirs(os.path.join(d, "state"), exist_ok=True)
        os.makedirs(os.path.join(d, "spool"), exist_ok=True)
        os.chmod(d, 0o755)
        e = self.env
        lines = ["[ldap]",
                 f"uri = {self.provider_uri} {self.consumer_uri}",
                 f"ca_file = {e['CW_TLS_CA']}",
                 f"staff_base = {e['CW_STAFF_BASE']}",
                 f"hostclass_base = {e['CW_HOSTCLASS_BASE']}",
                 f"role_base = {e['CW_ROLE_BASE']}",
                 f"bind_dn = {e['CW_LDAP_ADMIN_DN']}",
                 f"bind_password_file = {e['CW_LDAP_ADMIN_PW_FILE']}",
                 "timeout_ms = 2000",
                 "[redis]", f"uri = {self.sentinel_uri}", "timeout_ms = 1000"]
        if role == "host":
            lines = lines[lines.index("[redis]"):] + ["read_from = replica"]
        lines += ["[audit]", f"spool_dir = {d}/spool",
                  f"metrics_file = {d}/clearway.prom"]
        if role == "central":
            lines += ["writer = yes", f"directory = {self.work}/trail",
                      f"key_dir = {self.work}/keys", "key_id = k1"]
        lines += ["[daemon]", f"role = {role}",
                  f"socket = {d}/clearwayd.sock", f"state_dir = {d}/state",
                  "end_sessions_command = /bin/true"]
        if role == "host":
            lines.append(f"offline_grace = {self.grace}s")
        else:
            lines += ["revocation_workers = 2", "redelivery_ms = 1000"]
        path = os.path.join(d, "clearway.conf")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path, f"{d}/clearwayd.sock"

    def start_daemons(self, faketime_host=None):
        keys = os.path.join(self.work, "keys")
        os.makedirs(keys, mode=0o700)
        with open(os.path.join(keys, "k1.key"), "w") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(os.urandom(32).hex() + "\n")
        os.makedirs(os.path.join(self.work, "trail"), mode=0o700)
        self.hosts = [f"host{i}" for i in range(self.nhosts)]
        self.centrals = ["central0", "central1"]
        for name in self.centrals + self.hosts:
            role = "central" if name.startswith("central") else "host"
            conf, sock = self.write_config(name, role)
            if role == "host":
                # Its own small disk for the spool: the disk-full fault.
                run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755",
                     "tmpfs", os.path.join(self.work, name, "spool")])
            env = None
            pre = []
            if name == faketime_host:
                # A clock that a fault can step: libfaketime reads the
                # offset from a file (re-read every second); the
                # monotonic clock stays true.
                self.clock_file = os.path.join(self.work, "clock-offset")
                with open(self.clock_file, "w") as f:
                    f.write("+0\n")
                env = {"FAKETIME_TIMESTAMP_FILE": self.clock_file,
                       "FAKETIME_CACHE_DURATION": "1",
                       "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                       "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") +
                       ":verify_asan_link_order=0"}
                pre = ["env", f"LD_PRELOAD={FAKETIME}"]
            argv = (self.nodes[name].exec() +
                    ["unshare", "--uts", "sh", "-c",
                     'hostname "$0" && exec "$@"', name] + pre +
                    [self.clearwayd, "-f", "-c", conf])
            self.procs[name] = Proc(name, argv,
                                    os.path.join(self.work, name + ".log"),
                                    env)
            self.procs[name].start()
            self.daemons[name] = (conf, sock)
        self.wait(lambda: all(self.ready(self.daemons[h][1])
                              for h in self.hosts + self.centrals), 180,
                  "every daemon answering from policy data")

    @staticmethod
    def ready(sock):
        v = verdict(sock, "s000001")
        return v[0] is not None and v[1] != "policy_unavailable"

    def ctl_run(self, central, *args, timeout=30):
        conf = self.daemons[central][0]
        try:
            p = run([self.ctl, "-c", conf, "--json", *args], check=False,
                    timeout=timeout)
            return p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            return 124, "", "timeout"

    def ldapmodify(self, ldif):
        e = self.env
        p = subprocess.run(["ldapmodify", "-x", "-H",
                            f"ldap://127.0.0.1:{e['CW_LDAP_PORT']}/", "-D",
                            e["CW_LDAP_ADMIN_DN"], "-y",
                            e["CW_LDAP_ADMIN_PW_FILE"]], input=ldif,
                           capture_output=True, text=True, timeout=20,
                           env=dict(os.environ, LDAPNOINIT="1"))
        return p.returncode

    def wait(self, pred, limit, what):
        wait_for(pred, limit, f"{what} (work dir {self.work})")

    def stop(self):
        for name in self.hosts + self.centrals if hasattr(self, "hosts") \
                else []:
            if name in self.procs:
                self.procs[name].stop()
        for p in self.procs.values():
            p.stop()
        if hasattr(self, "rig"):
            run(["bash", f"{TOP}/tests/rig/rig.sh", "stop", self.rig],
                check=False)
        for n in self.nodes.values():
            n.delete()
