# SPDX-License-Identifier: MIT
# Issue 10, item 1: Redis losing data (FLUSHALL, an empty restart, an older
# AOF, two hosts) never un-revokes anyone; what was lost is re-asserted.
add_test(NAME fault_redis_loss
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/redis_loss_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl> $<TARGET_FILE:pam_clearway>)
set_tests_properties(fault_redis_loss PROPERTIES LABELS faults TIMEOUT 240)
