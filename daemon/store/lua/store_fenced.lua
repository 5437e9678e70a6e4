-- SPDX-License-Identifier: MIT
-- store_fenced.lua - one write of the sync leader that is not a change
-- batch (daemon/store/store.c): forgetting the cookie, the sync state,
-- a leaver event; refused unless the sync lease still holds the token.
--
-- KEYS: sync:leader, the key written
-- ARGV: token ("" = unfenced), op ("del"|"hset"|"hsetnx"), then the
--       command's own arguments (field, value, ...)
-- Returns what the command returns; error "FENCED ..." when refused.
--! include fence_lib.lua

if ARGV[2] == 'del' then return redis.call('DEL', KEYS[2]) end
local args = {}
for i = 3, #ARGV do args[#args + 1] = ARGV[i] end
if ARGV[2] == 'hset' then return redis.call('HSET', KEYS[2], unpack(args)) end
if ARGV[2] == 'hsetnx' then
  return redis.call('HSETNX', KEYS[2], args[1], args[2]) end
return redis.error_reply('ERR store_fenced: unknown op')
