-- SPDX-License-Identifier: MIT
-- revq_dead.lua - gives up on an entry: a dead letter in revq:dead with
-- alert=1, the entry acknowledged and deleted, state dead (still open)
-- (daemon/revoke/revq_claim.c, cw_revq_dead_letter).
--
-- KEYS: as revq_lib.lua
-- ARGV: [1] prefix [2] group, then sid id deliveries why now
-- Returns 1, or 0 when it was not queued.

--! include revq_lib.lua
return dead(ARGV[4], ARGV[3], ARGV[5], ARGV[6], ARGV[7])
