-- SPDX-License-Identifier: MIT
-- request_answer.lua - approves or rejects a pending access request
-- (clearwayctl approve / reject), atomically with the elevation an
-- approval grants (as elevation_grant.lua does: the grant in the user's
-- list, "granted" in the history, a generation bump with "e:<uid>").
-- The caller names the request's user, role and duration as it checked
-- them against the policy data: any difference from the stored request
-- refuses, so what was checked is what is granted.
--
-- KEYS: elevations elevation-history gen changes (elevation_lib.lua),
--       requests ... requests:open (request_lib.lua, from KEYS[5])
-- ARGV: id verdict by note now user role duration start end
--       (verdict "approved" or "rejected"; role, duration, start, end
--       only for approved)
-- Returns {"ok", json, gen} (gen 0 for a rejection), {"missing"},
-- {"answered", state}, {"expired"} or {"mismatch"}.

--! include elevation_lib.lua
--! include request_lib.lua
local K = request_keys(5)
local id, verdict, by, note = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local now = tonumber(ARGV[5])
local cur = redis.call('HGET', K.requests, id)
if not cur then return { 'missing' } end
local rec = cjson.decode(cur)
if rec.state ~= 'pending' then return { 'answered', rec.state } end
if tonumber(rec.expires) <= now then return { 'expired' } end
if rec.user ~= ARGV[6] then return { 'mismatch' } end
if verdict == 'approved' and (rec.role ~= ARGV[7] or
    tonumber(rec.duration) ~= tonumber(ARGV[8])) then
  return { 'mismatch' }
end
local gen = 0
if verdict == 'approved' then
  local keep = load(rec.user, now, rec.role)
  local g = { role = rec.role, start = tonumber(ARGV[9]),
    ['end'] = tonumber(ARGV[10]), approver = by, reason = rec.reason }
  if rec.ticket ~= '' then g.ticket = rec.ticket end
  keep[#keep + 1] = g
  save(rec.user, keep)
  redis.call('XADD', KEYS[2], '*', 'event', 'granted', 'user', rec.user,
    'role', rec.role, 'start', ARGV[9], 'end', ARGV[10], 'by', by,
    'reason', rec.reason, 'ticket', rec.ticket, 'request', id)
  gen = bump('e:' .. rec.user)
end
local json = close(K, rec, verdict, by, note, now)
return { 'ok', json, gen }
