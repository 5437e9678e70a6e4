-- SPDX-License-Identifier: MIT
-- revq_month_index.lua - builds rev:monthz:<m> from rev:month:<m> when
-- it lacks members (records filed before it existed); a missing record
-- sorts first with score 0 (daemon/revoke/revq_report.c).
--
-- KEYS: as revq_lib.lua
-- ARGV: [1] prefix [2] group, then month ("YYYY-MM")
-- Returns how many members it added.

--! include revq_lib.lua
local set, z = P .. 'rev:month:' .. ARGV[3], P .. 'rev:monthz:' .. ARGV[3]
if redis.call('SCARD', set) == redis.call('ZCARD', z) then return 0 end
local n = 0
for _, id in ipairs(redis.call('SMEMBERS', set)) do
  if not redis.call('ZSCORE', z, id) then
    local t = redis.call('HGET', rkey(id), 'requested_at')
    redis.call('ZADD', z, tonumber(t) or 0, id)
    n = n + 1
  end
end
return n
