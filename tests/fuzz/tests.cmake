# SPDX-License-Identifier: MIT
# Fuzz targets.  Every parser of external input has one: fuzz/fuzz_<name>.c
# defines LLVMFuzzerTestOneInput(), and fuzz/corpus/<name>/ holds its seeds
# and every input that ever crashed it.
#
# Always: <fuzz_name>_replay (the target plus replay.c, no libFuzzer) runs
# the corpus as the ctest test fuzz_replay_<name>, label "fuzz", so a fixed
# crash stays fixed in ordinary gcc builds (under ASan/UBSan with
# CW_SANITIZE=ON).
#
# With -DCW_FUZZ=ON and clang: also fuzz_<name>, a real libFuzzer binary
# built with -fsanitize=fuzzer,address,undefined against an instrumented
# copy of cwcore, e.g.
#   ./tests/fuzz_gentime -max_total_time=60 ../tests/fuzz/corpus/gentime
#
# Adding a target is one line: cw_fuzz_target(wire), or with more
# libraries or sources: cw_fuzz_target(config LIBS Threads::Threads).

option(CW_FUZZ "Build libFuzzer targets (clang only)" OFF)

set(CW_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
set(CW_FUZZ_FLAGS -fsanitize=fuzzer,address,undefined
                  -fno-sanitize-recover=all -fno-omit-frame-pointer -g)

if(CW_FUZZ AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(WARNING "CW_FUZZ needs clang (-DCMAKE_C_COMPILER=clang); "
                  "building corpus replays only")
endif()

# cwcore again, with coverage instrumentation, so that libFuzzer can see
# inside the code it is fuzzing (the harness alone would be blind).
function(cw_fuzz_core)
  if(TARGET cwcore_fuzz)
    return()
  endif()
  get_target_property(srcs cwcore SOURCES)
  get_target_property(srcdir cwcore SOURCE_DIR)
  get_target_property(incs cwcore INTERFACE_INCLUDE_DIRECTORIES)
  set(abs_srcs)
  foreach(s IN LISTS srcs)
    if(IS_ABSOLUTE ${s})
      list(APPEND abs_srcs ${s})
    else()
      list(APPEND abs_srcs ${srcdir}/${s})
    endif()
  endforeach()
  add_library(cwcore_fuzz STATIC EXCLUDE_FROM_ALL ${abs_srcs})
  target_include_directories(cwcore_fuzz PUBLIC ${incs})
  target_link_libraries(cwcore_fuzz PUBLIC PkgConfig::JANSSON)
  target_compile_options(cwcore_fuzz PRIVATE
    -fsanitize=fuzzer-no-link,address,undefined
    -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
endfunction()

# cw_fuzz_target(<name> [SOURCES extra.c...] [LIBS lib...] [INCLUDES dir...])
function(cw_fuzz_target name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS;INCLUDES" ${ARGN})
  set(harness ${CW_FUZZ_DIR}/fuzz_${name}.c)
  set(corpus ${CW_FUZZ_DIR}/corpus/${name})

  add_executable(fuzz_${name}_replay ${harness} ${CW_FUZZ_DIR}/replay.c
                 ${F_SOURCES})
  target_link_libraries(fuzz_${name}_replay PRIVATE cwcore ${F_LIBS})
  target_include_directories(fuzz_${name}_replay PRIVATE ${F_INCLUDES})
  add_test(NAME fuzz_replay_${name} COMMAND fuzz_${name}_replay ${corpus})
  set_tests_properties(fuzz_replay_${name} PROPERTIES LABELS fuzz
                       TIMEOUT 300)

  if(CW_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
    cw_fuzz_core()
    add_executable(fuzz_${name} ${harness} ${F_SOURCES})
    target_compile_options(fuzz_${name} PRIVATE ${CW_FUZZ_FLAGS})
    target_link_options(fuzz_${name} PRIVATE ${CW_FUZZ_FLAGS})
    target_link_libraries(fuzz_${name} PRIVATE cwcore_fuzz ${F_LIBS})
    target_include_directories(fuzz_${name} PRIVATE ${F_INCLUDES})
  endif()
endfunction()

cw_fuzz_target(gentime)
cw_fuzz_target(entry)
cw_fuzz_target(wire)
cw_fuzz_target(config)
cw_fuzz_target(holidays)
cw_fuzz_target(isotime)
# The trail's sources themselves, not libcwaudit, so that a libFuzzer build
# instruments them; taken from the library so the two lists cannot drift.
get_target_property(cw_trail_sources cwaudit SOURCES)
list(TRANSFORM cw_trail_sources PREPEND ${PROJECT_SOURCE_DIR}/trail/)
cw_fuzz_target(audit SOURCES ${cw_trail_sources}
                     ${PROJECT_SOURCE_DIR}/io/config_file.c
               INCLUDES ${PROJECT_SOURCE_DIR}/trail ${PROJECT_SOURCE_DIR}/io
               LIBS PkgConfig::OPENSSL)
cw_fuzz_target(duration)
cw_fuzz_target(ldap_cookie)
cw_fuzz_target(denylist SOURCES ${PROJECT_SOURCE_DIR}/daemon/model/denylist.c ${PROJECT_SOURCE_DIR}/daemon/lib/strmap.c
               INCLUDES ${PROJECT_SOURCE_DIR}/daemon)
cw_fuzz_target(hoststate SOURCES ${PROJECT_SOURCE_DIR}/daemon/model/hoststate.c
                         ${PROJECT_SOURCE_DIR}/daemon/model/denylist.c
                         ${PROJECT_SOURCE_DIR}/daemon/lib/strmap.c
                         ${PROJECT_SOURCE_DIR}/daemon/revoke/revq_record.c
               LIBS cwredis PkgConfig::JANSSON)
# Issue 13: what comes back from Redis, which every host can write to.
cw_fuzz_target(elevations)
cw_fuzz_target(decision_line)
cw_fuzz_target(audit_event SOURCES ${PROJECT_SOURCE_DIR}/daemon/audit/audit_codec.c
               INCLUDES ${PROJECT_SOURCE_DIR}/daemon LIBS cwaudit)
cw_fuzz_target(resp SOURCES ${PROJECT_SOURCE_DIR}/daemon/model/policy_db.c ${PROJECT_SOURCE_DIR}/daemon/model/early.c
                    ${PROJECT_SOURCE_DIR}/daemon/model/staff_store.c
                    ${PROJECT_SOURCE_DIR}/daemon/lib/strmap.c
               LIBS cwstore cwrevq PkgConfig::JANSSON)
