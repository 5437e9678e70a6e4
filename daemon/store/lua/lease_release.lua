-- SPDX-License-Identifier: MIT
-- lease_release.lua - lets go of a lease, if it still holds our token
-- (daemon/store/lease.c).  The fence counter is kept: a later holder
-- still gets a greater token.
--
-- KEYS: lease
-- ARGV: our token
-- Returns 1 when released, 0 when it was not ours.

if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1]) end return 0
