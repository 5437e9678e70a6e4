-- SPDX-License-Identifier: MIT
-- revq_page.lua - one page of a sorted-set index (rev:open or
-- rev:monthz:<m>) after a cursor's member, read atomically so that a
-- member removed between the rank and the range cannot shift the page
-- (daemon/revoke/revq_report.c).
--
-- KEYS: as revq_lib.lua
-- ARGV: [1] prefix [2] group, then index suffix, cursor id ("" = from
--       rank start), count, start
-- Returns {start, {member, score, ...}}, or {-1} when the cursor's id has
-- left the index (the caller then finds its place by score and asks
-- again by rank).

--! include revq_lib.lua
local key, n, start = P .. ARGV[3], tonumber(ARGV[5]), tonumber(ARGV[6])
if ARGV[4] ~= '' then
  local r = redis.call('ZRANK', key, ARGV[4])
  if not r then return {-1} end
  start = r + 1
end
return {start, redis.call('ZRANGE', key, start, start + n - 1,
  'WITHSCORES')}
