# SPDX-License-Identifier: MIT
# A Redis Sentinel topology on loopback for fleet tests: one master, two
# replicas, three sentinels, each in its own directory under DIR, on free
# ports, with short failover timings (down-after 1 s).  Source it; then
#
#   cw_sn_start DIR         starts everything and waits until every
#                           sentinel sees both replicas and the two other
#                           sentinels; sets CW_SN_* (below) and writes
#                           them to DIR/sentinel.env
#   cw_sn_stop              stops what cw_sn_start started (by pid)
#   cw_sn_master            prints the master's port as sentinel 1 says
#   cw_sn_cli PORT ARGS...  redis-cli to 127.0.0.1:PORT
#   cw_sn_kill_master       kill -9 the master cw_sn_start made; sets
#                           CW_SN_KILLED_AT (epoch ms)
#   cw_sn_restart PORT      starts server PORT again from its config (a
#                           killed master comes back empty, as a master:
#                           the sentinels turn it into a replica)
#
#   CW_SN_NAME (the master name), CW_SN_MASTER, CW_SN_R1, CW_SN_R2 (the
#   servers' first ports), CW_SN_S1..3, CW_SN_URI (sentinel://...)
#
# With CW_SN_TLS set to a directory made by lib_tls.sh's cw_tls_make_ca
# (ca.pem, server.pem/.key: DNS:localhost, IP:127.0.0.1), every server
# and sentinel speaks TLS only (port 0, tls-port, tls-replication yes),
# and CW_SN_URI is sentinels://.
#
# Each server is started in the foreground as a child of the test (not
# daemonized), so cw_sn_stop ends exactly those pids.  The servers carry
# min-replicas-to-write 1 (docs/sentinel.md): a master cut off from every
# replica stops taking writes.  A sentinel rewrites its config file: each
# has its own copy.
CW_SN_NAME=cwm
CW_SN_PIDS=()

cw_sn_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + RANDOM % 12000))
        [[ " ${CW_SN_TAKEN:-} " == *" $p "* ]] && continue
        if [[ -z $(ss -Hltn "sport = :$p" 2>/dev/null) ]]; then
            CW_SN_TAKEN="${CW_SN_TAKEN:-} $p"
            echo "$p"
            return 0
        fi
    done
    return 1
}

cw_sn_cli() {
    local p=$1
    shift
    if [[ -n ${CW_SN_TLS:-} ]]; then
        redis-cli --tls --cacert "$CW_SN_TLS/ca.pem" -h 127.0.0.1 -p "$p" "$@"
    else
        redis-cli -h 127.0.0.1 -p "$p" "$@"
    fi
}

# The lines that make a server or sentinel listen on PORT.
cw_sn_listen() {
    if [[ -n ${CW_SN_TLS:-} ]]; then
        echo "port 0"
        echo "tls-port $1"
        echo "tls-cert-file $CW_SN_TLS/server.pem"
        echo "tls-key-file $CW_SN_TLS/server.key"
        echo "tls-ca-cert-file $CW_SN_TLS/ca.pem"
        echo "tls-auth-clients no"
        echo "tls-replication yes"
    else
        echo "port $1"
    fi
}

# server DIR PORT [MASTERPORT]
cw_sn_server() {
    local d=$1/r$2
    mkdir -p "$d"
    {
        cw_sn_listen "$2"
        echo "bind 127.0.0.1"
        echo "save \"\""
        echo "appendonly no"
        echo "dir $d"
        echo "logfile $d/redis.log"
        echo "min-replicas-to-write 1"
        echo "min-replicas-max-lag 10"
        [[ -n ${3:-} ]] && echo "replicaof 127.0.0.1 $3"
    } >"$d/redis.conf"
    redis-server "$d/redis.conf" >/dev/null 2>&1 &
    CW_SN_PIDS+=($!)
    eval "CW_SN_PID_$2=$!"
}

cw_sn_sentinel() {
    local d=$1/s$2
    mkdir -p "$d"
    {
        cw_sn_listen "$2"
        echo "bind 127.0.0.1"
        echo "dir $d"
        echo "logfile $d/sentinel.log"
        echo "sentinel monitor $CW_SN_NAME 127.0.0.1 $CW_SN_MASTER 2"
        echo "sentinel down-after-milliseconds $CW_SN_NAME 1000"
        echo "sentinel failover-timeout $CW_SN_NAME 6000"
        echo "sentinel parallel-syncs $CW_SN_NAME 2"
    } >"$d/sentinel.conf"
    redis-server "$d/sentinel.conf" --sentinel >/dev/null 2>&1 &
    CW_SN_PIDS+=($!)
}

# How many entries SENTINEL replicas/sentinels lists on sentinel PORT.
cw_sn_count() {
    cw_sn_cli "$1" SENTINEL "$2" "$CW_SN_NAME" 2>/dev/null | grep -c '^name$'
}

cw_sn_start() {
    local dir=$1 i s ok
    mkdir -p "$dir"
    CW_SN_DIR=$dir
    CW_SN_MASTER=$(cw_sn_port) CW_SN_R1=$(cw_sn_port) CW_SN_R2=$(cw_sn_port)
    CW_SN_S1=$(cw_sn_port) CW_SN_S2=$(cw_sn_port) CW_SN_S3=$(cw_sn_port)
    cw_sn_server "$dir" "$CW_SN_MASTER"
    cw_sn_server "$dir" "$CW_SN_R1" "$CW_SN_MASTER"
    cw_sn_server "$dir" "$CW_SN_R2" "$CW_SN_MASTER"
    # Sentinels learn the replicas from the master's INFO, asked at once
    # and then every 10 s: start them once both replicas are online.
    for ((i = 0; i < 100; i++)); do
        [[ $(cw_sn_cli "$CW_SN_MASTER" INFO replication 2>/dev/null | grep -c 'state=online') == 2 ]] && break
        sleep 0.1
    done
    for s in "$CW_SN_S1" "$CW_SN_S2" "$CW_SN_S3"; do cw_sn_sentinel "$dir" "$s"; done
    CW_SN_URI="sentinel${CW_SN_TLS:+s}://127.0.0.1:$CW_SN_S1,127.0.0.1:$CW_SN_S2,127.0.0.1:$CW_SN_S3/$CW_SN_NAME"
    for ((i = 0; i < 300; i++)); do
        ok=1
        for s in "$CW_SN_S1" "$CW_SN_S2" "$CW_SN_S3"; do
            [[ $(cw_sn_count "$s" replicas) == 2 && $(cw_sn_count "$s" sentinels) == 2 ]] || ok=0
        done
        ((ok)) && break
        sleep 0.1
    done
    declare -p CW_SN_MASTER CW_SN_R1 CW_SN_R2 CW_SN_S1 CW_SN_S2 CW_SN_S3 CW_SN_URI \
        >"$dir/sentinel.env"
    ((ok)) || { echo "sentinel topology not ready in 30 s" >&2; return 1; }
}

cw_sn_master() {
    local s
    for s in "$CW_SN_S1" "$CW_SN_S2" "$CW_SN_S3"; do
        cw_sn_cli "$s" SENTINEL get-master-addr-by-name "$CW_SN_NAME" 2>/dev/null |
            sed -n 2p | grep . && return 0
    done
    return 1
}

cw_sn_kill_master() {
    local v="CW_SN_PID_$CW_SN_MASTER"
    kill -KILL "${!v}" 2>/dev/null
    CW_SN_KILLED_AT=$(date +%s%3N)
}

cw_sn_restart() {
    redis-server "$CW_SN_DIR/r$1/redis.conf" >/dev/null 2>&1 &
    CW_SN_PIDS+=($!)
    eval "CW_SN_PID_$1=$!"
}

cw_sn_stop() {
    local p
    for p in "${CW_SN_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${CW_SN_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    CW_SN_PIDS=()
}
