# SPDX-License-Identifier: MIT
# The peer benchmark's smoke run (bench/peers.sh --quick): its logon loop
# against pam_permit only, a few hundred calls, no apt and no rig, so the
# benchmark cannot rot.  No assertion on any timing (the machine is noisy).
add_test(NAME bench_peers_quick
         COMMAND bash ${PROJECT_SOURCE_DIR}/bench/peers.sh --quick
                 --out ${CMAKE_BINARY_DIR}/bench-out)
set_tests_properties(bench_peers_quick PROPERTIES
                     ENVIRONMENT "CW_BUILD_DIR=${CMAKE_BINARY_DIR}"
                     LABELS integration TIMEOUT 60)
