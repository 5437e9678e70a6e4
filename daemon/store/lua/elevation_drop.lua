-- SPDX-License-Identifier: MIT
-- elevation_drop.lua - ends uid's running grant of role now, recording
-- "dropped" in the history.
--
-- KEYS: elevations elevation-history gen changes (elevation_lib.lua)
-- ARGV: uid role actor now [before]
-- With before (a drop made again after Redis lost data: sync_filed.c),
-- only a grant that started before it is ended: one granted again since
-- the drop keeps running.
-- Returns the new generation, or 0 when no such grant was running.

--! include elevation_lib.lua
local keep, removed = load(ARGV[1], tonumber(ARGV[4]), ARGV[2])
local before = tonumber(ARGV[5])
if before then
  local rest = {}
  for _, g in ipairs(removed) do
    local s = tonumber(g.start)
    if g.role == ARGV[2] and tonumber(g['end']) > tonumber(ARGV[4]) and
        s and s >= before then
      keep[#keep + 1] = g
    else
      rest[#rest + 1] = g
    end
  end
  removed = rest
end
local dropped = 0
for _, g in ipairs(removed) do
  if g.role == ARGV[2] and tonumber(g['end']) > tonumber(ARGV[4]) then
    dropped = dropped + 1
  end
end
if dropped == 0 then return 0 end
save(ARGV[1], keep)
redis.call('XADD', KEYS[2], '*', 'event', 'dropped', 'user', ARGV[1],
  'role', ARGV[2], 'by', ARGV[3], 'at', ARGV[4])
return bump('e:' .. ARGV[1])
