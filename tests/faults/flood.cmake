# SPDX-License-Identifier: MIT
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

# The per-uid token buckets (daemon/serve/ratelimit.c), pure logic.
add_executable(test_ratelimit ${PROJECT_SOURCE_DIR}/tests/unit/test_ratelimit.c
               ${PROJECT_SOURCE_DIR}/daemon/serve/ratelimit.c)
target_include_directories(test_ratelimit PRIVATE ${PROJECT_SOURCE_DIR}/daemon)
target_link_libraries(test_ratelimit PRIVATE PkgConfig::CMOCKA)
add_test(NAME unit_ratelimit COMMAND test_ratelimit)
set_tests_properties(unit_ratelimit PROPERTIES LABELS unit TIMEOUT 60)

# A stalled NSS (getpwuid_r slowed by an LD_PRELOAD shim) must not delay
# root's PAM calls.
add_library(cw_slow_nss MODULE ${CMAKE_CURRENT_LIST_DIR}/slow_nss.c)
set_target_properties(cw_slow_nss PROPERTIES PREFIX "")
target_link_libraries(cw_slow_nss PRIVATE ${CMAKE_DL_LIBS})
add_test(NAME fault_slow_nss
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/slow_nss_test.sh
          $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>
          $<TARGET_FILE:pam_clearway> $<TARGET_FILE:pam_load>
          $<TARGET_FILE:cw_slow_nss>)
set_tests_properties(fault_slow_nss PROPERTIES LABELS faults TIMEOUT 120)
