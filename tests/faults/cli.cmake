# SPDX-License-Identifier: MIT
# The CLI under faults (issue 10, items 4, 5 and 10's CLI findings):
# ambiguous outcomes with Redis stalled, idempotent leaver/revoke, 10,000
# pending revocations through queue/report in every format, retry, check
# without data, --effective range, audit verify without permission.
add_executable(revq_fill ${CMAKE_CURRENT_LIST_DIR}/revq_fill.c
               ${PROJECT_SOURCE_DIR}/daemon/model/policy_db.c ${PROJECT_SOURCE_DIR}/daemon/model/early.c
               ${PROJECT_SOURCE_DIR}/daemon/model/staff_store.c
               ${PROJECT_SOURCE_DIR}/daemon/lib/strmap.c)
target_link_libraries(revq_fill PRIVATE cwrevq cwstore)
add_test(NAME fault_cli_outcome
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_outcome_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>
                 $<TARGET_FILE:revq_fill>)
set_tests_properties(fault_cli_outcome PROPERTIES LABELS faults TIMEOUT 300)
