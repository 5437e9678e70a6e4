-- SPDX-License-Identifier: MIT
-- audit_lock_renew.lua - extends the audit writer lock, if still ours
-- (daemon/audit/audit_writer.c).
--
-- KEYS: audit:writer
-- ARGV: our token, ttl in ms
-- Returns 1 when renewed, 0 when it is not ours (any more).

if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0
