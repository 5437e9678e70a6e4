-- SPDX-License-Identifier: MIT
-- lease_acquire.lua - takes a lease (daemon/store/lease.c) when it is
-- free, already ours, or held by a token the caller proved dead (its
-- process's flock is ours).  A new holder gets a fresh fencing token from
-- the counter: tokens only grow, so every write a previous holder still
-- sends carries a token the lease no longer holds and is refused
-- (fence_lib.lua).
--
-- The counter is raised to the server's clock in microseconds first:
-- replication is asynchronous, so after a Sentinel failover the new
-- master's counter may be behind tokens the old master handed out, and a
-- token given twice would let a stale holder through the fence.  Its
-- clock is not behind them unless the servers' clocks differ by more than
-- the failover took (seconds); docs/sentinel.md says so.
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
  local n = redis.call('INCR', KEYS[2])
  local now = redis.call('TIME')
  local us = tonumber(now[1]) * 1000000 + tonumber(now[2])
  if us > n then
    n = us
    redis.call('SET', KEYS[2], string.format('%d', n))
  end
  local t = string.format('%d', n)
  redis.call('SET', KEYS[1], t, 'PX', ARGV[2])
  return {1, t, v or ''}
end
return {0, v}
