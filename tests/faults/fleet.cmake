# SPDX-License-Identifier: MIT
# Issue 15: the fault suite on a simulated fleet (tests/faults/fleet_faults.py,
# tests/lib/fleet.py).  The fast cases; scripts/faults runs the long variant.
#   fault_fleet_mixed       every fault kind at least once, at seeded random
#                           points, under the mixed load; the checker's
#                           counts must be 0
#   fault_fleet_regressions what the long runs found, replayed in order:
#                           a provider outage longer than max_deliveries
#                           redeliveries while leavers are filed (a referral
#                           from the consumer dead-lettered them), then
#                           Redis back to an AOF taken before a suspension
#                           in LDAP, a leaver and an elevation dropped
#                           early (the suspended user was allowed again;
#                           the leaver's record left the report; the
#                           dropped elevation came back to its old end);
#                           first, an elevation asked of a SIGSTOPped
#                           central whose CLI gave up ("outcome unknown")
#                           was granted when the central woke; and, with
#                           the directory down so that no refill comes,
#                           a host restarted after the rollback (it had
#                           no memory and took Redis's old data: the
#                           suspended user was allowed again, found by
#                           fault_fleet_mixed seed 3); a clearwayctl
#                           suspension lost with the rollback is set
#                           again, and hosts keep it meanwhile; last, an
#                           elevation dropped while the master is cut
#                           off from its replicas (hosts reading a
#                           replica that still said "connected" allowed
#                           it until the partition healed); and a host
#                           clock stepped 2 h ahead (it ended an hour's
#                           clearwayctl suspension there)
add_test(NAME fault_fleet_mixed
         COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/fleet_faults.py
                 --build ${CMAKE_BINARY_DIR} --seed 3 --duration 80
                 --hold 4 --gap 3)
add_test(NAME fault_fleet_regressions
         COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/fleet_faults.py
                 --build ${CMAKE_BINARY_DIR} --duration 200 --plan
                 "suspend_ctl,elevate_on_stopped,wait:3,kill9_provider,wait:1,leaver,revoke,wait:8,heal,clock_step:+7200,wait:5,heal,wait:2,elevate_long,wait:2,snapshot,wait:1,suspend,suspend_ctl,leaver,drop,wait:3,kill9_provider,kill9_consumer,redis_old_aof,wait:3,heal,wait:2,kill9_host,wait:4,heal,wait:4,heal,heal,wait:20,elevate_long,wait:12,part_master_replicas,wait:1,drop,wait:8,heal,wait:5")
set_tests_properties(fault_fleet_mixed fault_fleet_regressions PROPERTIES
                     LABELS faults TIMEOUT 600)
