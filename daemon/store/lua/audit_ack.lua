-- SPDX-License-Identifier: MIT
-- audit_ack.lua - the audit writer acknowledges entries it sealed (XACK)
-- and removes them from the stream (XDEL), only while its lease still
-- holds its token (daemon/audit/audit_writer_read.c): a writer that lost
-- the lease leaves them pending for the new holder to claim.  With a
-- third key it also moves the host's sealed mark (<prefix>audit-sealed:
-- <host>) to the highest id acknowledged, in the same step: the host
-- deletes what it forwarded only once this mark covers it
-- (daemon/audit/audit_retain.c).  The mark never goes back here.
--
-- KEYS: audit:writer, the stream[, its sealed mark]
-- ARGV: token, group, then the entry ids
-- Returns how many were acknowledged; error "FENCED ..." when refused.
--! include fence_lib.lua

local ids = {}
for i = 3, #ARGV do ids[#ids + 1] = ARGV[i] end
if #ids == 0 then return 0 end
local n = redis.call('XACK', KEYS[2], ARGV[2], unpack(ids))
redis.call('XDEL', KEYS[2], unpack(ids))
if KEYS[3] then
  local function parse(id)
    local ms, sq = string.match(id or '', '^(%d+)-(%d+)$')
    return tonumber(ms or -1), tonumber(sq or -1)
  end
  local bm, bs = parse(redis.call('GET', KEYS[3]) or '')
  local best
  for _, id in ipairs(ids) do
    local m, s = parse(id)
    if m > bm or (m == bm and s > bs) then bm, bs, best = m, s, id end
  end
  if best then redis.call('SET', KEYS[3], best) end
end
return n
