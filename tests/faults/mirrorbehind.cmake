# SPDX-License-Identifier: MIT
# Redis going back to older data under a running mirror: its next batch
# is refused (sync:mirror_seq, store_write.lua), the mirror starts again
# from the store's older cookie, and the lost change comes back from LDAP.
add_test(NAME fault_mirror_behind
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/mirror_behind_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_mirror_behind PROPERTIES LABELS faults TIMEOUT 120)
