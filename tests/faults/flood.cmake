# Issue 10, items 2 and 3: local floods and forged audit records, through
# the real clearwayd, slapd, Redis and libpam, with real unprivileged users.
# Each runs its own rig, so they need no fixture.
add_executable(pam_load ${CMAKE_CURRENT_LIST_DIR}/pam_load.c)
target_link_libraries(pam_load PRIVATE PkgConfig::PAM)
add_dependencies(pam_load pam_clearway)

add_test(NAME fault_flood
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/flood_test.sh
          $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>
          $<TARGET_FILE:pam_clearway> $<TARGET_FILE:pam_load>)
set_tests_properties(fault_flood PROPERTIES LABELS faults TIMEOUT 150)

add_test(NAME fault_forge
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/forge_test.sh
          $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>
          $<TARGET_FILE:pam_clearway> $<TARGET_FILE:pam_load>)
set_tests_properties(fault_forge PROPERTIES LABELS faults TIMEOUT 120)
