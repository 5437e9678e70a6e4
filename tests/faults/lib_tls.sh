# SPDX-License-Identifier: MIT
# Throwaway TLS material and TLS Redis servers for the wire tests and the
# TLS benchmark.  Source it.
#
#   cw_tls_make_ca DIR      DIR/ca.pem (+ca.key), other-ca.pem (signed
#                           nothing used), server.pem/.key (DNS:localhost,
#                           IP:127.0.0.1), expired.pem (same key, expired
#                           yesterday), client.pem/.key (clientAuth).
#                           EC P-256: a few milliseconds each.  Keys 0600.
#   cw_tls_redis_start VAR WORK NAME CERT AUTH_CLIENTS
#                           a redis-server on a free port, TLS with CERT
#                           (and DIR/server.key) when CERT is set, else
#                           plaintext; AUTH_CLIENTS yes|no.  Extra
#                           redis-server arguments in CW_TLS_REDIS_ARGS.
#                           Sets VAR to the port once it listens (not in
#                           a subshell: the pid must stay known here).
#   cw_tls_redis_stop_all   stops every server started here.
CW_TLS_DIR=
CW_TLS_REDIS_PIDS=()

cw_tls_make_ca() {
    local d=$1 ec
    CW_TLS_DIR=$d
    mkdir -p "$d"
    cat >"$d/openssl.cnf" <<'EOF'
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
subjectAltName = DNS:localhost, IP:127.0.0.1
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
EOF
    ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc)
    (
        set -e
        umask 077
        cd "$d"
        export OPENSSL_CONF=$d/openssl.cnf
        for ca in ca other-ca; do
            openssl req -x509 -config openssl.cnf -extensions ca_ext "${ec[@]}" -days 2 \
                -subj "/O=Clearway test/CN=Clearway $ca" -keyout $ca.key -out $ca.pem
        done
        openssl req -new -config openssl.cnf "${ec[@]}" -subj "/CN=Clearway test redis" \
            -keyout server.key -out server.csr
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -days 2 \
            -extfile openssl.cnf -extensions server_ext -out server.pem
        # notAfter a day before notBefore: expired whatever the clock says.
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -days -1 \
            -extfile openssl.cnf -extensions server_ext -out expired.pem
        openssl req -new -config openssl.cnf "${ec[@]}" -subj "/CN=host1" \
            -keyout client.key -out client.csr
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -days 2 \
            -extfile openssl.cnf -extensions client_ext -out client.pem
        chmod 644 ./*.pem
    ) >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log" >&2; return 1; }
}

cw_tls_redis_start() {
    local var=$1 work=$2 name=$3 cert=$4 auth=$5 port i args
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    if [[ -n $cert ]]; then
        args=(--port 0 --tls-port "$port" --tls-cert-file "$cert"
              --tls-key-file "$CW_TLS_DIR/server.key" --tls-ca-cert-file "$CW_TLS_DIR/ca.pem"
              --tls-auth-clients "$auth")
    else
        args=(--port "$port")
    fi
    # shellcheck disable=SC2086
    redis-server --bind 127.0.0.1 "${args[@]}" --save '' --appendonly no \
        --dir "$work" --dbfilename "$name.rdb" ${CW_TLS_REDIS_ARGS:-} \
        >"$work/redis-$name.log" 2>&1 &
    CW_TLS_REDIS_PIDS+=($!)
    for ((i = 0; i < 100; i++)); do
        if [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]]; then
            printf -v "$var" '%s' "$port"
            return 0
        fi
        sleep 0.05
    done
    echo "redis $name did not start: $(tail -n 3 "$work/redis-$name.log")" >&2
    return 1
}

cw_tls_redis_stop_all() {
    local p
    for p in "${CW_TLS_REDIS_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${CW_TLS_REDIS_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    CW_TLS_REDIS_PIDS=()
}
