-- SPDX-License-Identifier: MIT
-- revq_reinstate.lua - undoes a mistaken revocation: uid out of revoked,
-- its revocations not yet done cancelled (stream and schedule entries
-- removed), a generation bump, and the reinstate marker every host needs
-- before it takes uid off its deny-list (daemon/revoke/revq_submit.c,
-- cw_revq_reinstate).
--
-- KEYS: as revq_lib.lua
-- ARGV: [1] prefix [2] group, then uid actor reason now
-- Returns {was_revoked (0|1), cancelled, gen}.

--! include revq_lib.lua
local uid = ARGV[3]
local removed = redis.call('SREM', KEYS[1], uid)
local n = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[7], 0, -1)) do
  local f = redis.call('HMGET', rkey(id), 'uid', 'state', 'sid')
  if f[1] == uid and (f[2] == 'scheduled' or f[2] == 'queued' or
      f[2] == 'dead') then
    redis.call('HSET', rkey(id), 'state', 'cancelled',
      'cancelled_by', ARGV[4], 'cancel_reason', ARGV[5],
      'cancelled_at', ARGV[6])
    redis.call('ZREM', KEYS[5], id)
    redis.call('ZREM', KEYS[7], id)
    if f[2] == 'queued' then drop_entry(f[3]) end
    n = n + 1
  end
end
local gen = 0
if removed == 1 or n > 0 then
  gen = bump('r:' .. uid)
  -- the explicit undo every host needs before it un-denies (keys.h)
  redis.call('HSET', P .. 'reinstated', uid,
    (redis.call('GET', P .. 'epoch') or '-') .. ' ' .. gen .. ' ' ..
    ARGV[6])
end
return {removed, n, gen}
