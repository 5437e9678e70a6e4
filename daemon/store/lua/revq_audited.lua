-- SPDX-License-Identifier: MIT
-- revq_audited.lua - marks that a revocation's revocation_requested
-- audit record was emitted (daemon/revoke/revq_submit.c,
-- cw_revq_mark_audited).  Nothing is created for an unknown id.
--
-- KEYS: as revq_lib.lua
-- ARGV: [1] prefix [2] group, then id now
-- Returns 1 the first time, 0 after, -1 when there is no such revocation.

--! include revq_lib.lua
if redis.call('EXISTS', rkey(ARGV[3])) == 0 then return -1 end
return redis.call('HSETNX', rkey(ARGV[3]), 'requested_audited', ARGV[4])
