#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs test_redis_fleet against a master, two replicas and three sentinels
# (tests/lib/sentinel.sh), always stopped afterwards; with --tls all of
# them TLS only (throwaway CA from tests/faults/lib_tls.sh).
#   redis_fleet_test.sh TEST_BINARY [--tls]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/sentinel.sh"
. "$here/../faults/lib_tls.sh"
work=$(mktemp -d /tmp/cw-redisfleet.XXXXXX)
trap 'cw_sn_stop; rm -rf "$work"' EXIT
CW_SN_TLS=
if [[ ${2:-} == --tls ]]; then
    cw_tls_make_ca "$work/tls" >/dev/null 2>&1 || { echo "no TLS material"; exit 1; }
    # redis-server runs as us and must read its key.
    CW_SN_TLS=$work/tls
fi
cw_sn_start "$work/sn" || exit 1
CW_SN_MASTER=$CW_SN_MASTER CW_SN_R1=$CW_SN_R1 CW_SN_URI=$CW_SN_URI CW_SN_TLS=$CW_SN_TLS "$1"
