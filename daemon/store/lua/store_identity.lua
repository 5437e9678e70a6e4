-- SPDX-License-Identifier: MIT
-- store_identity.lua - the store's identity, read atomically: its epoch
-- (set from ARGV[1] when missing), generation and open revocations
-- (daemon/store/store.c, cw_store_identity).
--
-- KEYS: epoch gen rev:open
-- ARGV: a fresh epoch (32 hex digits)
-- Returns {epoch, created (0|1), gen, open}.

local e, made = redis.call('GET', KEYS[1]), 0
if not e then
  redis.call('SET', KEYS[1], ARGV[1])
  e, made = ARGV[1], 1
end
return {e, made, redis.call('GET', KEYS[2]) or '0',
  redis.call('ZCARD', KEYS[3])}
