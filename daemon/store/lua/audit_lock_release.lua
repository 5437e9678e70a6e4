-- SPDX-License-Identifier: MIT
-- audit_lock_release.lua - lets go of the audit writer lock, if ours
-- (daemon/audit/audit_writer.c).
--
-- KEYS: audit:writer
-- ARGV: our token
-- Returns 1 when released, 0 when it was not ours.

if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1]) end return 0
