# SPDX-License-Identifier: MIT
# Audit pipeline faults (issue 10, items 6, 7 and the writer lock of 10),
# each against its own rig and a real clearwayd that is its own writer.

# The spool on a full 1 MiB tmpfs: decisions keep being answered, the
# spool recovers by itself once space returns, nothing that fits is lost.
add_test(NAME fault_audit_disk_full
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/audit_disk_full_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_audit_disk_full PROPERTIES LABELS faults TIMEOUT 180)

# kill -9 of the daemon ten times under a stream of PAM decisions: every
# answered decision is sealed exactly once, and the chain verifies.
add_test(NAME fault_audit_kill
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/audit_kill_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl> 10)
set_tests_properties(fault_audit_kill PROPERTIES LABELS faults TIMEOUT 240)

# Two daemons on one host: the writer lock is a process's, with a lease.
add_test(NAME fault_audit_lock
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/audit_lock_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_audit_lock PROPERTIES LABELS faults TIMEOUT 180)
