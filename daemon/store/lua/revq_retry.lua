-- SPDX-License-Identifier: MIT
-- revq_retry.lua - an operator's retry of a dead revocation: queued
-- again, its alert cleared (daemon/revoke/revq_claim.c, cw_revq_retry).
--
-- KEYS: as revq_lib.lua
-- ARGV: [1] prefix [2] group, then id now
-- Returns 1, or 0 when it was not dead.

--! include revq_lib.lua
if redis.call('HGET', rkey(ARGV[3]), 'state') ~= 'dead' then
  return 0
end
redis.call('HSET', rkey(ARGV[3]), 'alert', '0')
enqueue(ARGV[3], ARGV[4])
return 1
