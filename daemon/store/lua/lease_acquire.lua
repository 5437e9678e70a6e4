-- SPDX-License-Identifier: MIT
-- lease_acquire.lua - takes a lease (daemon/store/lease.c) when it is
-- free, already ours, or held by a token the caller proved dead (its
-- process's flock is ours).  A new holder gets a fresh fencing token from
-- the counter: tokens only grow, so every write a previous holder still
-- sends carries a token the lease no longer holds and is refused
-- (fence_lib.lua).
--
-- KEYS: lease (STRING token, PX ttl), fence counter (STRING integer)
-- ARGV: our token ("" when we hold none), ttl in ms, a dead holder's
--       token ("" when none)
-- Returns {1, token, the previous holder's token or ""} when we hold it
-- now, {0, the holder's token} when not.

local v = redis.call('GET', KEYS[1])
if v ~= false and ARGV[1] ~= '' and v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, v, v}
end
if v == false or (ARGV[3] ~= '' and v == ARGV[3]) then
  local t = tostring(redis.call('INCR', KEYS[2]))
  redis.call('SET', KEYS[1], t, 'PX', ARGV[2])
  return {1, t, v or ''}
end
return {0, v}
