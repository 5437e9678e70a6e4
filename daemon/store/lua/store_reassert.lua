-- SPDX-License-Identifier: MIT
-- store_reassert.lua - puts uids back in revoked (a store that forgot
-- them), drops their reinstate markers, bumps the generation and logs
-- "r:<uid>" for each (daemon/store/store.c, cw_store_reassert).
--
-- KEYS: revoked reinstated gen changes
-- ARGV: uids
-- Returns the new generation.

local items = {}
for i = 1, #ARGV do
  redis.call('SADD', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
  items[#items + 1] = 'r:' .. ARGV[i]
end
local gen = redis.call('INCR', KEYS[3])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', 10000,
  gen .. '-1', 'c', table.concat(items, ','))
return gen
