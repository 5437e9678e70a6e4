# SPDX-License-Identifier: MIT
# Secure on the wire (issue 13): TLS to Redis, the Redis ACL of a host,
# who the PAM module and clearwayctl talk to, plain LDAP refused, the
# systemd watchdog.  Each script runs its own servers and always stops
# them.
add_executable(redis_probe ${CMAKE_CURRENT_LIST_DIR}/redis_probe.c)
target_link_libraries(redis_probe PRIVATE cwredis)

add_test(NAME fault_redis_tls
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/redis_tls_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>
                 $<TARGET_FILE:pam_clearway> $<TARGET_FILE:redis_probe>)
set_tests_properties(fault_redis_tls PROPERTIES LABELS faults TIMEOUT 240)
