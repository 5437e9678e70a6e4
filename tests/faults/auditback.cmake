# SPDX-License-Identifier: MIT
# Issue 15: Redis going back to older data (an older AOF) while no writer
# had sealed what the hosts forwarded loses no audit record
# (daemon/audit/audit_retain.c), on the simulated fleet (root, netns).
add_test(NAME fault_audit_redis_back
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/audit_redis_back_test.sh
                 ${CMAKE_BINARY_DIR})
set_tests_properties(fault_audit_redis_back PROPERTIES LABELS faults
                     TIMEOUT 420 RUN_SERIAL TRUE)
