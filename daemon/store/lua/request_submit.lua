-- SPDX-License-Identifier: MIT
-- request_submit.lua - files an access request (clearwayctl request), if
-- the bounds allow: at most per_user pending of one user, total pending
-- in all, and one pending per user and role.  The log keeps at most
-- log_max records: the oldest answered ones are forgotten first (the
-- audit trail keeps every step).
--
-- KEYS: requests requests:pending requests:log requests:seq
--       requests:pendingby requests:open (request_lib.lua)
-- ARGV: user role duration reason ticket now expires clearance
--       per_user total log_max
-- Returns {"ok", json}, {"user_full", n}, {"total_full", n} or
-- {"duplicate", id}.

--! include request_lib.lua
local K = request_keys(1)
local user, role = ARGV[1], ARGV[2]
local per_user, total = tonumber(ARGV[9]), tonumber(ARGV[10])
local log_max = tonumber(ARGV[11])
local dup = redis.call('HGET', K.open, user .. ':' .. role)
if dup then return { 'duplicate', dup } end
local mine = tonumber(redis.call('HGET', K.pendingby, user) or '0')
if mine >= per_user then return { 'user_full', tostring(mine) } end
local all = redis.call('ZCARD', K.pending)
if all >= total then return { 'total_full', tostring(all) } end
local id = tostring(redis.call('INCR', K.seq))
local rec = { id = id, user = user, role = role,
  duration = tonumber(ARGV[3]), reason = ARGV[4], ticket = ARGV[5],
  created = tonumber(ARGV[6]), expires = tonumber(ARGV[7]),
  clearance = ARGV[8], state = 'pending', by = '', note = '',
  answered = 0 }
local json = cjson.encode(rec)
redis.call('HSET', K.requests, id, json)
redis.call('ZADD', K.pending, rec.expires, id)
redis.call('ZADD', K.log, tonumber(id), id)
redis.call('HINCRBY', K.pendingby, user, 1)
redis.call('HSET', K.open, user .. ':' .. role, id)
-- Forget the oldest answered records past log_max (pending ones, at
-- most total, are kept: they are still to be answered).
local over = redis.call('ZCARD', K.log) - log_max
if over > 0 then
  local old = redis.call('ZRANGE', K.log, 0, total + over)
  for _, o in ipairs(old) do
    if over <= 0 then break end
    if not redis.call('ZSCORE', K.pending, o) then
      redis.call('ZREM', K.log, o)
      redis.call('HDEL', K.requests, o)
      over = over - 1
    end
  end
end
return { 'ok', json }
