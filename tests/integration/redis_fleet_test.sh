#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs test_redis_fleet against a master, two replicas and three sentinels
# (tests/lib/sentinel.sh), always stopped afterwards.
#   redis_fleet_test.sh TEST_BINARY
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/sentinel.sh"
work=$(mktemp -d /tmp/cw-redisfleet.XXXXXX)
trap 'cw_sn_stop; rm -rf "$work"' EXIT
cw_sn_start "$work" || exit 1
CW_SN_MASTER=$CW_SN_MASTER CW_SN_R1=$CW_SN_R1 CW_SN_URI=$CW_SN_URI "$1"
