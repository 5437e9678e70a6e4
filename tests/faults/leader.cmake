# SPDX-License-Identifier: MIT
# Exactly one sync leader (issue 14): two central daemons on one rig, the
# leader killed mid-burst, and a stale (SIGSTOPped) leader fenced off.
add_test(NAME fault_sync_leader
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/leader_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_sync_leader PROPERTIES LABELS faults TIMEOUT 180)
