-- SPDX-License-Identifier: MIT
-- request_page.lua - one page of the request log, oldest first: the
-- records of up to count ids after the id "after" (0: from the start).
-- Read-only, run with EVAL_RO (a host's Redis user may).
--
-- KEYS: requests requests:log
-- ARGV: after count
-- Returns {last id scanned or "", json, json, ...} (a record forgotten
-- between the two reads is left out).

local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf',
  'LIMIT', 0, tonumber(ARGV[2]))
local out = { '' }
for _, id in ipairs(ids) do
  local rec = redis.call('HGET', KEYS[1], id)
  if rec then out[#out + 1] = rec end
  out[1] = id
end
return out
