-- SPDX-License-Identifier: MIT
-- store_write.lua - writes a batch of directory changes, bumps the
-- generation, logs the batch in the change log and sets or clears the
-- LDAP cookie, all at once (daemon/store/store.c, cw_store_write).  An
-- entry lives under one kind only: a change deletes the uuid from the
-- other hashes, so an entry whose object class changed cannot linger.
-- The change log keeps about 10,000 entries (MAXLEN ~).  Only the sync
-- leader writes: the batch is refused whole unless sync:leader still
-- holds the leader's fencing token (fence_lib.lua).
-- A mirror's batch is also refused whole unless sync:mirror_seq still
-- holds the value the mirror last wrote (missing = 0), and advances it:
-- a Redis gone back to older data under a running mirror (an old AOF, a
-- failover that lost writes) must not take a batch and its newer cookie
-- on top, or its cookie would claim changes it lost.
--
-- KEYS: sync:leader staff hostclass role gen changes ldap:cookie
--       sync:mirror_seq
-- ARGV: fencing token ("" = unfenced), cookie-op ("keep"|"set"|"clear"),
--       cookie, expected sync:mirror_seq ("" = unchecked, not advanced:
--       tools, tests), then per change: kind (0..2), uuid, json ("" =
--       deleted)
-- Returns the new generation; error "FENCED ..." or "BEHIND ..." when
-- refused.
--! include fence_lib.lua

if ARGV[4] ~= '' then
  local seq = redis.call('GET', KEYS[8]) or '0'
  if seq ~= ARGV[4] then
    return redis.error_reply('BEHIND ' .. KEYS[8] .. ' holds ' .. seq ..
      ', the mirror last wrote ' .. ARGV[4])
  end
  redis.call('INCR', KEYS[8])
end

local gen = redis.call('INCR', KEYS[5])
local log = {}
for i = 5, #ARGV, 3 do
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
