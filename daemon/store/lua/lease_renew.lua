-- SPDX-License-Identifier: MIT
-- lease_renew.lua - extends a lease, if it still holds our token
-- (daemon/store/lease.c).
--
-- KEYS: lease
-- ARGV: our token, ttl in ms
-- Returns 1 when renewed, 0 when it is not ours (any more).

if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0
