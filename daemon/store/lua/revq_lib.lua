-- SPDX-License-Identifier: MIT
-- revq_lib.lua - the prologue every revocation queue script starts with
-- ("--! include revq_lib.lua"); daemon/revoke/revq_script.c runs them.
--
-- KEYS (every revq script, in this order; names in store/keys.h):
--   [1] revoked  [2] gen  [3] changes  [4] revq  [5] revsched
--   [6] revq:dead  [7] rev:open
-- ARGV[1] the key prefix P: rev:<id>, rev:openby, rev:month:<m>,
--   rev:monthz:<m>, reinstated and epoch are derived as P .. name (Redis
--   allows it outside Cluster; store/keys.h lists them).  ARGV[2] the
--   consumer group G ("workers").  Each script's own ARGV start at 3.
--
--   rkey(id)                the key of revocation id's hash
--   bump(items)             gen + 1 and a change-log entry naming items
--                           (as store_write.lua does)
--   enqueue(id, now)        a stream entry for id; its hash says queued
--   drop_entry(sid)         XACK + XDEL of a stream entry
--   dead(id, sid, count, why, now)
--                           dead-letters id: 1, or 0 when not queued

local P, G = ARGV[1], ARGV[2]
local function rkey(id) return P .. 'rev:' .. id end
local function bump(items)
  local gen = redis.call('INCR', KEYS[2])
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', 10000,
    gen .. '-1', 'c', items)
  return gen
end
local function enqueue(id, now)
  local sid = redis.call('XADD', KEYS[4], '*', 'id', id)
  redis.call('HSET', rkey(id), 'state', 'queued', 'queued_at', now,
    'sid', sid, 'seen', 0, 'delivered', 0)
  return sid
end
-- pcall: the group may not exist yet (nothing claimed so far)
local function drop_entry(sid)
  if sid and sid ~= '' then
    redis.pcall('XACK', KEYS[4], G, sid)
    redis.call('XDEL', KEYS[4], sid)
  end
end
local function dead(id, sid, count, why, now)
  drop_entry(sid)
  local f = redis.call('HMGET', rkey(id), 'state', 'uid')
  if f[1] and f[1] ~= 'queued' then return 0 end
  redis.call('XADD', KEYS[6], '*', 'id', id, 'uid', f[2] or '',
    'sid', sid, 'deliveries', count, 'error', why, 'at', now,
    'alert', '1')
  if not f[1] then return 0 end
  redis.call('HSET', rkey(id), 'state', 'dead', 'dead_at', now,
    'last_error', why, 'alert', '1')
  return 1
end
