# SPDX-License-Identifier: MIT
# pam_clearway.so through the real libpam (pam_wrapper + libpamtest),
# against the real clearwayd over the rig's slapd and Redis.  Included
# from tests/CMakeLists.txt.
# Debian's libpamtest.pc gives the library as a full path, which CMake
# turns into a link option placed before our objects, where --as-needed
# drops it; link the library itself instead.
find_library(PAMTEST_LIBRARY pamtest REQUIRED)

add_executable(test_pam ${CMAKE_CURRENT_LIST_DIR}/test_pam.c)
target_link_libraries(test_pam PRIVATE ${PAMTEST_LIBRARY} PkgConfig::PAM)

add_test(NAME pam_integration
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/pam_test.sh ${CW_RIG_DIR}
          $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>
          $<TARGET_FILE:pam_clearway> $<TARGET_FILE:test_pam>)
# The module must be built for the test even though nothing links it.
add_dependencies(test_pam pam_clearway)
set_tests_properties(pam_integration PROPERTIES
  FIXTURES_REQUIRED rig
  LABELS integration
  TIMEOUT 300)
