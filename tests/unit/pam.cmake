# SPDX-License-Identifier: MIT
# Unit tests of the PAM module's pure parts, and a check of what the built
# module exports.  Included from tests/CMakeLists.txt.

add_executable(test_pam_args
  ${CMAKE_CURRENT_LIST_DIR}/test_pam_args.c
  ${PROJECT_SOURCE_DIR}/pam_module/pam_args.c)
target_include_directories(test_pam_args PRIVATE ${PROJECT_SOURCE_DIR}/pam_module)
target_link_libraries(test_pam_args PRIVATE cwcore PkgConfig::CMOCKA)
add_test(NAME unit_pam_args COMMAND test_pam_args)
set_tests_properties(unit_pam_args PROPERTIES LABELS unit)

# The module lives in sshd's and sudo's namespace: it may export the six
# PAM entry points (and the loader's _init/_fini) and nothing else.  The
# script is one argument; it avoids ';', which CMake would split on.
set(CW_PAM_EXPORTS_CHECK [=[
set -e
out=$(nm -D --defined-only "$1")
syms=$(echo "$out" | awk 'NF == 3 { print $3 }')
echo "$syms"
entry='pam_sm_(authenticate|setcred|acct_mgmt|open_session|close_session|chauthtok)'
extra=$(echo "$syms" | grep -v -x -E "$entry|_init|_fini" || true)
if [ -n "$extra" ]
then
  echo "unexpected exported symbols:" $extra >&2
  exit 1
fi
n=$(echo "$syms" | grep -c -x -E "$entry" || true)
if [ "$n" -ne 6 ]
then
  echo "expected the 6 pam_sm_* entry points, found $n" >&2
  exit 1
fi
]=])
add_test(NAME pam_exports
  COMMAND sh -c "${CW_PAM_EXPORTS_CHECK}" pam_exports $<TARGET_FILE:pam_clearway>)
set_tests_properties(pam_exports PROPERTIES LABELS unit)

# The module brings its own small codec (core/wire_lite.c) so that a logon
# does not load libjansson into sshd: no NEEDED entry for it, and no
# json_* symbol left to resolve (docs/performance.md).
set(CW_PAM_NO_JANSSON_CHECK [=[
set -e
n=$(readelf -d "$1" | grep -c -i 'jansson' || true)
u=$(nm -D --undefined-only "$1" | grep -c ' json_' || true)
readelf -d "$1" | grep NEEDED
if [ "$n" -ne 0 ] || [ "$u" -ne 0 ]
then
  echo "pam_clearway.so needs libjansson ($n NEEDED, $u json_ symbols)" >&2
  exit 1
fi
]=])
add_test(NAME pam_no_jansson
  COMMAND sh -c "${CW_PAM_NO_JANSSON_CHECK}" pam_no_jansson $<TARGET_FILE:pam_clearway>)
set_tests_properties(pam_no_jansson PROPERTIES LABELS unit)
