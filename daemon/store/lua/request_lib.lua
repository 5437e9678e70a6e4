-- SPDX-License-Identifier: MIT
-- request_lib.lua - the prologue of the access-request scripts
-- ("--! include request_lib.lua"); daemon/store/store_request.c runs
-- them.  A request is one JSON record in the requests hash; while it is
-- pending it is also in the pending set (scored by when it expires), in
-- the per-user count and in the "<user>:<role>" index.
--
-- KEYS, from R (the first request key; request_answer.lua passes the
-- elevation keys first):
--   [R] requests  [R+1] requests:pending  [R+2] requests:log
--   [R+3] requests:seq  [R+4] requests:pendingby  [R+5] requests:open
--
--   close(K, rec, state, by, note, now)  ends a pending request: writes
--                                        it back answered, out of the
--                                        pending indexes; returns the
--                                        record's JSON

local function close(K, rec, state, by, note, now)
  rec.state = state
  rec.by = by
  rec.note = note
  rec.answered = now
  local json = cjson.encode(rec)
  redis.call('HSET', K.requests, rec.id, json)
  redis.call('ZREM', K.pending, rec.id)
  if redis.call('HINCRBY', K.pendingby, rec.user, -1) <= 0 then
    redis.call('HDEL', K.pendingby, rec.user)
  end
  local key = rec.user .. ':' .. rec.role
  if redis.call('HGET', K.open, key) == rec.id then
    redis.call('HDEL', K.open, key)
  end
  return json
end

local function request_keys(r)
  return { requests = KEYS[r], pending = KEYS[r + 1], log = KEYS[r + 2],
    seq = KEYS[r + 3], pendingby = KEYS[r + 4], open = KEYS[r + 5] }
end
