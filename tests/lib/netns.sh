# SPDX-License-Identifier: MIT
# Network namespaces for fleet and partition tests, made by the test itself.
# Each namespace gets one veth pair to the test's own namespace: a /30 out
# of 10.231.N.0, the test's side .1 and the namespace's side .2.  Servers
# the namespaced daemon must reach listen on the .1 address (or 0.0.0.0).
# Source it; needs root (ip netns).  Every name made is remembered and
# removed by cw_netns_cleanup (call it from the test's EXIT trap).
#
#   cw_netns_add NAME INDEX       makes netns NAME, veth cw<INDEX>a/b, sets
#                                 CW_NETNS_OUTER (10.231.INDEX.1) and
#                                 CW_NETNS_INNER (10.231.INDEX.2)
#   cw_netns_exec NAME CMD...     runs CMD inside NAME
#   cw_netns_cut NAME INDEX       partition: the link set down on both sides
#   cw_netns_heal NAME INDEX      the link up again (addresses and routes kept)
#   cw_netns_cleanup              deletes every namespace and link made

CW_NETNS_MADE=()

cw_netns_add() {
    local name=$1 idx=$2
    local outer=cw${idx}a inner=cw${idx}b
    ip netns add "$name" || return 1
    CW_NETNS_MADE+=("$name:$idx")
    ip link add "$outer" type veth peer name "$inner" || return 1
    ip link set "$inner" netns "$name" || return 1
    ip addr add "10.231.$idx.1/30" dev "$outer" || return 1
    ip link set "$outer" up || return 1
    ip -n "$name" addr add "10.231.$idx.2/30" dev "$inner" || return 1
    ip -n "$name" link set "$inner" up || return 1
    ip -n "$name" link set lo up || return 1
    CW_NETNS_OUTER=10.231.$idx.1
    CW_NETNS_INNER=10.231.$idx.2
}

cw_netns_exec() {
    local name=$1
    shift
    ip netns exec "$name" "$@"
}

cw_netns_cut() {
    ip link set "cw${2}a" down && ip -n "$1" link set "cw${2}b" down
}

cw_netns_heal() {
    ip link set "cw${2}a" up && ip -n "$1" link set "cw${2}b" up
}

cw_netns_cleanup() {
    local entry
    for entry in "${CW_NETNS_MADE[@]}"; do
        ip link del "cw${entry#*:}a" 2>/dev/null || true
        ip netns del "${entry%%:*}" 2>/dev/null || true
    done
    CW_NETNS_MADE=()
}
