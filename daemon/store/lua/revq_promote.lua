-- SPDX-License-Identifier: MIT
-- revq_promote.lua - moves scheduled revocations whose effective time
-- has come into the stream (and denying kinds' uids into revoked, with
-- one generation bump) (daemon/revoke/revq_submit.c,
-- cw_revq_promote_due).
--
-- KEYS: as revq_lib.lua
-- ARGV: [1] prefix [2] group, then now max
-- Returns how many left the schedule.

--! include revq_lib.lua
local now = ARGV[3]
local due = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now,
  'LIMIT', 0, tonumber(ARGV[4]))
local items = {}
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[5], id)
  local f = redis.call('HMGET', rkey(id), 'state', 'uid', 'denies')
  if f[1] == 'scheduled' then
    enqueue(id, now)
    if f[3] == '1' then
      redis.call('SADD', KEYS[1], f[2])
      redis.call('HDEL', P .. 'reinstated', f[2])
      items[#items + 1] = 'r:' .. f[2]
    end
  end
end
if #items > 0 then bump(table.concat(items, ',')) end
return #due
