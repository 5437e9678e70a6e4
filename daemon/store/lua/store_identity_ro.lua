-- SPDX-License-Identifier: MIT
-- store_identity_ro.lua - the store's identity read atomically, for a
-- daemon that may not write (role = host: EVAL_RO, keys checked for
-- reading only; daemon/store/store_ro.c).  Unlike store_identity.lua it
-- never sets a missing epoch: that is the central role's to do.
--
-- KEYS: epoch gen rev:open
-- ARGV: none
-- Returns {epoch or '', 0, gen, open}.

return {redis.call('GET', KEYS[1]) or '', 0,
  redis.call('GET', KEYS[2]) or '0', redis.call('ZCARD', KEYS[3])}
