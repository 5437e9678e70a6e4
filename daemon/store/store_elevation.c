/* SPDX-License-Identifier: MIT */
/*
 * store_elevation.c - time-bound elevations in Redis.
 *
 *   <prefix>elevations         HASH uid -> JSON list of grants (elevation.h)
 *   <prefix>elevation-history  STREAM: granted / dropped / expired, kept
 *
 * Every change is one Lua script: it edits the user's list, appends the
 * history entry, bumps the generation and logs "e:<uid>" in the change
 * log, so every daemon reloads the elevations at once and the history can
 * never disagree with the grants.  The scripts are idempotent under
 * retries and when several daemons expire the same grant: only the one
 * that removes it writes history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

/* Shared prologue: the user's grants still running at ARGV[now_arg]. */
#define LUA_LOAD_LIST                                                   \
	"local function load(uid, now, drop_role)\n"                    \
	"  local cur = redis.call('HGET', KEYS[1], uid)\n"             \
	"  local keep, removed = {}, {}\n"                              \
	"  if cur then\n"                                               \
	"    local ok, list = pcall(cjson.decode, cur)\n"              \
	"    if ok and type(list) == 'table' then\n"                   \
	"      for _, g in ipairs(list) do\n"                           \
	"        local e = tonumber(g['end'])\n"                        \
	"        if type(g) ~= 'table' or not e or e <= now then\n"    \
	"          removed[#removed + 1] = g\n"                         \
	"        elseif g.role == drop_role then\n"                     \
	"          removed[#removed + 1] = g\n"                         \
	"        else\n"                                                \
	"          keep[#keep + 1] = g\n"                               \
	"        end\n"                                                 \
	"      end\n"                                                   \
	"    end\n"                                                     \
	"  end\n"                                                       \
	"  return keep, removed\n"                                      \
	"end\n"                                                         \
	"local function save(uid, keep)\n"                              \
	"  if #keep == 0 then redis.call('HDEL', KEYS[1], uid)\n"      \
	"  else redis.call('HSET', KEYS[1], uid, cjson.encode(keep)) end\n" \
	"end\n"                                                         \
	"local function bump(item)\n"                                   \
	"  local gen = redis.call('INCR', KEYS[3])\n"                   \
	"  redis.call('XADD', KEYS[4], 'MAXLEN', '~', 10000,\n"         \
	"    gen .. '-1', 'c', item)\n"                                 \
	"  return gen\n"                                                \
	"end\n"

/* KEYS: elevations history gen changes.  ARGV: uid role start end
 * approver reason ticket now.  A new grant replaces one of the same role. */
static const char elevate_script[] = LUA_LOAD_LIST
    "local now = tonumber(ARGV[8])\n"
    "local keep = load(ARGV[1], now, ARGV[2])\n"
    "local g = { role = ARGV[2], start = tonumber(ARGV[3]),\n"
    "  ['end'] = tonumber(ARGV[4]), approver = ARGV[5], reason = ARGV[6] }\n"
    "if ARGV[7] ~= '' then g.ticket = ARGV[7] end\n"
    "keep[#keep + 1] = g\n"
    "save(ARGV[1], keep)\n"
    "redis.call('XADD', KEYS[2], '*', 'event', 'granted', 'user', ARGV[1],\n"
    "  'role', ARGV[2], 'start', ARGV[3], 'end', ARGV[4], 'by', ARGV[5],\n"
    "  'reason', ARGV[6], 'ticket', ARGV[7])\n"
    "return bump('e:' .. ARGV[1])\n";

/* ARGV: uid role actor now.  Returns the generation, or 0: nothing ran. */
static const char drop_script[] = LUA_LOAD_LIST
    "local keep, removed = load(ARGV[1], tonumber(ARGV[4]), ARGV[2])\n"
    "local dropped = 0\n"
    "for _, g in ipairs(removed) do\n"
    "  if g.role == ARGV[2] and tonumber(g['end']) > tonumber(ARGV[4]) then\n"
    "    dropped = dropped + 1\n"
    "  end\n"
    "end\n"
    "if dropped == 0 then return 0 end\n"
    "save(ARGV[1], keep)\n"
    "redis.call('XADD', KEYS[2], '*', 'event', 'dropped', 'user', ARGV[1],\n"
    "  'role', ARGV[2], 'by', ARGV[3], 'at', ARGV[4])\n"
    "return bump('e:' .. ARGV[1])\n";

/* ARGV: uid actor now.  Ends all of uid's grants; returns how many. */
static const char drop_all_script[] = LUA_LOAD_LIST
    "local keep, removed = load(ARGV[1], tonumber(ARGV[3]), nil)\n"
    "local n = #keep\n"
    "if n == 0 then return 0 end\n"
    "redis.call('HDEL', KEYS[1], ARGV[1])\n"
    "for _, g in ipairs(keep) do\n"
    "  redis.call('XADD', KEYS[2], '*', 'event', 'dropped', 'user',\n"
    "    ARGV[1], 'role', tostring(g.role), 'by', ARGV[2], 'at', ARGV[3])\n"
    "end\n"
    "bump('e:' .. ARGV[1])\n"
    "return n\n";

/* ARGV: now.  Returns {"uid:role", ...} of the grants it ended. */
static const char expire_script[] = LUA_LOAD_LIST
    "local now = tonumber(ARGV[1])\n"
    "local ended = {}\n"
    "local all = redis.call('HKEYS', KEYS[1])\n"
    "for _, uid in ipairs(all) do\n"
    "  local keep, removed = load(uid, now, nil)\n"
    "  if #removed > 0 then\n"
    "    save(uid, keep)\n"
    "    for _, g in ipairs(removed) do\n"
    "      local role = type(g) == 'table' and tostring(g.role) or '?'\n"
    "      redis.call('XADD', KEYS[2], '*', 'event', 'expired', 'user',\n"
    "        uid, 'role', role, 'at', ARGV[1])\n"
    "      ended[#ended + 1] = uid .. ':' .. role\n"
    "    end\n"
    "  end\n"
    "end\n"
    "if #ended > 0 then bump('e:*') end\n"
    "return ended\n";

static void
elevation_keys(const struct cw_store *st, char keys[4][CW_PREFIX_MAX + 24])
{
	static const char *const suffix[4] = {
		"elevations", "elevation-history", "gen", "changes"
	};
	int i;

	for (i = 0; i < 4; i++)
		snprintf(keys[i], sizeof(keys[i]), "%s%s", st->prefix,
		    suffix[i]);
}

/* Runs script with the four keys and nargs arguments. */
static redisReply *
run(struct cw_store *st, const char *script, const char **args, int nargs,
    char *err, size_t errlen)
{
	char keys[4][CW_PREFIX_MAX + 24];
	const char *argv[3 + 4 + 8];
	int i, a = 0;

	elevation_keys(st, keys);
	argv[a++] = "EVAL";
	argv[a++] = script;
	argv[a++] = "4";
	for (i = 0; i < 4; i++)
		argv[a++] = keys[i];
	for (i = 0; i < nargs && i < 8; i++)
		argv[a++] = args[i];
	return cw_redis_call(st->redis, err, errlen, a, argv, NULL);
}

long long
cw_store_elevate(struct cw_store *st, const char *uid,
    const struct cw_elevation *e, int64_t now, char *err, size_t errlen)
{
	char start[24], end[24], snow[24];
	const char *args[8];
	redisReply *r;
	long long gen = -1;

	snprintf(start, sizeof(start), "%lld", (long long)e->start);
	snprintf(end, sizeof(end), "%lld", (long long)e->end);
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	args[0] = uid;
	args[1] = e->role;
	args[2] = start;
	args[3] = end;
	args[4] = e->approver;
	args[5] = e->reason;
	args[6] = e->ticket;
	args[7] = snow;
	if ((r = run(st, elevate_script, args, 8, err, errlen)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		gen = r->integer;
	else
		snprintf(err, errlen, "redis: unexpected reply to elevate");
	freeReplyObject(r);
	return gen;
}

long long
cw_store_drop(struct cw_store *st, const char *uid, const char *role,
    const char *actor, int64_t now, char *err, size_t errlen)
{
	char snow[24];
	const char *args[4] = { uid, role, actor, snow };
	redisReply *r;
	long long gen = -1;

	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	if ((r = run(st, drop_script, args, 4, err, errlen)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		gen = r->integer;
	else
		snprintf(err, errlen, "redis: unexpected reply to drop");
	freeReplyObject(r);
	return gen;
}

int
cw_store_expire_elevations(struct cw_store *st, int64_t now,
    void (*ended)(const char *uid_role, void *arg), void *arg, char *err,
    size_t errlen)
{
	char snow[24];
	const char *args[1] = { snow };
	redisReply *r;
	size_t i;
	int n = 0;

	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	if ((r = run(st, expire_script, args, 1, err, errlen)) == NULL)
		return -1;
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		ended(r->element[i]->str, arg);
		n++;
	}
	freeReplyObject(r);
	return n;
}

int
cw_store_drop_all_elevations(struct cw_store *st, const char *uid,
    const char *actor, int64_t now, char *err, size_t errlen)
{
	char snow[24];
	const char *args[3] = { uid, actor, snow };
	redisReply *r;
	int n = -1;

	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	if ((r = run(st, drop_all_script, args, 3, err, errlen)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		n = (int)r->integer;
	else
		snprintf(err, errlen, "redis: unexpected reply to drop-all");
	freeReplyObject(r);
	return n;
}
