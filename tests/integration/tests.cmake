# SPDX-License-Identifier: MIT
# Integration tests: real slapd, redis-server and libpam, no mocks.
# Included from tests/CMakeLists.txt, which sets CW_RIG (tests/rig/rig.sh)
# and CW_RIG_DIR (${CMAKE_BINARY_DIR}/rig).

# The "rig" fixture: one slapd + redis-server with the sample data
# (tests/data/gen-sample.sh), shared by the tests that declare
#   FIXTURES_REQUIRED rig
# and read ${CW_RIG_DIR}/env for its URIs, ports and admin credentials.
# ctest runs rig_stop after the last of them, even when some fail.
add_test(NAME rig_start
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/rig/start-with-sample.sh ${CW_RIG_DIR})
set_tests_properties(rig_start PROPERTIES
                     FIXTURES_SETUP rig LABELS integration TIMEOUT 60)
add_test(NAME rig_stop COMMAND bash ${CW_RIG} stop ${CW_RIG_DIR})
set_tests_properties(rig_stop PROPERTIES
                     FIXTURES_CLEANUP rig LABELS integration TIMEOUT 60)

# The schema in both forms; runs its own servers, so it needs no fixture.
add_test(NAME schema COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/schema_test.sh)
set_tests_properties(schema PROPERTIES LABELS integration TIMEOUT 120)

# --- more integration tests below ---

# The Redis client (daemon/store/redis.c) against its own redis-server.
include(${CMAKE_CURRENT_LIST_DIR}/redis.cmake)

# clearwayd against its own rig: hostile socket input, peer credentials,
# config errors, malformed and ambiguous LDAP data, LDAP/Redis outages.
add_test(NAME daemon COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/daemon_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(daemon PROPERTIES LABELS integration TIMEOUT 300)

# The PAM module through real libpam (pam_wrapper + libpamtest).
include(${CMAKE_CURRENT_LIST_DIR}/pam.cmake OPTIONAL)

# cmake --install layout (into a DESTDIR, prefix /usr).
add_test(NAME install COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/install_test.sh
         ${CMAKE_BINARY_DIR})
set_tests_properties(install PROPERTIES LABELS integration TIMEOUT 60)

# The rig's --tls / --no-sessionlog modes, bulkload with bench/gen-directory.py
# and restart-slapd; runs its own rigs, so it needs no fixture.
add_test(NAME rig_tls COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/rig_tls_test.sh)
set_tests_properties(rig_tls PROPERTIES LABELS integration TIMEOUT 120)

# clearwayctl calendar holidays/deadline: computed locally, no daemon.
add_test(NAME calendar_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/calendar_cli_test.sh
         $<TARGET_FILE:clearwayctl>)
set_tests_properties(calendar_cli PROPERTIES LABELS integration TIMEOUT 60)

# The audit trail through clearwayctl (verify, export), written by the real
# store and checked against the independent Python verifier on intact and
# tampered trails.
add_executable(audit_fixture ${CMAKE_CURRENT_LIST_DIR}/audit_fixture.c)
target_link_libraries(audit_fixture PRIVATE cwaudit)
add_test(NAME audit_cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/audit_cli_test.sh
                 $<TARGET_FILE:clearwayctl> $<TARGET_FILE:audit_fixture>
                 ${PROJECT_SOURCE_DIR}/scripts/audit-verify.py)
set_tests_properties(audit_cli PROPERTIES LABELS integration TIMEOUT 120)

# RFC 4533 sync: add/modify/delete/rename/move, resume with and without a
# session log, unusable cookies, slapd restarted mid-refresh, TLS.
add_test(NAME sync COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/sync_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(sync PROPERTIES LABELS integration TIMEOUT 600)

# Time-bound elevation through the real CLI as different real users, and
# sudo-mode PAM following the grant to the second.
add_test(NAME elevation COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/elevation_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl> $<TARGET_FILE:pam_clearway>)
set_tests_properties(elevation PROPERTIES LABELS integration TIMEOUT 300)

# clearwayctl as an operator meets it: bash completion, every command's
# --help, usage errors, an unreachable daemon, the man page, and the
# elevate/drop/elevations output against a stand-in daemon.
add_test(NAME cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/cli_test.sh
         $<TARGET_FILE:clearwayctl>)
set_tests_properties(cli PROPERTIES LABELS integration TIMEOUT 60)

# The revocation queue's building blocks (daemon/revoke/revq_*.c,
# revocation_steps.c, denylist.c) against their own rig: submit/promote/
# claim/complete, kill -9 of a worker and a Redis restart among 1,000
# revocations, dead letters, reinstate, the month report, the LDAP steps
# (with slapd stopped midway), ending a real user's processes, and the
# persisted deny-list.  Runs as root (useradd, setpriv).
add_executable(test_revq ${CMAKE_CURRENT_LIST_DIR}/test_revq.c
               ${CMAKE_CURRENT_LIST_DIR}/test_revq_submit.c
               ${CMAKE_CURRENT_LIST_DIR}/test_revq_claim.c
               ${CMAKE_CURRENT_LIST_DIR}/test_revq_report.c
               ${CMAKE_CURRENT_LIST_DIR}/test_revq_steps.c
               ${PROJECT_SOURCE_DIR}/daemon/model/policy_db.c ${PROJECT_SOURCE_DIR}/daemon/model/early.c
               ${PROJECT_SOURCE_DIR}/daemon/model/staff_store.c
               ${PROJECT_SOURCE_DIR}/daemon/lib/strmap.c
               ${PROJECT_SOURCE_DIR}/daemon/sync/ldap_conn.c)
target_link_libraries(test_revq PRIVATE cwrevq cwstore)
add_test(NAME revq COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/revq_test.sh
         $<TARGET_FILE:test_revq>)
set_tests_properties(revq PROPERTIES LABELS integration TIMEOUT 300)

# The audit pipeline (daemon/audit/audit_log.h) end to end against its own
# redis-server: Redis outage of 10,000 events, kill -9 mid-forwarding,
# retention refused, anomaly alerts, the metrics file.
add_executable(test_audit_pipeline ${CMAKE_CURRENT_LIST_DIR}/test_audit_pipeline.c
               ${PROJECT_SOURCE_DIR}/daemon/lib/log.c)
target_link_libraries(test_audit_pipeline PRIVATE cwauditd)
add_test(NAME audit_pipeline
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/audit_pipeline_test.sh
                 $<TARGET_FILE:test_audit_pipeline> $<TARGET_FILE:clearwayctl>)
set_tests_properties(audit_pipeline PROPERTIES LABELS integration TIMEOUT 300)

# The revocation queue end to end: leaver/revoke/reinstate/queue/report,
# PAM, LDAP steps, LDAP down, dead letters, the deny list with Redis down.
add_test(NAME revocation COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/revocation_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl> $<TARGET_FILE:pam_clearway>)
set_tests_properties(revocation PROPERTIES LABELS integration TIMEOUT 300)

# The audit export runs in constant memory (1,000,000 records vs 10,000).
add_test(NAME audit_export_memory
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/audit_export_memory_test.sh
                 $<TARGET_FILE:clearwayctl> $<TARGET_FILE:audit_fixture>)
set_tests_properties(audit_export_memory PROPERTIES LABELS integration TIMEOUT 600)

# The man pages against the code: clearwayctl --help <-> clearwayctl.8,
# core/config.c's keys <-> clearway.conf.5, pam_args.c <-> pam_clearway.8,
# and mandoc -Tlint clean.
add_test(NAME man COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/man_test.py
         ${PROJECT_SOURCE_DIR} $<TARGET_FILE:clearwayctl>)
set_tests_properties(man PROPERTIES LABELS integration TIMEOUT 60)

# The .deb packages end to end (scripts/package-test.sh): build N and N+1,
# install into a fresh Debian 12 root (mmdebstrap, cached), pam-auth-update,
# logons through the installed stack, upgrade keeping config and queue,
# remove and purge.  About 2.5 minutes; exit 77 (skipped, with the reason)
# without root, a tool, or a cached root and a reachable mirror, or with
# CW_SKIP_PACKAGE_TEST=1.  Run alone: its two package builds would take the
# CPU from the fault tests that measure seconds.
add_test(NAME package COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/package-test.sh)
set_tests_properties(package PROPERTIES LABELS "package;integration" TIMEOUT 900
                     SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)

# Notifications through the real daemon and libpam: the shipped e-mail and
# webhook notifiers, a hanging and a failing one (daemon/notify/).
add_test(NAME notify COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/notify_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>
         $<TARGET_FILE:pam_clearway> $<TARGET_FILE:bench_pam>)
set_tests_properties(notify PROPERTIES LABELS integration TIMEOUT 300)

# The operator's questions (who, expiring, check --at) on 1,000 generated
# staff, against individual checks and the records.
add_test(NAME ops COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/ops_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(ops PROPERTIES LABELS integration TIMEOUT 600)

# Suspensions (clearwayctl suspend/unsuspend) as real users, PAM through
# real libpam, ending by themselves to the second.
add_test(NAME suspend COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/suspend_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl> $<TARGET_FILE:pam_clearway>)
set_tests_properties(suspend PROPERTIES LABELS integration TIMEOUT 300)

# bench/peers.sh --quick (the peer benchmark's loop, against the floor).
include(${CMAKE_CURRENT_LIST_DIR}/bench.cmake)

# An auditor reads the trail without root: audit verify and export served
# by the daemon on the writer host, filtered, paged, the same as root's.
add_test(NAME audit_daemon COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/audit_daemon_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(audit_daemon PROPERTIES LABELS integration TIMEOUT 300)

# Access requests (request, requests, approve, reject; expiry) and the
# access review (review --host-class), as real users through the daemon:
# the gates, notifications, the audit trail, the report's request log.
add_test(NAME requests COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/requests_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(requests PROPERTIES LABELS integration TIMEOUT 300)

# Changes that deny reach the decision ahead of Redis (issue 12): with
# Redis refusing writes, a leaver written to LDAP is denied; Redis's
# deltas never re-allow; a loosening goes through Redis; role host too.
add_test(NAME early_deny COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/early_deny_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(early_deny PROPERTIES LABELS integration TIMEOUT 180)

# The answer table: root's logons answered again without a round trip,
# only while the answer holds (core/answer_table.h).
add_test(NAME answer_table COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/answer_table_test.sh
         $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl> $<TARGET_FILE:pam_clearway>
         $<TARGET_FILE:pam_load>)
set_tests_properties(answer_table PROPERTIES LABELS integration TIMEOUT 300)
