-- SPDX-License-Identifier: MIT
-- elevation_lib.lua - the prologue every elevation script starts with
-- ("--! include elevation_lib.lua"); daemon/store/store_elevation.c runs
-- them.
--
-- KEYS (every elevation script, in this order; store/keys.h):
--   [1] elevations  [2] elevation-history  [3] gen  [4] changes
--
--   load(uid, now, drop_role)  uid's grants: those still running at now
--                              and not of drop_role (keep), the others
--                              (removed)
--   save(uid, keep)            writes the list back (deletes it if empty)
--   bump(item)                 gen + 1 and a change-log entry naming item

local function load(uid, now, drop_role)
  local cur = redis.call('HGET', KEYS[1], uid)
  local keep, removed = {}, {}
  if cur then
    local ok, list = pcall(cjson.decode, cur)
    if ok and type(list) == 'table' then
      for _, g in ipairs(list) do
        local e = tonumber(g['end'])
        if type(g) ~= 'table' or not e or e <= now then
          removed[#removed + 1] = g
        elseif g.role == drop_role then
          removed[#removed + 1] = g
        else
          keep[#keep + 1] = g
        end
      end
    end
  end
  return keep, removed
end
local function save(uid, keep)
  if #keep == 0 then redis.call('HDEL', KEYS[1], uid)
  else redis.call('HSET', KEYS[1], uid, cjson.encode(keep)) end
end
local function bump(item)
  local gen = redis.call('INCR', KEYS[3])
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', 10000,
    gen .. '-1', 'c', item)
  return gen
end
