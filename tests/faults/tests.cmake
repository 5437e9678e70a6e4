# SPDX-License-Identifier: MIT
# Fault tests (tests/faults/): each fault gets a test through the real
# daemon, Redis, slapd and PAM that reproduces it, and prints what it
# measured (allows of revoked users, denials of valid users, forged or
# lost records).  Each area registers its tests in its own
# tests/faults/<area>.cmake, so that they grow without touching one list.
file(GLOB CW_FAULT_LISTS ${CMAKE_CURRENT_LIST_DIR}/*.cmake)
list(REMOVE_ITEM CW_FAULT_LISTS ${CMAKE_CURRENT_LIST_FILE})
list(SORT CW_FAULT_LISTS)
foreach(list_file ${CW_FAULT_LISTS})
  include(${list_file})
endforeach()
