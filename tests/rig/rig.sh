#!/bin/bash
# SPDX-License-Identifier: MIT
# Throwaway test rig: a real slapd and a real redis-server living entirely
# in one directory, on free loopback ports, for integration tests.
#
#   rig.sh start DIR [--tls] [--no-sessionlog]
#                                  fresh rig in DIR (wipes a previous rig there)
#   rig.sh stop DIR [--clean]      stop both servers; --clean also removes DIR
#   rig.sh stop-slapd DIR | start-slapd DIR | restart-slapd DIR
#                                  outage (or restart) of the directory only
#   rig.sh stop-redis DIR | start-redis DIR   outage of redis only
#   rig.sh load DIR FILE.ldif      ldapadd FILE as the rig's admin ("-" = stdin)
#   rig.sh bulkload DIR FILE.ldif  slapadd FILE offline (fast; "-" = stdin)
#   rig.sh status DIR              say which servers are up (exit 1 if any is down)
#
# After start, DIR/env describes the rig (see write_env); use it with
#   set -a; . DIR/env; set +a
# Restarts keep ports and data, so a client configured once keeps working.
#
# Start options (any order after DIR, remembered for restarts):
#   --tls            a throwaway CA in DIR/tls signs slapd's certificate,
#                    whose subjectAltName is IP:127.0.0.1 only; slapd also
#                    listens on ldaps://127.0.0.1:CW_LDAPS_PORT/ and offers
#                    StartTLS on the plain port.  The env file then has
#                    CW_LDAPS_URI, CW_LDAPS_WRONG_HOST_URI (ldaps://localhost:
#                    same port: a host name mismatch), CW_LDAP_STARTTLS_URI
#                    (= CW_LDAP_URI), CW_TLS_CA, and CW_TLS_OTHER_CA (a CA
#                    that signed nothing slapd uses: "unknown CA").
#                    libldap ignores LDAPTLS_* while LDAPNOINIT is set, so:
#                      env -u LDAPNOINIT LDAPTLS_CACERT="$CW_TLS_CA" \
#                          ldapsearch -H "$CW_LDAPS_URI" -x -b '' -s base
#   --no-sessionlog  syncprov without syncprov-sessionlog: a sync resumed
#                    from a cookie gets a present phase instead of the
#                    deleted entryUUIDs.
# The env file says which with CW_LDAP_TLS and CW_LDAP_SESSIONLOG (yes/no).
#
# bulkload stops slapd, runs "slapadd -q -w" into the rig's database and
# starts slapd again on the same ports, printing the time taken.  slapadd
# gives every entry an entryUUID and entryCSN, and -w moves the suffix's
# contextCSN past them, so a sync cookie taken before the load still sees
# every loaded entry.  The entries' parents must exist (start creates
# ou=people, ou=hostclasses, ou=roles and ou=policies).  -q skips
# consistency checks: a failed load can leave the database unusable, so
# start a fresh rig after one.
#
# Tunables (environment): CW_RIG_TIMEOUT (seconds to wait for a server,
# default 20), CW_RIG_SLAPD_DEBUG (slapd -d level, e.g. "stats", default 0;
# logs go to DIR/slapd.log), CW_RIG_SCHEMA (schema file to include),
# CW_RIG_TLS_IPS (more IP addresses for the --tls certificate's
# subjectAltName, space-separated) and CW_RIG_LISTEN (more slapd listener
# URLs, e.g. "ldaps://10.232.0.2:636/", for tests whose clients live in
# other network namespaces; give it again on every start-slapd).
set -euo pipefail

# slapd and slappasswd are in /usr/sbin, which an ordinary user's PATH lacks.
PATH=$PATH:/usr/sbin:/sbin
# The rig's own LDAP calls must not pick up ~/.ldaprc or /etc/ldap/ldap.conf
# (a BASE or TLS setting there would change what they do).
export LDAPNOINIT=1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
schema_file=${CW_RIG_SCHEMA:-$here/../../schema/clearway.schema}
timeout_s=${CW_RIG_TIMEOUT:-20}
slapd_debug=${CW_RIG_SLAPD_DEBUG:-0}

base='dc=clearway,dc=test'
admin_dn="cn=admin,$base"
marker=.clearway-rig   # proves a directory is ours before we wipe it

die() { echo "rig: $*" >&2; exit 1; }
say() { echo "rig: $*" >&2; }

usage() {
    sed -n '5,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ------------------------------------------------------------------ helpers

# Percent-encode for an ldapi:// URL, whose host part is the socket path.
urlenc() {
    local LC_ALL=C s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [A-Za-z0-9._~-]) out+=$c ;;
            *) printf -v c '%%%02X' "'$c"; out+=$c ;;
        esac
    done
    printf '%s' "$out"
}

# A port nobody listens on, below the kernel's ephemeral range so outgoing
# connections cannot take it between two restarts, and random so that rigs
# started in parallel rarely collide.
free_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + RANDOM % 12000))
        [[ " $* " == *" $p "* ]] && continue
        if [[ -z $(ss -Hltn "sport = :$p" 2>/dev/null) ]]; then
            echo "$p"
            return 0
        fi
    done
    die "no free TCP port found"
}

# Is PID a live process (zombies count as dead: nothing may reap them here)?
alive() {
    local pid=$1 state
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z && $state != X ]]
}

# Is PID the server we started (and not a recycled pid)?  slapd keeps its
# command line, which names this rig's slapd.conf; redis-server rewrites its
# process title to "redis-server 127.0.0.1:PORT".
ours() {
    local pid=$1 comm=$2 needle=$3 cmd
    alive "$pid" || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]] || return 1
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmd == *"$needle"* ]]
}

slapd_pid() {
    local pid
    pid=$(cat "$dir/slapd.pid" 2>/dev/null) || return 1
    ours "$pid" slapd " -f $dir/slapd.conf " && echo "$pid"
}

redis_pid() {
    local pid
    pid=$(cat "$dir/redis.pid" 2>/dev/null) || return 1
    ours "$pid" redis-server " 127.0.0.1:$CW_REDIS_PORT " && echo "$pid"
}

# Poll CHECK until it succeeds; give up after $timeout_s or as soon as the
# server process has died, showing its log.
wait_ready() {
    local what=$1 pid=$2 logfile=$3
    shift 3
    local deadline=$((SECONDS + timeout_s))
    while ! "$@" >/dev/null 2>&1; do
        if ! alive "$pid"; then
            say "$what exited during start-up; last lines of $logfile:"
            tail -n 40 "$logfile" >&2 || true
            return 1
        fi
        if ((SECONDS >= deadline)); then
            say "$what not ready after ${timeout_s}s; last lines of $logfile:"
            tail -n 40 "$logfile" >&2 || true
            return 1
        fi
        sleep 0.1
    done
}

# TERM, then KILL after a bounded wait.  Never fails: stopping a stopped
# server is not an error.
stop_pid() {
    local what=$1 pid=$2 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    say "$what ($pid) ignored SIGTERM for 10s; killing it"
    kill -KILL "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    say "$what ($pid) still alive after SIGKILL"
}

# DIR as an absolute path, refusing characters that slapd.conf, redis.conf
# or the env file could not carry safely.
set_dir() {
    [[ -n ${1:-} ]] || usage
    case $1 in *[\"\\\'$'\n']*) die "DIR must not contain quotes, backslashes or newlines: $1" ;; esac
    if [[ -d $1 ]]; then
        dir=$(cd "$1" && pwd)
    elif [[ $1 == /* ]]; then
        dir=$1
    else
        dir=$PWD/$1
    fi
}

load_env() {
    [[ -f $dir/$marker && -f $dir/env ]] || die "no rig in $dir (run: rig.sh start $dir)"
    # A caller that sourced another rig's env has these exported; an env
    # file from before --tls existed lacks them (and means: no TLS, a
    # session log).
    CW_LDAP_TLS=no CW_LDAP_SESSIONLOG=yes CW_LDAPS_PORT=
    # shellcheck disable=SC1091
    . "$dir/env"
}

# One variable per line, bare when the shell needs no quoting, so the file
# is also easy to read from other languages.
kv() {
    if [[ $2 =~ ^[A-Za-z0-9_./:%@=,+-]*$ ]]; then
        printf '%s=%s\n' "$1" "$2"
    else
        printf "%s='%s'\n" "$1" "$2"
    fi
}

write_env() {
    local spid rpid
    spid=$(slapd_pid) || spid=
    rpid=$(redis_pid) || rpid=
    {
        echo "# Clearway test rig, written by tests/rig/rig.sh; rewritten on every"
        echo "# (re)start.  Use: set -a; . $dir/env; set +a"
        kv CW_RIG_DIR "$dir"
        kv CW_LDAP_URI "ldap://127.0.0.1:$CW_LDAP_PORT/"
        kv CW_LDAP_PORT "$CW_LDAP_PORT"
        kv CW_LDAP_LDAPI_URI "ldapi://$(urlenc "$dir/ldapi")/"
        kv CW_LDAP_BASE "$base"
        kv CW_LDAP_ADMIN_DN "$admin_dn"
        kv CW_LDAP_ADMIN_PW_FILE "$dir/ldap-admin.pw"
        kv CW_STAFF_BASE "ou=people,$base"
        kv CW_HOSTCLASS_BASE "ou=hostclasses,$base"
        kv CW_ROLE_BASE "ou=roles,$base"
        kv CW_POLICY_DN "cn=default,ou=policies,$base"
        kv CW_REDIS_HOST 127.0.0.1
        kv CW_REDIS_PORT "$CW_REDIS_PORT"
        kv CW_REDIS_SOCKET "$dir/redis.sock"
        kv CW_SLAPD_PID "$spid"
        kv CW_REDIS_PID "$rpid"
        kv CW_LDAP_TLS "$CW_LDAP_TLS"
        kv CW_LDAP_SESSIONLOG "$CW_LDAP_SESSIONLOG"
        if [[ $CW_LDAP_TLS == yes ]]; then
            kv CW_LDAPS_PORT "$CW_LDAPS_PORT"
            kv CW_LDAPS_URI "ldaps://127.0.0.1:$CW_LDAPS_PORT/"
            kv CW_LDAPS_WRONG_HOST_URI "ldaps://localhost:$CW_LDAPS_PORT/"
            kv CW_LDAP_STARTTLS_URI "ldap://127.0.0.1:$CW_LDAP_PORT/"
            kv CW_TLS_CA "$dir/tls/ca.pem"
            kv CW_TLS_OTHER_CA "$dir/tls/other-ca.pem"
        fi
    } >"$dir/env.tmp"
    mv -f "$dir/env.tmp" "$dir/env"
}

# ------------------------------------------------------------ configuration

write_slapd_conf() {
    local hash uid
    hash=$(slappasswd -h '{SSHA}' -T "$dir/ldap-admin.pw")
    uid=$(id -u)
    cat >"$dir/slapd.conf" <<EOF
# Generated by tests/rig/rig.sh for a throwaway test directory.
include         /etc/ldap/schema/core.schema
include         /etc/ldap/schema/cosine.schema
include         /etc/ldap/schema/inetorgperson.schema
include         /etc/ldap/schema/nis.schema
# ppolicy's schema is built into slapd 2.5: including ppolicy.schema fails.
include         "$schema_file"

pidfile         "$dir/slapd.pid"
argsfile        "$dir/slapd.args"
$(tls_conf)

modulepath      /usr/lib/ldap
moduleload      back_mdb
moduleload      syncprov
moduleload      ppolicy

# ldapi:// with SASL EXTERNAL: whoever started the rig is the admin, as
# root is on a Debian slapd.
authz-regexp    "gidNumber=[0-9]+\\\\+uidNumber=$uid,cn=peercred,cn=external,cn=auth"
                "$admin_dn"

database        mdb
maxsize         1073741824
suffix          "$base"
rootdn          "$admin_dn"
rootpw          $hash
directory       "$dir/data"
# Throwaway data: skip fsync per transaction.  Committed data still
# survives a killed slapd (it is in the page cache), which is all outage
# tests need, and loading large sample sets gets much faster.
dbnosync

index           objectClass eq
index           uid,cn eq,sub
index           entryUUID,entryCSN eq

limits          dn.exact="$admin_dn" size=unlimited time=unlimited

access to attrs=userPassword
        by self write
        by anonymous auth
        by * none
access to *
        by * read

overlay         syncprov
syncprov-checkpoint 100 10
$(sessionlog_conf)

overlay         ppolicy
ppolicy_default "cn=default,ou=policies,$base"
EOF
}

tls_conf() {
    [[ $CW_LDAP_TLS == yes ]] || return 0
    cat <<EOF

# rig.sh start --tls: ldaps:// on CW_LDAPS_PORT, StartTLS on the plain port.
TLSCACertificateFile    "$dir/tls/ca.pem"
TLSCertificateFile      "$dir/tls/server.pem"
TLSCertificateKeyFile   "$dir/tls/server.key"
EOF
}

sessionlog_conf() {
    if [[ $CW_LDAP_SESSIONLOG == yes ]]; then
        echo "syncprov-sessionlog 1000"
    else
        echo "# rig.sh start --no-sessionlog: no syncprov-sessionlog, so a resumed"
        echo "# sync gets a present phase."
    fi
}

# A throwaway CA, slapd's key and certificate signed by it (valid for
# 127.0.0.1 only, by IP address: "localhost" is a host name mismatch, and
# the subject CN is no host name either, as libldap falls back to it), and
# an unrelated CA.  EC P-256 keys: generation takes a few milliseconds.
make_tls() {
    local t=$dir/tls ec
    mkdir -p "$t"
    chmod 755 "$t"   # certificates for anyone; the keys are 0600
    cat >"$t/openssl.cnf" <<EOF
# Generated by tests/rig/rig.sh: extensions of the rig's test certificates.
[req]
distinguished_name = req_dn
[req_dn]
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1$(for ip in ${CW_RIG_TLS_IPS:-}; do printf ', IP:%s' "$ip"; done)
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc)
    if ! (
        umask 077
        set -e
        export OPENSSL_CONF=$t/openssl.cnf
        cd "$t"
        openssl req -x509 -config openssl.cnf -extensions ca_ext "${ec[@]}" -days 2 \
            -subj "/O=Clearway test rig/CN=Clearway rig test CA" \
            -keyout ca.key -out ca.pem
        openssl req -x509 -config openssl.cnf -extensions ca_ext "${ec[@]}" -days 2 \
            -subj "/O=Clearway test rig/CN=Clearway rig unrelated CA" \
            -keyout other-ca.key -out other-ca.pem
        openssl req -new -config openssl.cnf "${ec[@]}" \
            -subj "/O=Clearway test rig/CN=Clearway rig slapd" \
            -keyout server.key -out server.csr
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -days 2 \
            -extfile openssl.cnf -extensions server_ext -out server.pem
        rm -f server.csr
        chmod 644 ca.pem other-ca.pem server.pem
    ) >"$t/openssl.log" 2>&1; then
        cat "$t/openssl.log" >&2
        die "generating the test certificates failed"
    fi
}

write_redis_conf() {
    cat >"$dir/redis.conf" <<EOF
# Generated by tests/rig/rig.sh for a throwaway test directory.
bind 127.0.0.1
port $CW_REDIS_PORT
unixsocket "$dir/redis.sock"
unixsocketperm 700
daemonize no
pidfile "$dir/redis.pid"
# Logs go to stdout, which rig.sh sends to DIR/redis.log together with any
# start-up error printed before the log is opened.
logfile ""
dir "$dir/redis"
# Durable the way production is meant to be: every write is in the AOF
# before it is acknowledged, and there are no RDB snapshots.
appendonly yes
appendfsync always
save ""
EOF
}

base_ldif() {
    cat <<EOF
dn: $base
objectClass: dcObject
objectClass: organization
dc: clearway
o: Clearway test rig

dn: ou=people,$base
objectClass: organizationalUnit
ou: people

dn: ou=hostclasses,$base
objectClass: organizationalUnit
ou: hostclasses

dn: ou=roles,$base
objectClass: organizationalUnit
ou: roles

dn: ou=policies,$base
objectClass: organizationalUnit
ou: policies

# No pwdMaxFailure: failed binds never lock anyone out by themselves, but an
# admin setting pwdAccountLockedTime does (that needs pwdLockout TRUE).
dn: cn=default,ou=policies,$base
objectClass: device
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdLockout: TRUE
EOF
}

# ------------------------------------------------------------------ servers

ldap_ping() {
    ldapsearch -x -H "$1" -o nettimeout=2 -l 2 -b '' -s base -LLL '(objectClass=*)' 1.1
}

# ldap_ping over TLS, verifying slapd's certificate against the rig's CA.
# libldap reads LDAPTLS_* only without LDAPNOINIT; they override any
# ldap.conf or ldaprc setting.
ldaps_ping() {
    env -u LDAPNOINIT LDAPTLS_CACERT="$dir/tls/ca.pem" LDAPTLS_REQCERT=demand \
        ldapsearch -x -H "$1" -o nettimeout=2 -l 2 -b '' -s base -LLL '(objectClass=*)' 1.1
}

redis_ping() {
    [[ $(timeout 3 redis-cli "$@" ping 2>/dev/null) == PONG ]]
}

do_start_slapd() {
    local pid ldapi ldaps=
    if pid=$(slapd_pid); then
        say "slapd already running (pid $pid)"
        return 0
    fi
    ldapi="ldapi://$(urlenc "$dir/ldapi")/"
    [[ $CW_LDAP_TLS == yes ]] && ldaps="ldaps://127.0.0.1:$CW_LDAPS_PORT/"
    rm -f "$dir/ldapi"   # a socket left by a killed slapd blocks the listener
    echo "--- $(date -u +%FT%TZ) starting slapd" >>"$dir/slapd.log"
    slapd -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$CW_LDAP_PORT/ $ldapi${ldaps:+ $ldaps}${CW_RIG_LISTEN:+ $CW_RIG_LISTEN}" \
        -d "$slapd_debug" </dev/null >>"$dir/slapd.log" 2>&1 &
    pid=$!
    # Written now so that stop finds a server that hangs before writing its
    # own pidfile (slapd then rewrites the same number).
    echo "$pid" >"$dir/slapd.pid"
    if ! wait_ready slapd "$pid" "$dir/slapd.log" ldap_ping "ldap://127.0.0.1:$CW_LDAP_PORT/" ||
        ! wait_ready "slapd (ldapi)" "$pid" "$dir/slapd.log" ldap_ping "$ldapi" ||
        { [[ -n $ldaps ]] &&
            ! wait_ready "slapd (ldaps)" "$pid" "$dir/slapd.log" ldaps_ping "$ldaps"; }; then
        stop_pid slapd "$pid"
        return 1
    fi
}

do_start_redis() {
    local pid
    if pid=$(redis_pid); then
        say "redis-server already running (pid $pid)"
        return 0
    fi
    mkdir -p "$dir/redis"
    echo "--- $(date -u +%FT%TZ) starting redis-server" >>"$dir/redis.log"
    redis-server "$dir/redis.conf" </dev/null >>"$dir/redis.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/redis.pid"
    # PONG only once the AOF is loaded (before that it answers -LOADING).
    if ! wait_ready redis-server "$pid" "$dir/redis.log" \
            redis_ping -h 127.0.0.1 -p "$CW_REDIS_PORT" ||
        ! wait_ready "redis-server (unix socket)" "$pid" "$dir/redis.log" \
            redis_ping -s "$dir/redis.sock"; then
        stop_pid redis-server "$pid"
        return 1
    fi
}

do_stop_slapd() {
    local pid
    if pid=$(slapd_pid); then stop_pid slapd "$pid"; fi
    rm -f "$dir/slapd.pid"
}

do_stop_redis() {
    local pid
    if pid=$(redis_pid); then stop_pid redis-server "$pid"; fi
    rm -f "$dir/redis.pid"
}

# ----------------------------------------------------------------- commands

cmd_start() {
    local opt
    CW_LDAP_TLS=no CW_LDAP_SESSIONLOG=yes CW_LDAPS_PORT=
    for opt; do
        case $opt in
            --tls) CW_LDAP_TLS=yes ;;
            --no-sessionlog) CW_LDAP_SESSIONLOG=no ;;
            *) usage ;;
        esac
    done
    # sun_path holds 108 bytes; both servers put a socket in DIR.
    ((${#dir} <= 96)) || die "DIR path too long for a unix socket (${#dir} > 96 chars): $dir"
    if [[ -e $dir ]]; then
        [[ -d $dir ]] || die "$dir exists and is not a directory"
        if [[ -f $dir/$marker ]]; then
            # A previous rig (perhaps left running by an aborted run): its
            # servers go, then everything in it, so every start is fresh.
            if [[ -f $dir/env ]]; then
                (load_env && do_stop_slapd && do_stop_redis) || true
            fi
            find "$dir" -mindepth 1 -delete
        elif [[ -n $(ls -A "$dir") ]]; then
            die "$dir is not empty and is not a rig directory; refusing to touch it"
        fi
    fi
    mkdir -p "$dir/data" "$dir/redis"
    : >"$dir/$marker"

    (
        umask 077
        # -y reads the whole file, so no trailing newline.
        head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$dir/ldap-admin.pw"
    )
    chmod 600 "$dir/ldap-admin.pw"

    CW_LDAP_PORT=$(free_port)
    CW_REDIS_PORT=$(free_port "$CW_LDAP_PORT")
    if [[ $CW_LDAP_TLS == yes ]]; then
        CW_LDAPS_PORT=$(free_port "$CW_LDAP_PORT" "$CW_REDIS_PORT")
        make_tls
    fi
    write_slapd_conf
    write_redis_conf
    write_env

    # Never leave half a rig running behind a failed start.
    trap 'do_stop_slapd; do_stop_redis; write_env' EXIT
    do_start_slapd || die "slapd did not start"
    do_start_redis || die "redis-server did not start"
    base_ldif | ldapadd -x -H "ldap://127.0.0.1:$CW_LDAP_PORT/" -D "$admin_dn" \
        -y "$dir/ldap-admin.pw" >/dev/null || die "loading the base entries failed"
    trap - EXIT
    write_env
    say "up in $dir: ldap://127.0.0.1:$CW_LDAP_PORT/${CW_LDAPS_PORT:+, ldaps://127.0.0.1:$CW_LDAPS_PORT/}, redis 127.0.0.1:$CW_REDIS_PORT"
}

cmd_stop() {
    local clean=${1:-}
    [[ -z $clean || $clean == --clean ]] || usage
    if [[ -f $dir/$marker && -f $dir/env ]]; then
        load_env
        do_stop_slapd
        do_stop_redis
        write_env
    fi
    if [[ $clean == --clean && -f $dir/$marker ]]; then
        rm -rf "$dir"
    fi
    return 0
}

cmd_load() {
    local file=${1:-}
    [[ -n $file ]] || usage
    load_env
    local args=(-x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE")
    if [[ $file == - ]]; then
        ldapadd "${args[@]}"
    else
        [[ -r $file ]] || die "cannot read $file"
        ldapadd "${args[@]}" -f "$file"
    fi
}

# Seconds since the epoch, with fractions.
now_s() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

cmd_bulkload() {
    local file=${1:-} t0 t1 t2 t3 n rc=0 from=()
    [[ -n $file ]] || usage
    load_env
    if [[ $file != - ]]; then
        [[ -r $file ]] || die "cannot read $file"
        from=(-l "$file")
    fi
    t0=$(now_s)
    do_stop_slapd
    write_env
    t1=$(now_s)
    # -v names each entry added: that counts them, even from stdin.
    slapadd -q -w -v -f "$dir/slapd.conf" -b "$base" "${from[@]}" \
        >"$dir/slapadd.log" 2>&1 || rc=$?
    t2=$(now_s)
    n=$(grep -c '^added: ' "$dir/slapadd.log") || n=0
    if ((rc != 0)); then
        say "slapadd failed (exit $rc) after $n entries; last lines of $dir/slapadd.log:"
        grep -v '^added: ' "$dir/slapadd.log" | tail -n 20 >&2 || true
    fi
    do_start_slapd || die "slapd did not start after the bulk load"
    write_env
    t3=$(now_s)
    ((rc == 0)) || die "bulk load of $file failed (slapd restarted; the database may be unusable)"
    echo "bulkload: $n entries in $(elapsed "$t0" "$t3") s" \
        "(slapd stop $(elapsed "$t0" "$t1") s, slapadd $(elapsed "$t1" "$t2") s," \
        "slapd start $(elapsed "$t2" "$t3") s)"
}

cmd_status() {
    local rc=0 pid
    load_env
    if pid=$(slapd_pid); then echo "slapd: up (pid $pid) $CW_LDAP_URI"; else echo "slapd: down"; rc=1; fi
    if pid=$(redis_pid); then echo "redis: up (pid $pid) 127.0.0.1:$CW_REDIS_PORT $CW_REDIS_SOCKET"; else echo "redis: down"; rc=1; fi
    return $rc
}

[[ $# -ge 2 ]] || usage
command=$1
set_dir "$2"
shift 2

case $command in
    start)       cmd_start "$@" ;;
    stop)        [[ $# -le 1 ]] || usage; cmd_stop "$@" ;;
    stop-slapd)  load_env; do_stop_slapd; write_env ;;
    start-slapd) load_env; do_start_slapd || die "slapd did not start"; write_env ;;
    restart-slapd)
                 load_env; do_stop_slapd; write_env
                 do_start_slapd || die "slapd did not start"; write_env ;;
    stop-redis)  load_env; do_stop_redis; write_env ;;
    start-redis) load_env; do_start_redis || die "redis-server did not start"; write_env ;;
    load)        [[ $# -eq 1 ]] || usage; cmd_load "$1" ;;
    bulkload)    [[ $# -eq 1 ]] || usage; cmd_bulkload "$1" ;;
    status)      cmd_status ;;
    *)           usage ;;
esac
