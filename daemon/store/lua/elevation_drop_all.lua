-- SPDX-License-Identifier: MIT
-- elevation_drop_all.lua - ends all of uid's running grants (a
-- revocation), one "dropped" history entry each.
--
-- KEYS: elevations elevation-history gen changes (elevation_lib.lua)
-- ARGV: uid actor now
-- Returns how many grants it ended.

--! include elevation_lib.lua
local keep, removed = load(ARGV[1], tonumber(ARGV[3]), nil)
local n = #keep
if n == 0 then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
for _, g in ipairs(keep) do
  redis.call('XADD', KEYS[2], '*', 'event', 'dropped', 'user',
    ARGV[1], 'role', tostring(g.role), 'by', ARGV[2], 'at', ARGV[3])
end
bump('e:' .. ARGV[1])
return n
