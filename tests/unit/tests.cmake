# SPDX-License-Identifier: MIT
# Unit tests: one cmocka executable per core file, pure logic, no I/O.
# Add a test for core/<name>.c with one line: cw_unit_test(<name>), which
# builds unit/test_<name>.c into test_<name> and registers unit_<name>.
# SOURCES names helpers in unit/ that several test files share (fixtures).

function(cw_unit_test name)
  cmake_parse_arguments(U "" "" "SOURCES" ${ARGN})
  set(exe test_${name})
  list(TRANSFORM U_SOURCES PREPEND ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/)
  add_executable(${exe} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/test_${name}.c
                 ${U_SOURCES})
  target_link_libraries(${exe} PRIVATE cwcore cwaudit PkgConfig::CMOCKA)
  add_test(NAME unit_${name} COMMAND ${exe})
  set_tests_properties(unit_${name} PROPERTIES LABELS unit TIMEOUT 120)
endfunction()

cw_unit_test(gentime)
cw_unit_test(ldap_cookie)
cw_unit_test(names)
cw_unit_test(entry)
cw_unit_test(entry_fast)
# The fast JSON path is also compared with jansson on the entry corpus.
target_compile_definitions(test_entry_fast PRIVATE
  CW_ENTRY_CORPUS="${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/entry")
cw_unit_test(record)
cw_unit_test(policy)
cw_unit_test(answer_table)
cw_unit_test(decision_line)
cw_unit_test(forecast)
cw_unit_test(config)
cw_unit_test(wire)
cw_unit_test(wire_lite)
cw_unit_test(wire_fast)
include(${CMAKE_CURRENT_LIST_DIR}/pam.cmake OPTIONAL)
cw_unit_test(calendar SOURCES calendar_assert.c)
cw_unit_test(deadline SOURCES calendar_assert.c)
cw_unit_test(holidays_json SOURCES calendar_assert.c)
cw_unit_test(isotime)
cw_unit_test(audit_record)
# The trail's store, a test file per job (trail/README.md).
cw_unit_test(audit_append SOURCES trail_fixture.c)
cw_unit_test(audit_keys SOURCES trail_fixture.c)
cw_unit_test(audit_verify SOURCES trail_fixture.c)
cw_unit_test(audit_retention SOURCES trail_fixture.c)
cw_unit_test(audit_export SOURCES trail_fixture.c)
cw_unit_test(duration)
cw_unit_test(text)
