-- SPDX-License-Identifier: MIT
-- store_write.lua - writes a batch of directory changes, bumps the
-- generation, logs the batch in the change log and sets or clears the
-- LDAP cookie, all at once (daemon/store/store.c, cw_store_write).  An
-- entry lives under one kind only: a change deletes the uuid from the
-- other hashes, so an entry whose object class changed cannot linger.
-- The change log keeps about 10,000 entries (MAXLEN ~).  Only the sync
-- leader writes: the batch is refused whole unless sync:leader still
-- holds the leader's fencing token (fence_lib.lua).
--
-- KEYS: sync:leader staff hostclass role gen changes ldap:cookie
-- ARGV: fencing token ("" = unfenced), cookie-op ("keep"|"set"|"clear"),
--       cookie, then per change: kind (0..2), uuid, json ("" = deleted)
-- Returns the new generation; error "FENCED ..." when refused.
--! include fence_lib.lua

local gen = redis.call('INCR', KEYS[5])
local log = {}
for i = 4, #ARGV, 3 do
  local kind, uuid, json = tonumber(ARGV[i]), ARGV[i+1], ARGV[i+2]
  for k = 1, 3 do
    if json == '' or k ~= kind + 1 then
      redis.call('HDEL', KEYS[k + 1], uuid)
    end
  end
  if json ~= '' then
    redis.call('HSET', KEYS[kind + 2], uuid, json)
    log[#log + 1] = kind .. ':' .. uuid
  else
    log[#log + 1] = 'x:' .. uuid
  end
end
redis.call('XADD', KEYS[6], 'MAXLEN', '~', 10000,
  gen .. '-1', 'c', table.concat(log, ','))
if ARGV[2] == 'set' then redis.call('SET', KEYS[7], ARGV[3])
elseif ARGV[2] == 'clear' then redis.call('DEL', KEYS[7]) end
return gen
