-- SPDX-License-Identifier: MIT
-- elevation_expire.lua - removes every grant that has ended by now,
-- recording "expired" for each; one generation bump ("e:*") for all.
-- Several daemons may run it at once: only the one that removes a grant
-- writes its history.
--
-- KEYS: elevations elevation-history gen changes (elevation_lib.lua)
-- ARGV: now
-- Returns {"uid:role", ...} of the grants it ended.

--! include elevation_lib.lua
local now = tonumber(ARGV[1])
local ended = {}
local all = redis.call('HKEYS', KEYS[1])
for _, uid in ipairs(all) do
  local keep, removed = load(uid, now, nil)
  if #removed > 0 then
    save(uid, keep)
    for _, g in ipairs(removed) do
      local role = type(g) == 'table' and tostring(g.role) or '?'
      redis.call('XADD', KEYS[2], '*', 'event', 'expired', 'user',
        uid, 'role', role, 'at', ARGV[1])
      ended[#ended + 1] = uid .. ':' .. role
    end
  end
end
if #ended > 0 then bump('e:*') end
return ended
