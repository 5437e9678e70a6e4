# SPDX-License-Identifier: MIT
# Unit tests: one cmocka executable per core file, pure logic, no I/O.
# Add a test for core/<name>.c with one line: cw_unit_test(<name>), which
# builds unit/test_<name>.c into test_<name> and registers unit_<name>.

function(cw_unit_test name)
  set(exe test_${name})
  add_executable(${exe} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/test_${name}.c)
  target_link_libraries(${exe} PRIVATE cwcore cwaudit PkgConfig::CMOCKA)
  add_test(NAME unit_${name} COMMAND ${exe})
  set_tests_properties(unit_${name} PROPERTIES LABELS unit TIMEOUT 120)
endfunction()

cw_unit_test(gentime)
cw_unit_test(names)
cw_unit_test(entry)
cw_unit_test(record)
cw_unit_test(policy)
cw_unit_test(config)
cw_unit_test(wire)
include(${CMAKE_CURRENT_LIST_DIR}/pam.cmake OPTIONAL)
cw_unit_test(calendar)
cw_unit_test(isotime)
cw_unit_test(audit_record)
cw_unit_test(audit_store)
cw_unit_test(duration)
