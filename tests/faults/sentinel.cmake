# SPDX-License-Identifier: MIT
# Issue 14: Redis Sentinel discovery, a master killed and failed over (no
# revocation lost, no revoked user allowed, the daemons follow by
# themselves), read fan-out from a replica, never a write to a replica.
add_test(NAME fault_sentinel
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/sentinel_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_sentinel PROPERTIES LABELS faults TIMEOUT 180)
