-- SPDX-License-Identifier: MIT
-- suspend.lua - sets or lifts a user's suspension (clearwayctl suspend /
-- unsuspend) and bumps the generation with a change-log entry "s:<uid>",
-- so that every daemon reloads the suspensions at once (they travel in
-- full with every delta, like the revoked set and the elevations).
--
-- KEYS: suspended gen changes
-- ARGV: uid json   (json "": lift it)
-- Returns the new generation, or 0 when lifting one that was not there.

if ARGV[2] == '' then
  if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
local gen = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', 10000, gen .. '-1', 'c',
  's:' .. ARGV[1])
return gen
