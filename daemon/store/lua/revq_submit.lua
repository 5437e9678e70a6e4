-- SPDX-License-Identifier: MIT
-- revq_submit.lua - records a revocation: its hash, the month indexes,
-- the open set; queued at once (and, for denying kinds, the uid added to
-- revoked with a generation bump) when effective now, else scheduled
-- (daemon/revoke/revq_submit.c, cw_revq_submit).  Idempotent by id.
-- unique=1 (leaver, revoke): one open revocation per user and kind,
-- found through rev:openby ("<kind>:<uid>" -> id); an entry whose
-- revocation is done or cancelled is stale and is replaced.  An open one
-- still scheduled for later than this request's effective time is
-- brought forward to it (created = 2): asking again can only make a
-- revocation earlier, never later.  rev:monthz:<m> orders the month by
-- requested_at for paging.
--
-- KEYS: as revq_lib.lua
-- ARGV: [1] prefix [2] group, then id uid kind reason actor role
--       requested effective deadline month denies now unique
-- Returns {created, state, gen, id, record}: record (HGETALL) only when
-- created is not 1.

--! include revq_lib.lua
local id, uid = ARGV[3], ARGV[4]
local cur = redis.call('HGET', rkey(id), 'state')
if cur then return {0, cur, 0, id, redis.call('HGETALL', rkey(id))} end
if ARGV[15] == '1' then
  local by = ARGV[5] .. ':' .. uid
  local oid = redis.call('HGET', P .. 'rev:openby', by)
  local st = oid and redis.call('HGET', rkey(oid), 'state')
  local gen, made = 0, 0
  if st == 'scheduled' and tonumber(ARGV[10]) <
      (tonumber(redis.call('HGET', rkey(oid), 'effective_at')) or 0) then
    made = 2
    redis.call('HSET', rkey(oid), 'effective_at', ARGV[10],
      'deadline', ARGV[11])
    redis.call('ZADD', KEYS[7], ARGV[11], oid)
    if tonumber(ARGV[10]) > tonumber(ARGV[14]) then
      redis.call('ZADD', KEYS[5], ARGV[10], oid)
    else
      redis.call('ZREM', KEYS[5], oid)
      enqueue(oid, ARGV[14])
      st = 'queued'
      if ARGV[13] == '1' then
        redis.call('SADD', KEYS[1], uid)
        gen = bump('r:' .. uid)
      end
    end
  end
  if st == 'scheduled' or st == 'queued' or st == 'dead' then
    return {made, st, gen, oid, redis.call('HGETALL', rkey(oid))}
  end
  redis.call('HSET', P .. 'rev:openby', by, id)
end
redis.call('HSET', rkey(id), 'id', id, 'uid', uid, 'kind', ARGV[5],
  'reason', ARGV[6], 'actor', ARGV[7], 'role', ARGV[8],
  'requested_at', ARGV[9], 'effective_at', ARGV[10],
  'deadline', ARGV[11], 'month', ARGV[12], 'denies', ARGV[13],
  'state', 'scheduled')
redis.call('ZADD', KEYS[7], ARGV[11], id)
redis.call('SADD', P .. 'rev:month:' .. ARGV[12], id)
redis.call('ZADD', P .. 'rev:monthz:' .. ARGV[12], ARGV[9], id)
if tonumber(ARGV[10]) > tonumber(ARGV[14]) then
  redis.call('ZADD', KEYS[5], ARGV[10], id)
  return {1, 'scheduled', 0, id, {}}
end
enqueue(id, ARGV[14])
local gen = 0
if ARGV[13] == '1' then
  redis.call('SADD', KEYS[1], uid)
  redis.call('HDEL', P .. 'reinstated', uid)
  gen = bump('r:' .. uid)
end
return {1, 'queued', gen, id, {}}
