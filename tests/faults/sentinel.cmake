# SPDX-License-Identifier: MIT
# Issue 14: Redis Sentinel discovery, a master killed and failed over (no
# revocation lost, no revoked user allowed, the daemons follow by
# themselves), read fan-out from a replica, never a write to a replica.
add_test(NAME fault_sentinel
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/sentinel_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_sentinel PROPERTIES LABELS faults TIMEOUT 180)
# A revocation only the master had (replicas stopped and cut off), lost in
# the failover: the store guard sees the loss and puts it back.
add_test(NAME fault_sentinel_loss
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/sentinel_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl> loss)
set_tests_properties(fault_sentinel_loss PROPERTIES LABELS faults TIMEOUT 180)
