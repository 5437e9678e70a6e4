# SPDX-License-Identifier: MIT
# The Redis client (daemon/store/redis.c, redis_transport.c) against a real
# redis-server that redis_test.sh starts and always stops.  Needs
# redis-server and redis-cli (Debian: redis-server, redis-tools).
add_executable(test_redis ${CMAKE_CURRENT_LIST_DIR}/test_redis.c)
target_link_libraries(test_redis PRIVATE cwredis)

add_test(NAME redis_client
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/redis_test.sh
                 $<TARGET_FILE:test_redis>)
# The timeout test pauses the server for 3 s and the restart test waits for
# it to come back: well under a minute in all.
set_tests_properties(redis_client PROPERTIES LABELS integration TIMEOUT 120)
