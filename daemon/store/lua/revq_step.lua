-- SPDX-License-Identifier: MIT
-- revq_step.lua - records one step's outcome in a queued revocation
-- (daemon/revoke/revq_claim.c, cw_revq_step_done).
--
-- KEYS: as revq_lib.lua
-- ARGV: [1] prefix [2] group, then id step outcome ("done" or
--       "failed:<why>") now
-- Returns 1, 0 when it is not queued, -1 when there is no such revocation.

--! include revq_lib.lua
local key = rkey(ARGV[3])
local f = redis.call('HMGET', key, 'state', 'delivered')
if not f[1] then return -1 end
if f[1] ~= 'queued' then return 0 end
redis.call('HSET', key, 'step:' .. ARGV[4], ARGV[5],
  'step:' .. ARGV[4] .. ':at', ARGV[6], 'seen', f[2] or 0)
if ARGV[5] == 'done' then
  redis.call('HSET', key, 'steps_done_at', ARGV[6])
else
  redis.call('HSET', key, 'last_error', ARGV[5])
end
return 1
