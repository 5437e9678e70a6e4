-- SPDX-License-Identifier: MIT
-- store_write.lua - writes a batch of directory changes, bumps the
-- generation, logs the batch in the change log and sets or clears the
-- LDAP cookie, all at once (daemon/store/store.c, cw_store_write).  An
-- entry lives under one kind only: a change deletes the uuid from the
-- other hashes, so an entry whose object class changed cannot linger.
-- The change log keeps about 10,000 entries (MAXLEN ~).
--
-- KEYS: staff hostclass role gen changes ldap:cookie
-- ARGV: cookie-op ("keep"|"set"|"clear"), cookie, then per change: kind
--       (0..2), uuid, json ("" = deleted)
-- Returns the new generation.

local gen = redis.call('INCR', KEYS[4])
local log = {}
for i = 3, #ARGV, 3 do
  local kind, uuid, json = tonumber(ARGV[i]), ARGV[i+1], ARGV[i+2]
  for k = 1, 3 do
    if json == '' or k ~= kind + 1 then
      redis.call('HDEL', KEYS[k], uuid)
    end
  end
  if json ~= '' then
    redis.call('HSET', KEYS[kind + 1], uuid, json)
    log[#log + 1] = kind .. ':' .. uuid
  else
    log[#log + 1] = 'x:' .. uuid
  end
end
redis.call('XADD', KEYS[5], 'MAXLEN', '~', 10000,
  gen .. '-1', 'c', table.concat(log, ','))
if ARGV[1] == 'set' then redis.call('SET', KEYS[6], ARGV[2])
elseif ARGV[1] == 'clear' then redis.call('DEL', KEYS[6]) end
return gen
