# SPDX-License-Identifier: MIT
# Exactly one sync leader (issue 14): two central daemons on one rig, the
# leader killed mid-burst, and a stale (SIGSTOPped) leader fenced off.
add_test(NAME fault_sync_leader
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/leader_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_sync_leader PROPERTIES LABELS faults TIMEOUT 180)

# The audit writer's lease: the holder killed while decisions flow, the
# other takes over with a greater token, nothing lost or sealed twice.
add_test(NAME fault_audit_lease
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/audit_lease_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_audit_lease PROPERTIES LABELS faults TIMEOUT 180)
