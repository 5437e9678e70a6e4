-- SPDX-License-Identifier: MIT
-- audit_ack.lua - the audit writer acknowledges entries it sealed (XACK)
-- and removes them from the stream (XDEL), only while its lease still
-- holds its token (daemon/audit/audit_writer_read.c): a writer that lost
-- the lease leaves them pending for the new holder to claim.
--
-- KEYS: audit:writer, the stream
-- ARGV: token, group, then the entry ids
-- Returns how many were acknowledged; error "FENCED ..." when refused.
--! include fence_lib.lua

local ids = {}
for i = 3, #ARGV do ids[#ids + 1] = ARGV[i] end
if #ids == 0 then return 0 end
local n = redis.call('XACK', KEYS[2], ARGV[2], unpack(ids))
redis.call('XDEL', KEYS[2], unpack(ids))
return n
