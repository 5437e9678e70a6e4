#!/bin/bash
# SPDX-License-Identifier: MIT
# Clearway against its peers and the floor, through real libpam, in one run:
#
#   bench/peers.sh [--staff N[,N...]] [--calls N] [--leavers N] [--seconds S]
#                  [--sssd-calls N] [--no-install] [--out DIR]
#                  [--baseline BUILD] [--only SYSTEM,...] [--settle S]
#   bench/peers.sh --quick          a few hundred logons against pam_permit
#                                   only: no apt, no rig (the suite's smoke run)
#
# As root on Debian 12.  Installs sssd-ldap, libpam-sss, nslcd, libpam-ldapd
# and gnuplot-nox if missing, with their service starts refused and
# pam-auth-update diverted to a no-op; /etc/pam.d, /etc/nsswitch.conf,
# /etc/nslcd.conf and /etc/sssd are copied first and put back byte for byte
# (checked with diff) right after apt and again on exit.  For each directory
# size (default 2000 staff; --staff 2000,100000 for both) it starts a rig
# (tests/rig/rig.sh: slapd + Redis) loaded from bench/gen-directory.py, with
# posixAccount added so that the peers can resolve the users, and runs:
#   floor     account required pam_permit.so
#   module    the floor and one more no-op module (a copy of pam_permit.so
#             under another name): what loading, calling and unloading any
#             second module costs, the least that Clearway, pam_ldap or
#             pam_sss can add to the floor
#   clearway  pam_clearway.so host_class=general-hosts, our clearwayd
#   polling   the same with answer_poll_us = 200 (clearway.conf(5)): the
#             answer thread polls for the next request during a burst
#             instead of sleeping at once (not in the leaver trials)
#   nslcd     pam_ldap.so, nslcd with pam_authz_search = the rule as a filter
#   sssd      pam_sss.so, sssd (its own config, -c) with access_provider =
#             ldap and ldap_access_filter = the same filter
#   before    with --baseline BUILD: the same as clearway, from another build
#             tree (e.g. main's), in the same run, for before/after figures
# --only runs a subset (e.g. floor,module,clearway,before; no apt if no
# peer).
# Before measuring, waits (at most --settle seconds, default 900) for
# Clearway's revocation queue to drain: the generated directory's leavers
# are revoked on first sight, with LDAP writes that come back by syncrepl.
# Every stack is a service file in our own directory read with
# pam_start_confdir (bench/peer_bench.c): /etc/pam.d is never read.
# Measured: cold latency (each allowed user's first logon), warm latency
# (--calls logons, interleaved in rounds between the systems), logons/s
# from 1/2/8/32 processes, CPU per decision of each daemon (and of its
# backend) from /proc/PID/stat, LDAP write -> first denial (--leavers
# trials; a logon every 1 ms, back to back when one takes longer), and RSS.
# Writes bench/out/ (gitignored): summary.csv, latency-*.csv, leaver-*.csv,
# latency-<N>.png (gnuplot, log axis) and machine.txt; prints one table of
# ratios.  Asserts nothing about the numbers.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
staff_sizes=2000
calls=6000
leavers=40
seconds=3
sssd_calls=
install=yes
quick=no
baseline=
only=
settle=900
out=$here/out
while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) quick=yes ;;
        --staff) staff_sizes=$2; shift ;;
        --calls) calls=$2; shift ;;
        --leavers) leavers=$2; shift ;;
        --seconds) seconds=$2; shift ;;
        --sssd-calls) sssd_calls=$2; shift ;;
        --no-install) install=no ;;
        --out) out=$2; shift ;;
        --baseline) baseline=$2; shift ;;
        --only) only=$2; shift ;;
        --settle) settle=$2; shift ;;
        *) sed -n '3,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
    shift
done
sssd_calls=${sssd_calls:-$calls}
mkdir -p "$out"
. "$here/lib.sh"

# ------------------------------------------------------------- the quick run
# No rig, no apt, no root: the loop itself against the floor, so the
# benchmark cannot rot.  CW_BUILD_DIR names a tree with bench/peer_bench.
if [[ $quick == yes ]]; then
    pb=$build/bench/peer_bench
    [[ -x $pb ]] || { echo "peers.sh --quick: no $pb (build first)" >&2; exit 1; }
    q=$(mktemp -d /tmp/cw-peers-quick.XXXXXX)
    trap 'rm -rf "$q"' EXIT
    mkdir "$q/pam.d"
    echo "account required pam_permit.so" >"$q/pam.d/floor"
    printf 'quick1\nquick2\n' >"$q/users"
    "$pb" lat "$q/pam.d" floor "$q/users" 300 "$out/quick-latency.csv"
    "$pb" rate "$q/pam.d" floor "$q/users" 2 200
    lines=$(wc -l <"$out/quick-latency.csv")
    [[ $lines -eq 301 ]] || { echo "quick: $lines lines in the CSV" >&2; exit 1; }
    echo "quick: ok"
    exit 0
fi

[[ $(id -u) -eq 0 ]] || { echo "peers.sh: run as root (apt, sssd, nslcd)" >&2; exit 1; }

# ------------------------------------------------- packages, /etc untouched
# Files the peers' packages edit on install: copied before, put back after.
guarded=(/etc/pam.d /etc/nsswitch.conf /etc/nslcd.conf /etc/sssd)
snap=$(mktemp -d /tmp/cw-peers-etc.XXXXXX)
policy_rc_ours=no
diverted=no

snapshot_etc() {
    local p
    for p in "${guarded[@]}"; do
        if [[ -e $p ]]; then
            mkdir -p "$snap/copy$(dirname "$p")"
            cp -a "$p" "$snap/copy$p"
        else
            echo "$p" >>"$snap/absent"
        fi
    done
    touch "$snap/absent"
}

# Puts every guarded path back as it was, and checks it with diff.
restore_etc() {
    local p bad=0
    [[ -d $snap/copy ]] || [[ -s $snap/absent ]] || return 0
    for p in "${guarded[@]}"; do
        if grep -qxF "$p" "$snap/absent"; then
            rm -rf "$p"
        elif ! diff -r --no-dereference "$snap/copy$p" "$p" >/dev/null 2>&1 ||
            [[ $(stat -c '%a %U %G' "$p") != $(stat -c '%a %U %G' "$snap/copy$p") ]]; then
            rm -rf "$p"
            cp -a "$snap/copy$p" "$p"
        fi
    done
    for p in "${guarded[@]}"; do
        if grep -qxF "$p" "$snap/absent"; then
            [[ ! -e $p ]] || bad=1
        else
            diff -r --no-dereference "$snap/copy$p" "$p" >/dev/null || bad=1
        fi
    done
    if ((bad)); then
        echo "peers.sh: /etc NOT restored; the copy is in $snap" >&2
        return 1
    fi
    echo "peers: ${guarded[*]} restored and checked with diff" >&2
}

undivert() {
    if [[ $diverted == yes ]]; then
        rm -f /usr/sbin/pam-auth-update
        dpkg-divert --quiet --local --rename --remove /usr/sbin/pam-auth-update
        diverted=no
    fi
    if [[ $policy_rc_ours == yes ]]; then
        rm -f /usr/sbin/policy-rc.d
        policy_rc_ours=no
    fi
}

# Packages we need, from Debian: services not started (policy-rc.d 101),
# PAM profiles not applied (pam-auth-update diverted to a no-op),
# recommends (libnss-sss, libnss-ldapd: nsswitch.conf) not installed.
install_peers() {
    local need=() pkg
    for pkg in sssd-ldap libpam-sss nslcd libpam-ldapd gnuplot-nox; do
        dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            need+=("$pkg")
    done
    [[ ${#need[@]} -gt 0 ]] || return 0
    echo "peers: installing ${need[*]}" >&2
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        policy_rc_ours=yes
    fi
    dpkg-divert --quiet --local --rename --add /usr/sbin/pam-auth-update
    diverted=yes
    printf '#!/bin/sh\nexit 0\n' >/usr/sbin/pam-auth-update
    chmod 0755 /usr/sbin/pam-auth-update
    DEBIAN_FRONTEND=noninteractive apt-get -qq update >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get -qq -y --no-install-recommends \
        -o Dpkg::Options::=--force-confold install "${need[@]}" >/dev/null
    undivert
    # An init script may still have been run by a trigger: stop them all.
    stop_system_peers
}

stop_system_peers() {
    local p
    for p in $(pgrep -x sssd) $(pgrep -x nslcd); do
        # Only the system's (ours are stopped by their own cleanup).
        [[ " ${our_pids[*]:-} " == *" $p "* ]] || kill -TERM "$p" 2>/dev/null || true
    done
}

our_pids=()
cleanup_all() {
    local p
    for p in "${our_pids[@]:-}"; do
        [[ -n $p ]] && kill -TERM "$p" 2>/dev/null || true
    done
    sleep 0.3
    for p in "${our_pids[@]:-}"; do
        [[ -n $p ]] && kill -KILL "$p" 2>/dev/null || true
    done
    [[ -n ${CW_DAEMON_PID:-} ]] && cw_stop_daemon
    [[ -n ${rig:-} ]] && bash "$top/tests/rig/rig.sh" stop "$rig" >/dev/null 2>&1 || true
    undivert
    restore_etc || true
    [[ -n ${sss_db_snap:-} && -d ${sss_db_snap:-} ]] && restore_sss_db
    rm -rf "${work:-/nonexistent}" "$snap"
}

snapshot_etc
trap cleanup_all EXIT
peers=yes
[[ -z $only || ,$only, == *,nslcd,* || ,$only, == *,sssd,* ]] || peers=no
if [[ $install == yes && $peers == yes ]]; then
    install_peers
    restore_etc
fi
for pkg in sssd nslcd; do
    [[ $peers == no ]] || command -v "$pkg" >/dev/null || [[ -x /usr/sbin/$pkg ]] ||
        { echo "peers.sh: $pkg missing (run without --no-install)" >&2; exit 1; }
done

# SSSD keeps its cache in /var/lib/sss/db: ours is removed, the rest kept.
sss_db_snap=
snapshot_sss_db() {
    sss_db_snap=$(mktemp -d /tmp/cw-peers-sssdb.XXXXXX)
    cp -a /var/lib/sss/db/. "$sss_db_snap/" 2>/dev/null || true
}
restore_sss_db() {
    rm -rf /var/lib/sss/db/*
    cp -a "$sss_db_snap/." /var/lib/sss/db/ 2>/dev/null || true
    rm -rf "$sss_db_snap"
    sss_db_snap=
}

# ------------------------------------------------------------------- set up
PATH=$PATH:/usr/sbin:/sbin
pb=$build/bench/peer_bench
bench_build
work=$(mktemp -d /tmp/cw-peers.XXXXXX)
chmod 0755 "$work"
summary=$out/summary.csv
echo "staff,system,metric,value" >"$summary"
put() { echo "$1,$2,$3,$4" >>"$summary"; }

# Ticks (utime + stime) of a list of pids.
ticks() {
    local p s=0 t
    for p in "$@"; do
        t=$(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null) || t=0
        s=$((s + t))
    done
    echo "$s"
}
rss_kb() {
    local p s=0 t
    for p in "$@"; do
        t=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) || t=0
        s=$((s + ${t:-0}))
    done
    echo "$s"
}
steal() { awk '/^cpu / {print $9}' /proc/stat; }
total_ticks() { awk '/^cpu / {s = 0; for (i = 2; i <= NF; i++) s += $i; print s}' /proc/stat; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# The rule for host class general-hosts as one LDAP filter: what Clearway
# decides from the same entry (active, the three checks, clearance BPSS or
# above and not expired, training within 365 days, not past a leaving or
# right-to-work date, one of the class's login roles).
rule_filter() {
    local now train
    now=$(date -u +%Y%m%d%H%M%SZ)
    train=$(date -u -d '365 days ago' +%Y%m%d%H%M%SZ)
    printf '(&(objectClass=cwStaff)(cwEmploymentStatus=active)(cwIdentityCheck=*)(cwCriminalRecordCheck=*)(cwRightToWorkCheck=*)'
    printf '(|(cwClearance=BPSS)(cwClearance=CTC)(cwClearance=SC)(cwClearance=eSC)(cwClearance=DV)(cwClearance=eDV))'
    printf '(!(cwClearanceExpiry<=%s))(cwTrainingCompleted>=%s)(!(cwLeavingDate<=%s))(!(cwRightToWorkExpiry<=%s))' \
        "$now" "$train" "$now" "$now"
    printf '(|(cwRole=hr-apps)(cwRole=build)(cwRole=developer)(cwRole=mobile)(cwRole=analyst)(cwRole=qa)))'
}

# gen-directory.py's staff, with posixAccount (uidNumber from the uid) so
# that NSS-style lookups by nslcd and SSSD find them, and one group.
posix_ldif() {
    python3 "$here/gen-directory.py" "$1" --seed 1 | awk '
        /^objectClass: cwStaff$/ { print; print "objectClass: posixAccount"; next }
        /^uid: s[0-9]+$/ { print; n = substr($2, 2) + 0
            print "uidNumber: " 200000 + n; print "gidNumber: 200000"
            print "homeDirectory: /nonexistent"; next }
        { print }'
    printf '\ndn: ou=groups,dc=clearway,dc=test\nobjectClass: organizationalUnit\nou: groups\n'
    printf '\ndn: cn=bench-staff,ou=groups,dc=clearway,dc=test\nobjectClass: posixGroup\ncn: bench-staff\ngidNumber: 200000\n'
}

# start_clearway NAME BUILD [LINE...]: a clearwayd of that build tree with
# these lines added to its config, and its service.
start_clearway() {
    local name=$1 b=$2 d=$work/$1
    shift 2
    mkdir -p "$d/run"
    chmod 0755 "$d" "$d/run"
    cw_write_config "$d/clearway.conf" "$d/run/clearwayd.sock" "$@"
    "$b/daemon/clearwayd" -c "$d/clearway.conf" -f >"$d/clearwayd.log" 2>&1 &
    case $name in
        clearway) CW_DAEMON_PID=$! ;;
        before) before_pid=$!; our_pids+=("$before_pid") ;;
        polling) polling_pid=$!; our_pids+=("$polling_pid") ;;
    esac
    cw_wait_answer "$b/cli/clearwayctl" "$d/clearway.conf" s000001 general-hosts 120
    echo "account required $b/pam_module/pam_clearway.so host_class=general-hosts config=$d/clearway.conf" \
        >"$work/pam.d/$name"
}

start_nslcd() {
    local pw
    pw=$(cat "$CW_LDAP_ADMIN_PW_FILE")
    # nslcd reads only /etc/nslcd.conf (no option names another file):
    # written here, put back by restore_etc.
    {
        echo "uid nslcd"
        echo "gid nslcd"
        echo "uri $CW_LDAP_URI"
        echo "base $CW_LDAP_BASE"
        echo "binddn $CW_LDAP_ADMIN_DN"
        echo "bindpw $pw"
        echo "pam_authz_search $(rule_filter | sed 's/(objectClass=cwStaff)/(objectClass=cwStaff)(uid=$username)/')"
    } >/etc/nslcd.conf
    chmod 0600 /etc/nslcd.conf
    mkdir -p /run/nslcd
    chown nslcd:nslcd /run/nslcd 2>/dev/null || true
    /usr/sbin/nslcd -n >"$work/nslcd.log" 2>&1 &
    nslcd_pid=$!
    our_pids+=("$nslcd_pid")
    for _ in $(seq 100); do [[ -S /run/nslcd/socket ]] && break; sleep 0.1; done
    echo "account required /lib/x86_64-linux-gnu/security/pam_ldap.so" >"$work/pam.d/nslcd"
}

start_sssd() {
    local pw d=$work/sssd
    pw=$(cat "$CW_LDAP_ADMIN_PW_FILE")
    mkdir -p "$d"
    snapshot_sss_db
    {
        echo "[sssd]"
        echo "services = nss, pam"
        echo "domains = bench"
        echo "[nss]"
        echo "[pam]"
        echo "[domain/bench]"
        echo "id_provider = ldap"
        echo "auth_provider = ldap"
        echo "access_provider = ldap"
        echo "ldap_access_order = filter"
        echo "ldap_uri = $CW_LDAP_URI"
        echo "ldap_search_base = $CW_LDAP_BASE"
        echo "ldap_default_bind_dn = $CW_LDAP_ADMIN_DN"
        echo "ldap_default_authtok = $pw"
        echo "ldap_schema = rfc2307"
        echo "ldap_access_filter = $(rule_filter)"
        echo "ldap_id_use_start_tls = false"
        echo "ldap_auth_disable_tls_never_use_in_production = true"
        echo "cache_credentials = false"
        echo "enumerate = false"
    } >"$d/sssd.conf"
    chmod 0600 "$d/sssd.conf"
    sssd -i -c "$d/sssd.conf" --logger=files >"$d/sssd.log" 2>&1 &
    sssd_pid=$!
    our_pids+=("$sssd_pid")
    for _ in $(seq 100); do [[ -S /var/lib/sss/pipes/private/pam ]] && break; sleep 0.1; done
    sleep 1
    echo "account required /lib/x86_64-linux-gnu/security/pam_sss.so" >"$work/pam.d/sssd"
}

sssd_pids() { echo "$sssd_pid $(pgrep -P "$sssd_pid" | tr '\n' ' ')"; }

# Daemon pids of a system, and of its backend (slapd or Redis).
# pam_permit.so, where libpam finds it.
permit_path() {
    local d
    for d in /usr/lib/x86_64-linux-gnu/security /lib/x86_64-linux-gnu/security \
        /usr/lib/security /lib/security; do
        [[ ! -r $d/pam_permit.so ]] || { echo "$d/pam_permit.so"; return 0; }
    done
    echo "peers: pam_permit.so not found" >&2
    return 1
}

own_pids() {
    case $1 in
        clearway) echo "$CW_DAEMON_PID" ;;
        before) echo "$before_pid" ;;
        polling) echo "$polling_pid" ;;
        nslcd) echo "$nslcd_pid" ;;
        sssd) sssd_pids ;;
        *) echo "" ;;
    esac
}
backend_pids() {
    case $1 in
        clearway | before | polling) echo "$CW_REDIS_PID" ;;
        nslcd | sssd) echo "$CW_SLAPD_PID" ;;
        *) echo "" ;;
    esac
}

systems=(floor module clearway polling)
[[ -z $baseline ]] || systems+=(before)
systems+=(nslcd sssd)
if [[ -n $only ]]; then
    systems=()
    for s in floor module clearway polling before nslcd sssd; do
        [[ ,$only, != *,$s,* ]] || systems+=("$s")
    done
fi
has() { [[ " ${systems[*]} " == *" $1 "* ]]; }
leaver_systems=()
for s in "${systems[@]}"; do [[ $s == floor || $s == module || $s == polling ]] || leaver_systems+=("$s"); done

# One warm round of n logons for system s, appended to its latency file;
# CPU ticks of its daemons and backend added to the running totals.
declare -A own_t back_t done_n
warm_round() {
    local s=$1 n=$2 f=$work/warm-$1.part o0 b0 o1 b1
    o0=$(ticks $(own_pids "$s")); b0=$(ticks $(backend_pids "$s"))
    "$pb" lat "$work/pam.d" "$s" "$work/users-$s" "$n" "$f" >/dev/null
    o1=$(ticks $(own_pids "$s")); b1=$(ticks $(backend_pids "$s"))
    own_t[$s]=$(( ${own_t[$s]:-0} + o1 - o0 ))
    back_t[$s]=$(( ${back_t[$s]:-0} + b1 - b0 ))
    done_n[$s]=$(( ${done_n[$s]:-0} + n ))
    tail -n +2 "$f" >>"$work/warm-$s.csv"
}

pct() {     # pct FILE P: the P-th percentile (P per mille) of column 2
    tail -n +2 "$1" | cut -d, -f2 | sort -n | awk -v p="$2" '{a[NR] = $1}
        END { i = int(NR * p / 1000) + 1; if (i > NR) i = NR; printf "%.1f", a[i] }'
}

run_size() {
    local n=$1 s r rounds=6 per k line hz users filter
    hz=$(getconf CLK_TCK)
    rig=$work/rig-$n
    echo "== $n staff: rig and directory" >&2
    bash "$top/tests/rig/rig.sh" start "$rig" >/dev/null 2>&1
    set -a; . "$rig/env"; set +a
    posix_ldif "$n" >"$work/dir.ldif"
    bash "$top/tests/rig/rig.sh" bulkload "$rig" "$work/dir.ldif" >&2
    set -a; . "$rig/env"; set +a
    rm -rf "$work/pam.d"; mkdir -m 0755 "$work/pam.d"
    echo "account required pam_permit.so" >"$work/pam.d/floor"
    # A second object for libpam to load: the same path would be one
    # dlopen handle shared with the first line.
    cp "$(permit_path)" "$work/pam_noop.so"
    printf 'account required pam_permit.so\naccount required %s\n' \
        "$work/pam_noop.so" >"$work/pam.d/module"

    # Users every system must allow: the filter's, that Clearway allows.
    filter=$(rule_filter)
    ldapsearch -LLL -x -H "$CW_LDAP_URI" -D "$CW_LDAP_ADMIN_DN" -y "$CW_LDAP_ADMIN_PW_FILE" \
        -b "$CW_STAFF_BASE" -z 0 "$filter" uid | sed -n 's/^uid: //p' | sort >"$work/filter-users"
    echo "== starting ${systems[*]}" >&2
    start_clearway clearway "$build"
    ! has polling || start_clearway polling "$build" "answer_poll_us = 200"
    ! has before || start_clearway before "$baseline"
    ! has nslcd || start_nslcd
    ! has sssd || start_sssd
    : >"$work/allowed"
    while read -r u; do
        "$build/cli/clearwayctl" -c "$work/clearway/clearway.conf" check "$u" \
            --host-class general-hosts >/dev/null 2>&1 && echo "$u" >>"$work/allowed"
        [[ $(wc -l <"$work/allowed") -lt 1500 ]] || break
    done <"$work/filter-users"
    users=$(wc -l <"$work/allowed")
    echo "== $users users allowed by the filter and by Clearway" >&2
    put "$n" all allowed_users "$users"
    # The last users are kept for the leaver trials, a share each.
    local nl=${#leaver_systems[@]} i
    k=$((leavers * nl))
    ((users > k + 20)) || { echo "too few users ($users) for $leavers leaver trials" >&2; exit 1; }
    head -n $((users - k)) "$work/allowed" >"$work/users-all"
    for s in "${systems[@]}"; do cp "$work/users-all" "$work/users-$s"; done
    for ((i = 0; i < nl; i++)); do
        tail -n "$k" "$work/allowed" | awk -v n="$nl" -v i="$i" 'NR % n == i' \
            >"$work/leavers-${leaver_systems[i]}"
    done

    # The generated directory has ~5% leavers, whom Clearway revokes on
    # first sight (a queue of revocations with LDAP writes, each of which
    # comes back through syncrepl): measure the steady state, after it.
    local t0 q=""
    t0=$(date +%s)
    while (( $(date +%s) - t0 < settle )); do
        q=$("$build/cli/clearwayctl" -c "$work/clearway/clearway.conf" queue 2>&1 | head -1) || true
        [[ $q != "no pending revocations" ]] || break
        sleep 2
    done
    echo "== revocation queue: '${q:0:60}' after $(( $(date +%s) - t0 )) s" >&2
    put "$n" clearway settle_s "$(( $(date +%s) - t0 ))"

    echo "== cold: each user's first logon" >&2
    for s in "${systems[@]}"; do
        line=$("$pb" lat "$work/pam.d" "$s" "$work/users-$s" "$(wc -l <"$work/users-$s")" \
            "$out/latency-$n-$s-cold.csv")
        for k in median p99 p999; do put "$n" "$s" "cold_${k}_us" "$(field ${k}_us "$line")"; done
    done

    echo "== warm: $calls logons each ($sssd_calls for sssd), in $rounds interleaved rounds" >&2
    local st0 tt0 st1 tt1
    st0=$(steal); tt0=$(total_ticks)
    for s in "${systems[@]}"; do : >"$work/warm-$s.csv"; done
    for ((r = 0; r < rounds; r++)); do
        for s in "${systems[@]}"; do
            per=$calls
            [[ $s != sssd ]] || per=$sssd_calls
            warm_round "$s" $(( (per + rounds - 1) / rounds ))
        done
    done
    st1=$(steal); tt1=$(total_ticks)
    put "$n" machine steal_pct "$(awk -v a=$((st1 - st0)) -v b=$((tt1 - tt0)) 'BEGIN {printf "%.2f", b ? 100 * a / b : 0}')"
    for s in "${systems[@]}"; do
        { echo "start_ms,latency_us"; cat "$work/warm-$s.csv"; } >"$out/latency-$n-$s-warm.csv"
        f=$out/latency-$n-$s-warm.csv
        put "$n" "$s" warm_n "${done_n[$s]}"
        put "$n" "$s" warm_median_us "$(pct "$f" 500)"
        put "$n" "$s" warm_p99_us "$(pct "$f" 990)"
        put "$n" "$s" warm_p999_us "$(pct "$f" 999)"
        put "$n" "$s" warm_max_us "$(pct "$f" 1000)"
        put "$n" "$s" cpu_us_per_decision "$(awk -v t="${own_t[$s]}" -v n="${done_n[$s]}" -v hz="$hz" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')"
        put "$n" "$s" backend_cpu_us_per_decision "$(awk -v t="${back_t[$s]}" -v n="${done_n[$s]}" -v hz="$hz" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')"
    done

    echo "== calls/s at 1, 2, 8, 32 processes, ${seconds}s each" >&2
    for p in 1 2 8 32; do
        for s in "${systems[@]}"; do
            line=$("$pb" rate "$work/pam.d" "$s" "$work/users-$s" "$p" $((seconds * 1000))) || true
            put "$n" "$s" "per_s_$p" "$(field per_s "$line")"
        done
    done

    echo "== RSS" >&2
    for s in "${leaver_systems[@]}"; do
        put "$n" "$s" rss_kb "$(rss_kb $(own_pids "$s"))"
    done
    put "$n" slapd rss_kb "$(rss_kb "$CW_SLAPD_PID")"
    put "$n" redis rss_kb "$(rss_kb "$CW_REDIS_PID")"

    echo "== LDAP write -> first denial, $leavers trials each" >&2
    export BENCH_LDAP_URI=$CW_LDAP_URI BENCH_LDAP_BINDDN=$CW_LDAP_ADMIN_DN \
        BENCH_LDAP_PWFILE=$CW_LDAP_ADMIN_PW_FILE BENCH_PEOPLE_BASE=$CW_STAFF_BASE
    for s in "${leaver_systems[@]}"; do
        rc=0
        line=$(${CW_PEERS_WRAP:-} "$pb" leaver "$work/pam.d" "$s" "$work/leavers-$s" "$leavers" 1000 \
            "$out/leaver-$n-$s.csv") || rc=$?
        ((rc == 0)) || echo "peers: the $s leaver trials failed (exit $rc)" >&2
        put "$n" "$s" leaver_median_us "$(field median_us "$line")"
        put "$n" "$s" leaver_p99_us "$(field p99_us "$line")"
        put "$n" "$s" leaver_allowed_after "$(field allowed_after_write "$line")"
    done

    plot "$n"
    # Stop this size's daemons before the next.
    local p
    for p in ${sssd_pid:-} ${nslcd_pid:-} ${before_pid:-} ${polling_pid:-}; do
        kill -TERM "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    sssd_pid= nslcd_pid= before_pid= polling_pid=
    [[ -z ${sss_db_snap:-} ]] || restore_sss_db
    cw_stop_daemon
    # The Clearway daemons' logs (what they said at stop: the answer
    # table's and the inbox's counts) go with the results.
    for p in "$work"/*/clearwayd.log; do
        [[ -f $p ]] && cp "$p" "$out/clearwayd-$n-$(basename "$(dirname "$p")").log"
    done
    bash "$top/tests/rig/rig.sh" stop "$rig" >/dev/null 2>&1 || true
    rig=
}

# Latency distributions (warm): sorted latencies against their rank.
plot() {
    local n=$1 s cmd=""
    command -v gnuplot >/dev/null || { echo "no gnuplot: no plot" >&2; return 0; }
    for s in "${systems[@]}"; do
        tail -n +2 "$out/latency-$n-$s-warm.csv" | cut -d, -f2 | sort -n |
            awk '{a[NR] = $1} END {for (i = 1; i <= NR; i++) print 100 * i / NR, a[i]}' \
            >"$work/cdf-$s"
        cmd+="${cmd:+, }'$work/cdf-$s' using 2:1 with lines lw 2 title '$s'"
    done
    gnuplot <<EOF
set terminal pngcairo size 1000,600 noenhanced
set output '$out/latency-$n.png'
set title 'Logon (pam_start_confdir + pam_acct_mgmt + pam_end) latency, $n staff, warm'
set logscale x
set xlabel 'latency (us, log)'
set ylabel 'percent of logons at or below'
set yrange [0:100]
set key bottom right
set grid
plot $cmd
EOF
}

machine() {
    {
        echo "date: $(date -u +%FT%TZ)"
        echo "clearway: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')"
        echo "kernel: $(uname -r)"
        echo "cpus: $(nproc) ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1))"
        echo "memory: $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
        echo "steal since boot: $(awk '/^cpu / {s = 0; for (i = 2; i <= NF; i++) s += $i; printf "%.2f%%", 100 * $9 / s}' /proc/stat)"
        echo "load: $(cat /proc/loadavg)"
        dpkg-query -W -f '${Package} ${Version}\n' slapd libldap-2.5-0 redis-server libpam0g \
            libpam-modules sssd-ldap sssd-common libpam-sss nslcd libpam-ldapd gnuplot-nox \
            2>/dev/null || true     # fails when one is not installed (--only without peers)
    } >"$out/machine.txt"
}

# One table: each metric, each system, and Clearway's ratios.
table() {
    python3 - "$summary" "${systems[*]}" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
v = {}
for r in rows:
    v[(r["staff"], r["system"], r["metric"])] = r["value"]
sizes = sorted({r["staff"] for r in rows}, key=int)
metrics = [("warm_median_us", "warm median (us)"), ("warm_p99_us", "warm p99 (us)"),
           ("warm_p999_us", "warm p99.9 (us)"), ("cold_median_us", "cold median (us)"),
           ("cold_p99_us", "cold p99 (us)"),
           ("per_s_1", "logons/s, 1 proc"), ("per_s_2", "logons/s, 2 procs"),
           ("per_s_8", "logons/s, 8 procs"), ("per_s_32", "logons/s, 32 procs"),
           ("cpu_us_per_decision", "daemon CPU/decision (us)"),
           ("backend_cpu_us_per_decision", "backend CPU/decision (us)"),
           ("rss_kb", "daemon RSS (kB)"),
           ("leaver_median_us", "LDAP write->deny median (us)"),
           ("leaver_p99_us", "LDAP write->deny p99 (us)"),
           ("leaver_allowed_after", "allowed after the write")]
def num(x):
    try: return float(x)
    except (TypeError, ValueError): return None
def ratio(a, b):
    a, b = num(a), num(b)
    return "%.2f" % (a / b) if a is not None and b else "-"
for n in sizes:
    print(f"\n{n} staff (steal {v.get((n, 'machine', 'steal_pct'), '?')}%, "
          f"{v.get((n, 'all', 'allowed_users'), '?')} allowed users)")
    systems = sys.argv[2].split()
    others = [s for s in systems if s != "clearway"]
    poll = ["floor"] if "polling" in systems and "floor" in systems else []
    hdr = [""] + systems + ["cw/" + s for s in others] + ["polling/" + s for s in poll]
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    for m, label in metrics:
        c = {s: v.get((n, s, m), "-") or "-" for s in systems}
        print("| " + " | ".join([label] + [c[s] for s in systems] +
                                [ratio(c.get("clearway"), c[s]) for s in others] +
                                [ratio(c.get("polling"), c[s]) for s in poll]) + " |")
EOF
}

machine
for n in ${staff_sizes//,/ }; do
    run_size "$n"
done
table | tee "$out/table.md"
echo "peers: CSV, table and plots in $out" >&2
