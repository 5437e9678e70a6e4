-- SPDX-License-Identifier: MIT
-- request_expire.lua - expires pending access requests nobody answered
-- in time: at most limit a call (the control worker calls it every
-- second).  Safe when several daemons race: only the one that finds a
-- request still pending expires it and gets its record back.
--
-- KEYS: requests ... requests:open (request_lib.lua)
-- ARGV: now limit
-- Returns the expired records' JSON.

--! include request_lib.lua
local K = request_keys(1)
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', K.pending, '-inf', now, 'LIMIT',
  0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(due) do
  local cur = redis.call('HGET', K.requests, id)
  local rec = cur and cjson.decode(cur)
  if rec and rec.state == 'pending' then
    out[#out + 1] = close(K, rec, 'expired', 'clearwayd', '', now)
  else
    redis.call('ZREM', K.pending, id)
  end
end
return out
