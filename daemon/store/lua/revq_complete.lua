-- SPDX-License-Identifier: MIT
-- revq_complete.lua - all steps done: the stream entry acknowledged and
-- deleted, state done, out of the open set (daemon/revoke/revq_claim.c,
-- cw_revq_complete).
--
-- KEYS: as revq_lib.lua
-- ARGV: [1] prefix [2] group, then sid id now
-- Returns 1, or 0 when it was not queued (the entry is dropped anyway).

--! include revq_lib.lua
drop_entry(ARGV[3])
local key = rkey(ARGV[4])
if redis.call('HGET', key, 'state') ~= 'queued' then return 0 end
redis.call('HSET', key, 'state', 'done', 'completed_at', ARGV[5])
redis.call('ZREM', KEYS[7], ARGV[4])
return 1
