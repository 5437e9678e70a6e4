# SPDX-License-Identifier: MIT
# Secure on the wire (issue 13): TLS to Redis, the Redis ACL of a host,
# who the PAM module and clearwayctl talk to, plain LDAP refused, the
# systemd watchdog.  Each script runs its own servers and always stops
# them.
# redis_probe (bench/redis_probe.c): one command through the daemon's
# Redis client, TLS or not.

add_test(NAME fault_redis_tls
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/redis_tls_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>
                 $<TARGET_FILE:pam_clearway> $<TARGET_FILE:redis_probe>)
set_tests_properties(fault_redis_tls PROPERTIES LABELS faults TIMEOUT 240)

add_test(NAME fault_peer_check
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/peer_check_test.sh
                 $<TARGET_FILE:clearwayctl> $<TARGET_FILE:pam_clearway>)
set_tests_properties(fault_peer_check PROPERTIES LABELS faults TIMEOUT 120)

add_test(NAME fault_ldap_plaintext
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/ldap_plaintext_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_ldap_plaintext PROPERTIES LABELS faults TIMEOUT 120)

add_test(NAME fault_redis_acl
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/redis_acl_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>
                 $<TARGET_FILE:redis_probe>
                 ${PROJECT_SOURCE_DIR}/etc/redis-acl.conf.example)
set_tests_properties(fault_redis_acl PROPERTIES LABELS faults TIMEOUT 180)

add_test(NAME fault_systemd_notify
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/systemd_notify_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>)
set_tests_properties(fault_systemd_notify PROPERTIES LABELS faults TIMEOUT 120)

add_test(NAME fault_secret_check
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/secret_check_test.sh
                 $<TARGET_FILE:clearwayd>)
set_tests_properties(fault_secret_check PROPERTIES LABELS faults TIMEOUT 60)

# Issue 14: host and central roles, offline_grace, admin_max_staleness.
add_test(NAME fault_roles
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/roles_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>
                 ${PROJECT_SOURCE_DIR}/etc/redis-acl.conf.example)
set_tests_properties(fault_roles PROPERTIES LABELS faults TIMEOUT 180)

# A real partition: a host-role daemon in its own network namespace cut
# off from Redis (veth down) past offline_grace, then healed.
add_test(NAME fault_partition
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/partition_test.sh
                 $<TARGET_FILE:clearwayd> $<TARGET_FILE:clearwayctl>
                 $<TARGET_FILE:pam_clearway> $<TARGET_FILE:pam_load>)
set_tests_properties(fault_partition PROPERTIES LABELS faults TIMEOUT 120)
