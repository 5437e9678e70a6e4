-- SPDX-License-Identifier: MIT
-- revq_claim.lua - claims up to max revocations for a worker: its own
-- pending entries first (if asked), then idle ones of any consumer
-- (XAUTOCLAIM), then new ones (XREADGROUP >) (daemon/revoke/revq_claim.c,
-- cw_revq_claim).  The delivery count of a reclaimed entry comes from
-- XPENDING; a new one has 1.  "seen" is the delivery at which a worker
-- last recorded an outcome: an entry delivered over max times past it
-- kills its workers and is dead-lettered.  Entries whose revocation is no
-- longer queued are acknowledged and skipped.
--
-- KEYS: as revq_lib.lua
-- ARGV: [1] prefix [2] group, then consumer max idle_ms max_deliveries
--       now own (0|1)
-- Returns {{sid, deliveries, {hash field, value, ...}}, ...}.

--! include revq_lib.lua
local C, max, idle = ARGV[3], tonumber(ARGV[4]), ARGV[5]
local maxd, now = tonumber(ARGV[6]), ARGV[7]
redis.pcall('XGROUP', 'CREATE', KEYS[4], G, '0', 'MKSTREAM')
local out, taken, lost = {}, {}, {}
local function count_of(sid)
  local p = redis.call('XPENDING', KEYS[4], G, sid, sid, 1)
  if p[1] then return tonumber(p[1][4]) end
  return 1
end
local function take(sid, fields, count)
  if taken[sid] then return end
  taken[sid] = true
  if not fields then
    lost[sid] = true
    redis.pcall('XACK', KEYS[4], G, sid)
    return
  end
  local id
  for i = 1, #fields - 1, 2 do
    if fields[i] == 'id' then id = fields[i + 1] end
  end
  if not id then drop_entry(sid) return end
  local f = redis.call('HMGET', rkey(id), 'state', 'seen')
  if not f[1] then dead(id, sid, count, 'record missing', now) return end
  if f[1] ~= 'queued' then drop_entry(sid) return end
  if count > maxd and count - (tonumber(f[2]) or 0) > maxd then
    dead(id, sid, count, 'delivered ' .. count ..
      ' times with no outcome recorded (a worker dies on it?)', now)
    return
  end
  redis.call('HSET', rkey(id), 'delivered', count, 'sid', sid)
  out[#out + 1] = {sid, count, redis.call('HGETALL', rkey(id))}
end
if ARGV[8] == '1' then
  local r = redis.call('XREADGROUP', 'GROUP', G, C, 'COUNT', max,
    'STREAMS', KEYS[4], '0')
  if r and r[1] then
    for _, e in ipairs(r[1][2]) do take(e[1], e[2], count_of(e[1])) end
  end
end
local cursor = '0-0'
for round = 1, 8 do
  if #out >= max then break end
  local r = redis.call('XAUTOCLAIM', KEYS[4], G, C, idle, cursor,
    'COUNT', max - #out)
  for _, e in ipairs(r[2]) do take(e[1], e[2], count_of(e[1])) end
  -- Redis 7: ids of entries deleted while pending, already unlisted
  for _, sid in ipairs(r[3] or {}) do lost[sid] = true end
  cursor = r[1]
  if cursor == '0-0' then break end
end
if #out < max then
  local r = redis.call('XREADGROUP', 'GROUP', G, C, 'COUNT',
    max - #out, 'STREAMS', KEYS[4], '>')
  if r and r[1] then
    for _, e in ipairs(r[1][2]) do take(e[1], e[2], 1) end
  end
end
-- An entry deleted under a pending claim: queue its record again
-- (rare, so a scan of the open set is fine).  Nothing is lost.
if next(lost) then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[7], 0, -1)) do
    local f = redis.call('HMGET', rkey(id), 'state', 'sid')
    if f[1] == 'queued' and f[2] and lost[f[2]] then
      enqueue(id, now)
    end
  end
end
return out
