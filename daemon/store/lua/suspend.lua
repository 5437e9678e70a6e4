-- SPDX-License-Identifier: MIT
-- suspend.lua - sets or lifts a user's suspension (clearwayctl suspend /
-- unsuspend) and bumps the generation with a change-log entry "s:<uid>",
-- so that every daemon reloads the suspensions at once (they travel in
-- full with every delta, like the revoked set and the elevations).
--
-- KEYS: suspended gen changes
-- ARGV: uid json [mode]   (json "": lift it; mode "absent": set only
--       when the user has none: one made again after Redis lost data
--       never shortens one set since)
-- Returns the new generation, or 0 when lifting one that was not there
-- (the lift is logged all the same) or when one is there in mode
-- "absent" (nothing written).

if ARGV[3] == 'absent' and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return 0
end
local had = 1
if ARGV[2] == '' then
  had = redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
-- A lift is logged even when Redis had none: a daemon keeps a suspension
-- Redis lost until the log names it (policy_db.h, suspended_keep).
local gen = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', 10000, gen .. '-1', 'c',
  's:' .. ARGV[1])
if had == 0 then return 0 end
return gen
