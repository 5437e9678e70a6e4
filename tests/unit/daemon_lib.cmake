# SPDX-License-Identifier: MIT
# daemon/lib: the doorbell and the mark, the namebox, set operations on
# name maps (pure logic and a few threads, no I/O).
add_executable(test_daemon_lib ${CMAKE_CURRENT_LIST_DIR}/test_daemon_lib.c
               ${PROJECT_SOURCE_DIR}/daemon/lib/namebox.c
               ${PROJECT_SOURCE_DIR}/daemon/lib/strmap.c)
target_link_libraries(test_daemon_lib PRIVATE cwredis PkgConfig::CMOCKA
                      Threads::Threads)
add_test(NAME unit_daemon_lib COMMAND test_daemon_lib)
set_tests_properties(unit_daemon_lib PROPERTIES LABELS unit TIMEOUT 60)
