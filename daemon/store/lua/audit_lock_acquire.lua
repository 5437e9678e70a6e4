-- SPDX-License-Identifier: MIT
-- audit_lock_acquire.lua - takes the audit writer lock when it is free,
-- already ours, or held by this directory's previous writer process,
-- proven dead (daemon/audit/audit_writer.c).
--
-- KEYS: audit:writer
-- ARGV: our token, ttl in ms, the previous writer's token
-- Returns 1 when we hold it now, else 0.

local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] or v == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
