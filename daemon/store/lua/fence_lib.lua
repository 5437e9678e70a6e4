-- SPDX-License-Identifier: MIT
-- fence_lib.lua - the fencing check every lease holder's write starts
-- with (daemon/store/lease.h), included first by store_write.lua,
-- store_fenced.lua and audit_ack.lua.  KEYS[1] is the lease, ARGV[1] the
-- token the writer believes it holds ("" = an unfenced writer: tools,
-- tests).  The check and the write run in one script, so no other holder
-- can come in between: a paused or cut-off old holder that wakes up
-- mid-batch writes nothing.

if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('FENCED the lease ' .. KEYS[1] ..
    ' does not hold token ' .. ARGV[1])
end
