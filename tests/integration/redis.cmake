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

# Every Lua script (daemon/store/lua/NAME.lua) compiles in the same kind of
# throwaway redis-server: SCRIPT LOAD of each as embedded and as a file.
add_executable(test_lua ${CMAKE_CURRENT_LIST_DIR}/test_lua.c)
target_link_libraries(test_lua PRIVATE cwredis)
target_compile_definitions(test_lua PRIVATE
                           CW_LUA_DIR="${PROJECT_SOURCE_DIR}/daemon/store/lua")
add_test(NAME store_lua
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/redis_test.sh
                 $<TARGET_FILE:test_lua>)
set_tests_properties(store_lua PROPERTIES LABELS integration TIMEOUT 60)

# The lease with a fencing token (store/lease.h) and the fenced writes of
# store.c: stale tokens refused whole, tokens only grow, takeover.
add_executable(test_lease ${CMAKE_CURRENT_LIST_DIR}/test_lease.c
               ${CMAKE_CURRENT_LIST_DIR}/redis_client.c
               ${PROJECT_SOURCE_DIR}/daemon/model/policy_db.c ${PROJECT_SOURCE_DIR}/daemon/model/early.c
               ${PROJECT_SOURCE_DIR}/daemon/model/staff_store.c
               ${PROJECT_SOURCE_DIR}/daemon/lib/strmap.c)
target_link_libraries(test_lease PRIVATE cwstore)
add_test(NAME store_lease
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/redis_test.sh
                 $<TARGET_FILE:test_lease>)
set_tests_properties(store_lease PROPERTIES LABELS integration TIMEOUT 60)

# The client's fleet options (check_role, sentinel, reader) against a
# master, two replicas and three sentinels (tests/lib/sentinel.sh).
add_executable(test_redis_fleet ${CMAKE_CURRENT_LIST_DIR}/test_redis_fleet.c)
target_link_libraries(test_redis_fleet PRIVATE cwredis)
add_test(NAME redis_fleet
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/redis_fleet_test.sh
                 $<TARGET_FILE:test_redis_fleet>)
set_tests_properties(redis_fleet PROPERTIES LABELS integration TIMEOUT 90)
add_test(NAME redis_fleet_tls
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/redis_fleet_test.sh
                 $<TARGET_FILE:test_redis_fleet> --tls)
set_tests_properties(redis_fleet_tls PROPERTIES LABELS integration TIMEOUT 90)

# The mirror's sequence fence of store_write.lua (sync:mirror_seq): a batch
# expecting another value than Redis holds is refused whole ("BEHIND"),
# "" is unchecked.
add_executable(test_mirror_seq ${CMAKE_CURRENT_LIST_DIR}/test_mirror_seq.c
               ${CMAKE_CURRENT_LIST_DIR}/redis_client.c
               ${PROJECT_SOURCE_DIR}/daemon/model/policy_db.c ${PROJECT_SOURCE_DIR}/daemon/model/early.c
               ${PROJECT_SOURCE_DIR}/daemon/model/staff_store.c
               ${PROJECT_SOURCE_DIR}/daemon/lib/strmap.c)
target_link_libraries(test_mirror_seq PRIVATE cwstore)
add_test(NAME store_mirror_seq
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/redis_test.sh
                 $<TARGET_FILE:test_mirror_seq>)
set_tests_properties(store_mirror_seq PROPERTIES LABELS integration TIMEOUT 60)
