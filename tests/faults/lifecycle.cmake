# SPDX-License-Identifier: MIT
# Lifecycle faults (issue 10 items 8-10): the directory coming back,
# SIGTERM while busy, restarts redoing finished steps, start-up checks.
add_test(NAME fault_ldap_return
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/ldap_return_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_ldap_return PROPERTIES LABELS faults TIMEOUT 150)

add_test(NAME fault_sigterm
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/sigterm_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_sigterm PROPERTIES LABELS faults TIMEOUT 150)

add_test(NAME fault_config_check
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/config_check_test.sh $<TARGET_FILE:clearwayd>)
set_tests_properties(fault_config_check PROPERTIES LABELS faults TIMEOUT 60)

add_test(NAME fault_values_cap
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/values_cap_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_values_cap PROPERTIES LABELS faults TIMEOUT 120)

add_test(NAME fault_sigterm_large
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/sigterm_large_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_sigterm_large PROPERTIES LABELS "faults;large" TIMEOUT 300)
