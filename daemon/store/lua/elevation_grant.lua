-- SPDX-License-Identifier: MIT
-- elevation_grant.lua - adds a grant to a user's elevations (one of the
-- same role is replaced), records "granted" in the history and bumps the
-- generation with a change-log entry "e:<uid>".
--
-- KEYS: elevations elevation-history gen changes (elevation_lib.lua)
-- ARGV: uid role start end approver reason ticket now
-- Returns the new generation.

--! include elevation_lib.lua
local now = tonumber(ARGV[8])
local keep = load(ARGV[1], now, ARGV[2])
local g = { role = ARGV[2], start = tonumber(ARGV[3]),
  ['end'] = tonumber(ARGV[4]), approver = ARGV[5], reason = ARGV[6] }
if ARGV[7] ~= '' then g.ticket = ARGV[7] end
keep[#keep + 1] = g
save(ARGV[1], keep)
redis.call('XADD', KEYS[2], '*', 'event', 'granted', 'user', ARGV[1],
  'role', ARGV[2], 'start', ARGV[3], 'end', ARGV[4], 'by', ARGV[5],
  'reason', ARGV[6], 'ticket', ARGV[7])
return bump('e:' .. ARGV[1])
