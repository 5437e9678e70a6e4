# SPDX-License-Identifier: MIT
# One audit stream per host (issue 13, last part): two host daemons under
# their own Redis users, the writer killed and restarted, a forged host
# name recorded as an anomaly, the legacy stream drained in order.
add_test(NAME fault_audit_streams
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/audit_streams_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>
                 $<TARGET_FILE:redis_probe>
                 ${PROJECT_SOURCE_DIR}/etc/redis-acl.conf.example
                 ${PROJECT_SOURCE_DIR}/scripts/redis-acl-host.sh)
set_tests_properties(fault_audit_streams PROPERTIES LABELS faults TIMEOUT 240)
