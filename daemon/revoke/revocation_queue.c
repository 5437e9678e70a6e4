/* SPDX-License-Identifier: MIT */
/*
 * revocation_queue.c - the revocation queue in Redis (see the header for
 * the keys, states and guarantees).
 *
 * Every write is one of the Lua scripts below; C only validates input,
 * passes arguments and decodes replies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "calendar.h"
#include "revoke/revocation_queue.h"

/* Ids fetched per pipelined round trip when reading many records. */
#define FETCH_PAGE 256

static const char *const kind_names[CW_REV_KIND_COUNT] = {
	[CW_REV_LEAVER] = "leaver",
	[CW_REV_REVOKE] = "revoke",
	[CW_REV_ELEVATION_EXPIRED] = "elevation_expired",
	[CW_REV_ELEVATION_DROPPED] = "elevation_dropped",
	[CW_REV_SYNC_LEAVER] = "sync_leaver",
};

static const char *const state_names[] = {
	[CW_REVQ_UNKNOWN] = "unknown",
	[CW_REVQ_SCHEDULED] = "scheduled",
	[CW_REVQ_QUEUED] = "queued",
	[CW_REVQ_DONE] = "done",
	[CW_REVQ_CANCELLED] = "cancelled",
	[CW_REVQ_DEAD] = "dead",
};

/*
 * KEYS (every script, in this order): revoked gen changes revq revsched
 * revq:dead rev:open.  ARGV[1] the prefix (for rev:<id> and
 * rev:month:<m>), ARGV[2] the group; each script's own arguments follow.
 */
#define NKEYS 7
static const char *const key_suffix[NKEYS] = {
	"revoked", "gen", "changes", "revq", "revsched", "revq:dead",
	"rev:open",
};

#define LUA_PROLOGUE                                                    \
	"local P, G = ARGV[1], ARGV[2]\n"                               \
	"local function rkey(id) return P .. 'rev:' .. id end\n"        \
	/* as store.c's write script: gen + one change-log entry */     \
	"local function bump(items)\n"                                  \
	"  local gen = redis.call('INCR', KEYS[2])\n"                   \
	"  redis.call('XADD', KEYS[3], 'MAXLEN', '~', 10000,\n"         \
	"    gen .. '-1', 'c', items)\n"                                \
	"  return gen\n"                                                \
	"end\n"                                                         \
	"local function enqueue(id, now)\n"                             \
	"  local sid = redis.call('XADD', KEYS[4], '*', 'id', id)\n"   \
	"  redis.call('HSET', rkey(id), 'state', 'queued', 'queued_at', now,\n" \
	"    'sid', sid, 'seen', 0, 'delivered', 0)\n"                  \
	"  return sid\n"                                                \
	"end\n"                                                         \
	/* pcall: the group may not exist yet (nothing claimed so far) */ \
	"local function drop_entry(sid)\n"                              \
	"  if sid and sid ~= '' then\n"                                 \
	"    redis.pcall('XACK', KEYS[4], G, sid)\n"                    \
	"    redis.call('XDEL', KEYS[4], sid)\n"                        \
	"  end\n"                                                       \
	"end\n"                                                         \
	"local function dead(id, sid, count, why, now)\n"               \
	"  drop_entry(sid)\n"                                           \
	"  local f = redis.call('HMGET', rkey(id), 'state', 'uid')\n"  \
	"  if f[1] and f[1] ~= 'queued' then return 0 end\n"            \
	"  redis.call('XADD', KEYS[6], '*', 'id', id, 'uid', f[2] or '',\n" \
	"    'sid', sid, 'deliveries', count, 'error', why, 'at', now,\n" \
	"    'alert', '1')\n"                                           \
	"  if not f[1] then return 0 end\n"                             \
	"  redis.call('HSET', rkey(id), 'state', 'dead', 'dead_at', now,\n" \
	"    'last_error', why, 'alert', '1')\n"                        \
	"  return 1\n"                                                  \
	"end\n"

/*
 * ARGV: id uid kind reason actor role requested effective deadline month
 * denies now unique.  Returns {created, state, gen, id, record}: record
 * (HGETALL) only when created is not 1.  unique=1 (leaver, revoke): one
 * open revocation per user and kind, found through rev:openby
 * ("<kind>:<uid>" -> id); an entry whose revocation is done or cancelled
 * is stale and is replaced.  An open one still scheduled for later than
 * this request's effective time is brought forward to it (created = 2):
 * asking again can only make a revocation earlier, never later.
 * rev:monthz:<m> orders the month by requested_at for paging.
 */
static const char submit_script[] = LUA_PROLOGUE
    "local id, uid = ARGV[3], ARGV[4]\n"
    "local cur = redis.call('HGET', rkey(id), 'state')\n"
    "if cur then return {0, cur, 0, id, redis.call('HGETALL', rkey(id))} end\n"
    "if ARGV[15] == '1' then\n"
    "  local by = ARGV[5] .. ':' .. uid\n"
    "  local oid = redis.call('HGET', P .. 'rev:openby', by)\n"
    "  local st = oid and redis.call('HGET', rkey(oid), 'state')\n"
    "  local gen, made = 0, 0\n"
    "  if st == 'scheduled' and tonumber(ARGV[10]) <\n"
    "      (tonumber(redis.call('HGET', rkey(oid), 'effective_at')) or 0) then\n"
    "    made = 2\n"
    "    redis.call('HSET', rkey(oid), 'effective_at', ARGV[10],\n"
    "      'deadline', ARGV[11])\n"
    "    redis.call('ZADD', KEYS[7], ARGV[11], oid)\n"
    "    if tonumber(ARGV[10]) > tonumber(ARGV[14]) then\n"
    "      redis.call('ZADD', KEYS[5], ARGV[10], oid)\n"
    "    else\n"
    "      redis.call('ZREM', KEYS[5], oid)\n"
    "      enqueue(oid, ARGV[14])\n"
    "      st = 'queued'\n"
    "      if ARGV[13] == '1' then\n"
    "        redis.call('SADD', KEYS[1], uid)\n"
    "        gen = bump('r:' .. uid)\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "  if st == 'scheduled' or st == 'queued' or st == 'dead' then\n"
    "    return {made, st, gen, oid, redis.call('HGETALL', rkey(oid))}\n"
    "  end\n"
    "  redis.call('HSET', P .. 'rev:openby', by, id)\n"
    "end\n"
    "redis.call('HSET', rkey(id), 'id', id, 'uid', uid, 'kind', ARGV[5],\n"
    "  'reason', ARGV[6], 'actor', ARGV[7], 'role', ARGV[8],\n"
    "  'requested_at', ARGV[9], 'effective_at', ARGV[10],\n"
    "  'deadline', ARGV[11], 'month', ARGV[12], 'denies', ARGV[13],\n"
    "  'state', 'scheduled')\n"
    "redis.call('ZADD', KEYS[7], ARGV[11], id)\n"
    "redis.call('SADD', P .. 'rev:month:' .. ARGV[12], id)\n"
    "redis.call('ZADD', P .. 'rev:monthz:' .. ARGV[12], ARGV[9], id)\n"
    "if tonumber(ARGV[10]) > tonumber(ARGV[14]) then\n"
    "  redis.call('ZADD', KEYS[5], ARGV[10], id)\n"
    "  return {1, 'scheduled', 0, id, {}}\n"
    "end\n"
    "enqueue(id, ARGV[14])\n"
    "local gen = 0\n"
    "if ARGV[13] == '1' then\n"
    "  redis.call('SADD', KEYS[1], uid)\n"
    "  redis.call('HDEL', P .. 'reinstated', uid)\n"
    "  gen = bump('r:' .. uid)\n"
    "end\n"
    "return {1, 'queued', gen, id, {}}\n";

/*
 * ARGV: id now.  Marks that the revocation's revocation_requested record
 * was emitted: 1 the first time, 0 after, -1 when there is no such
 * revocation (nothing is created then).
 */
static const char audited_script[] = LUA_PROLOGUE
    "if redis.call('EXISTS', rkey(ARGV[3])) == 0 then return -1 end\n"
    "return redis.call('HSETNX', rkey(ARGV[3]), 'requested_audited', ARGV[4])\n";

/*
 * ARGV: index suffix, cursor id ("" = from rank start), count, start.
 * Returns {start, {member, score, ...}}: count members after the cursor's
 * id, or {-1} when that id has left the index (the caller then finds its
 * place by score and asks again by rank).  Atomic, so a member removed
 * between the rank and the range cannot shift the page.
 */
static const char page_script[] = LUA_PROLOGUE
    "local key, n, start = P .. ARGV[3], tonumber(ARGV[5]), tonumber(ARGV[6])\n"
    "if ARGV[4] ~= '' then\n"
    "  local r = redis.call('ZRANK', key, ARGV[4])\n"
    "  if not r then return {-1} end\n"
    "  start = r + 1\n"
    "end\n"
    "return {start, redis.call('ZRANGE', key, start, start + n - 1,\n"
    "  'WITHSCORES')}\n";

/*
 * ARGV: month.  Builds rev:monthz:<m> from rev:month:<m> when it lacks
 * members (records filed before it existed); a missing record sorts
 * first with score 0.  Returns how many it added.
 */
static const char month_index_script[] = LUA_PROLOGUE
    "local set, z = P .. 'rev:month:' .. ARGV[3], P .. 'rev:monthz:' .. ARGV[3]\n"
    "if redis.call('SCARD', set) == redis.call('ZCARD', z) then return 0 end\n"
    "local n = 0\n"
    "for _, id in ipairs(redis.call('SMEMBERS', set)) do\n"
    "  if not redis.call('ZSCORE', z, id) then\n"
    "    local t = redis.call('HGET', rkey(id), 'requested_at')\n"
    "    redis.call('ZADD', z, tonumber(t) or 0, id)\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

/* ARGV: now max.  Returns how many left the schedule. */
static const char promote_script[] = LUA_PROLOGUE
    "local now = ARGV[3]\n"
    "local due = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now,\n"
    "  'LIMIT', 0, tonumber(ARGV[4]))\n"
    "local items = {}\n"
    "for _, id in ipairs(due) do\n"
    "  redis.call('ZREM', KEYS[5], id)\n"
    "  local f = redis.call('HMGET', rkey(id), 'state', 'uid', 'denies')\n"
    "  if f[1] == 'scheduled' then\n"
    "    enqueue(id, now)\n"
    "    if f[3] == '1' then\n"
    "      redis.call('SADD', KEYS[1], f[2])\n"
    "      redis.call('HDEL', P .. 'reinstated', f[2])\n"
    "      items[#items + 1] = 'r:' .. f[2]\n"
    "    end\n"
    "  end\n"
    "end\n"
    "if #items > 0 then bump(table.concat(items, ',')) end\n"
    "return #due\n";

/*
 * ARGV: consumer max idle_ms max_deliveries now own(0|1).
 * Returns {{sid, deliveries, {hash field, value, ...}}, ...}.
 * The delivery count of a reclaimed entry comes from XPENDING; a new one
 * has 1.  "seen" is the delivery at which a worker last recorded an
 * outcome: an entry delivered over max times past it kills its workers.
 */
static const char claim_script[] = LUA_PROLOGUE
    "local C, max, idle = ARGV[3], tonumber(ARGV[4]), ARGV[5]\n"
    "local maxd, now = tonumber(ARGV[6]), ARGV[7]\n"
    "redis.pcall('XGROUP', 'CREATE', KEYS[4], G, '0', 'MKSTREAM')\n"
    "local out, taken, lost = {}, {}, {}\n"
    "local function count_of(sid)\n"
    "  local p = redis.call('XPENDING', KEYS[4], G, sid, sid, 1)\n"
    "  if p[1] then return tonumber(p[1][4]) end\n"
    "  return 1\n"
    "end\n"
    "local function take(sid, fields, count)\n"
    "  if taken[sid] then return end\n"
    "  taken[sid] = true\n"
    "  if not fields then\n"
    "    lost[sid] = true\n"
    "    redis.pcall('XACK', KEYS[4], G, sid)\n"
    "    return\n"
    "  end\n"
    "  local id\n"
    "  for i = 1, #fields - 1, 2 do\n"
    "    if fields[i] == 'id' then id = fields[i + 1] end\n"
    "  end\n"
    "  if not id then drop_entry(sid) return end\n"
    "  local f = redis.call('HMGET', rkey(id), 'state', 'seen')\n"
    "  if not f[1] then dead(id, sid, count, 'record missing', now) return end\n"
    "  if f[1] ~= 'queued' then drop_entry(sid) return end\n"
    "  if count > maxd and count - (tonumber(f[2]) or 0) > maxd then\n"
    "    dead(id, sid, count, 'delivered ' .. count ..\n"
    "      ' times with no outcome recorded (a worker dies on it?)', now)\n"
    "    return\n"
    "  end\n"
    "  redis.call('HSET', rkey(id), 'delivered', count, 'sid', sid)\n"
    "  out[#out + 1] = {sid, count, redis.call('HGETALL', rkey(id))}\n"
    "end\n"
    "if ARGV[8] == '1' then\n"
    "  local r = redis.call('XREADGROUP', 'GROUP', G, C, 'COUNT', max,\n"
    "    'STREAMS', KEYS[4], '0')\n"
    "  if r and r[1] then\n"
    "    for _, e in ipairs(r[1][2]) do take(e[1], e[2], count_of(e[1])) end\n"
    "  end\n"
    "end\n"
    "local cursor = '0-0'\n"
    "for round = 1, 8 do\n"
    "  if #out >= max then break end\n"
    "  local r = redis.call('XAUTOCLAIM', KEYS[4], G, C, idle, cursor,\n"
    "    'COUNT', max - #out)\n"
    "  for _, e in ipairs(r[2]) do take(e[1], e[2], count_of(e[1])) end\n"
    /* Redis 7: ids of entries deleted while pending, already unlisted */
    "  for _, sid in ipairs(r[3] or {}) do lost[sid] = true end\n"
    "  cursor = r[1]\n"
    "  if cursor == '0-0' then break end\n"
    "end\n"
    "if #out < max then\n"
    "  local r = redis.call('XREADGROUP', 'GROUP', G, C, 'COUNT',\n"
    "    max - #out, 'STREAMS', KEYS[4], '>')\n"
    "  if r and r[1] then\n"
    "    for _, e in ipairs(r[1][2]) do take(e[1], e[2], 1) end\n"
    "  end\n"
    "end\n"
    /* An entry deleted under a pending claim: queue its record again
     * (rare, so a scan of the open set is fine).  Nothing is lost. */
    "if next(lost) then\n"
    "  for _, id in ipairs(redis.call('ZRANGE', KEYS[7], 0, -1)) do\n"
    "    local f = redis.call('HMGET', rkey(id), 'state', 'sid')\n"
    "    if f[1] == 'queued' and f[2] and lost[f[2]] then\n"
    "      enqueue(id, now)\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return out\n";

/* ARGV: id step outcome now.  Returns 1, 0 (not queued), -1 (none). */
static const char step_script[] = LUA_PROLOGUE
    "local key = rkey(ARGV[3])\n"
    "local f = redis.call('HMGET', key, 'state', 'delivered')\n"
    "if not f[1] then return -1 end\n"
    "if f[1] ~= 'queued' then return 0 end\n"
    "redis.call('HSET', key, 'step:' .. ARGV[4], ARGV[5],\n"
    "  'step:' .. ARGV[4] .. ':at', ARGV[6], 'seen', f[2] or 0)\n"
    "if ARGV[5] == 'done' then\n"
    "  redis.call('HSET', key, 'steps_done_at', ARGV[6])\n"
    "else\n"
    "  redis.call('HSET', key, 'last_error', ARGV[5])\n"
    "end\n"
    "return 1\n";

/* ARGV: sid id now.  Returns 1, or 0 when it was not queued. */
static const char complete_script[] = LUA_PROLOGUE
    "drop_entry(ARGV[3])\n"
    "local key = rkey(ARGV[4])\n"
    "if redis.call('HGET', key, 'state') ~= 'queued' then return 0 end\n"
    "redis.call('HSET', key, 'state', 'done', 'completed_at', ARGV[5])\n"
    "redis.call('ZREM', KEYS[7], ARGV[4])\n"
    "return 1\n";

/* ARGV: sid id deliveries why now. */
static const char dead_script[] = LUA_PROLOGUE
    "return dead(ARGV[4], ARGV[3], ARGV[5], ARGV[6], ARGV[7])\n";

/* ARGV: id now. */
static const char retry_script[] = LUA_PROLOGUE
    "if redis.call('HGET', rkey(ARGV[3]), 'state') ~= 'dead' then\n"
    "  return 0\n"
    "end\n"
    "redis.call('HSET', rkey(ARGV[3]), 'alert', '0')\n"
    "enqueue(ARGV[3], ARGV[4])\n"
    "return 1\n";

/* ARGV: uid actor reason now.  Returns {was_revoked, cancelled, gen}. */
static const char reinstate_script[] = LUA_PROLOGUE
    "local uid = ARGV[3]\n"
    "local removed = redis.call('SREM', KEYS[1], uid)\n"
    "local n = 0\n"
    "for _, id in ipairs(redis.call('ZRANGE', KEYS[7], 0, -1)) do\n"
    "  local f = redis.call('HMGET', rkey(id), 'uid', 'state', 'sid')\n"
    "  if f[1] == uid and (f[2] == 'scheduled' or f[2] == 'queued' or\n"
    "      f[2] == 'dead') then\n"
    "    redis.call('HSET', rkey(id), 'state', 'cancelled',\n"
    "      'cancelled_by', ARGV[4], 'cancel_reason', ARGV[5],\n"
    "      'cancelled_at', ARGV[6])\n"
    "    redis.call('ZREM', KEYS[5], id)\n"
    "    redis.call('ZREM', KEYS[7], id)\n"
    "    if f[2] == 'queued' then drop_entry(f[3]) end\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "local gen = 0\n"
    "if removed == 1 or n > 0 then\n"
    "  gen = bump('r:' .. uid)\n"
    /* the explicit undo every host needs before it un-denies (store.h) */
    "  redis.call('HSET', P .. 'reinstated', uid,\n"
    "    (redis.call('GET', P .. 'epoch') or '-') .. ' ' .. gen .. ' ' ..\n"
    "    ARGV[6])\n"
    "end\n"
    "return {removed, n, gen}\n";

/* ------------------------------------------------------------ names */

const char *
cw_revocation_kind_name(enum cw_revocation_kind k)
{
	return (unsigned)k < CW_REV_KIND_COUNT ? kind_names[k] : NULL;
}

int
cw_revocation_kind_parse(const char *s, enum cw_revocation_kind *out)
{
	int k;

	for (k = 0; k < CW_REV_KIND_COUNT; k++) {
		if (strcmp(s, kind_names[k]) == 0) {
			*out = (enum cw_revocation_kind)k;
			return 0;
		}
	}
	return -1;
}

const char *
cw_revq_state_name(enum cw_revq_state s)
{
	return (unsigned)s <= CW_REVQ_DEAD ? state_names[s] : "unknown";
}

static enum cw_revq_state
state_parse(const char *s)
{
	int i;

	for (i = CW_REVQ_SCHEDULED; i <= CW_REVQ_DEAD; i++)
		if (strcmp(s, state_names[i]) == 0)
			return (enum cw_revq_state)i;
	return CW_REVQ_UNKNOWN;
}

bool
cw_revocation_kind_denies(enum cw_revocation_kind k)
{
	return k == CW_REV_LEAVER || k == CW_REV_REVOKE ||
	    k == CW_REV_SYNC_LEAVER;
}

/* 1..max bytes, each in allowed. */
static bool
chars_in(const char *s, size_t max, const char *allowed)
{
	size_t n = strlen(s);

	return n >= 1 && n <= max && strspn(s, allowed) == n;
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

bool
cw_revq_id_valid(const char *s)
{
	return chars_in(s, CW_REVQ_ID_MAX, ALNUM "._:-");
}

bool
cw_revq_step_name_valid(const char *s)
{
	return chars_in(s, CW_REVQ_STEP_NAME_MAX, ALNUM "._@-");
}

/* Free text for reports (reason, failure): no control characters, which
 * could forge lines in a log, a CSV report or a terminal. */
static bool
text_valid(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* Civil date (UTC) of a day count since the epoch (Hinnant's method). */
static void
civil_from_days(int64_t days, int64_t *y, int64_t *m, int64_t *d)
{
	int64_t z = days + 719468, era = z / 146097, doe, yoe, doy, mp;

	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

/*
 * A diagnostic (from libldap, a command's stderr) as stored text: cut to
 * fit, control characters replaced, so that a failure is always kept.
 */
static void
copy_text(char *dst, size_t size, const char *prefix, const char *src)
{
	size_t n = strlen(prefix), i;

	snprintf(dst, size, "%s", prefix);
	for (i = 0; src[i] != '\0' && n + 1 < size; i++, n++)
		dst[n] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ?
		    ' ' : src[i];
	dst[n] = '\0';
}

int
cw_revq_new_id(int64_t now, char out[CW_REVQ_ID_MAX + 1])
{
	unsigned char rnd[6];
	int64_t y, m, d, sec = now % 86400;
	int n;

	if (now < 0 || getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	/* Time first, so that ids sort by when they were made. */
	civil_from_days(now / 86400, &y, &m, &d);
	n = snprintf(out, CW_REVQ_ID_MAX + 1, "r%04lld%02lld%02lldT%02lld"
	    "%02lld%02lldZ-%02x%02x%02x%02x%02x%02x", (long long)y,
	    (long long)m, (long long)d, (long long)(sec / 3600),
	    (long long)(sec / 60 % 60), (long long)(sec % 60), rnd[0], rnd[1],
	    rnd[2], rnd[3], rnd[4], rnd[5]);
	return n > 0 && n <= CW_REVQ_ID_MAX ? 0 : -1;
}

int
cw_revq_month_of(int64_t t, char out[8])
{
	struct cw_local_time lt;

	if (cw_london_from_utc(t, &lt) < 0 || lt.year < 0 || lt.year > 9999 ||
	    lt.month < 1 || lt.month > 12)
		return -1;
	out[0] = (char)('0' + lt.year / 1000);
	out[1] = (char)('0' + lt.year / 100 % 10);
	out[2] = (char)('0' + lt.year / 10 % 10);
	out[3] = (char)('0' + lt.year % 10);
	out[4] = '-';
	out[5] = (char)('0' + lt.month / 10);
	out[6] = (char)('0' + lt.month % 10);
	out[7] = '\0';
	return 0;
}

static bool
month_valid(const char *m)
{
	return strlen(m) == 7 && strspn(m, "0123456789") == 4 && m[4] == '-' &&
	    strspn(m + 5, "0123456789") == 2 &&
	    ((m[5] == '0' && m[6] >= '1') || (m[5] == '1' && m[6] <= '2'));
}

/* ------------------------------------------------------------ scripts */

typedef char keybuf_t[CW_PREFIX_MAX + 24];

/*
 * Runs script with the seven keys, the prefix, the group and nargs more
 * arguments.  An error reply is an error: NULL with err.
 */
static redisReply *
run_script(struct cw_store *st, const char *script, const char **args,
    int nargs, char *err, size_t errlen)
{
	keybuf_t keys[NKEYS];
	const char *argv[3 + NKEYS + 2 + 16];
	int i, a = 0;

	if (nargs > 16) {
		snprintf(err, errlen, "revq: too many script arguments");
		return NULL;
	}
	argv[a++] = "EVAL";
	argv[a++] = script;
	argv[a++] = "7";
	for (i = 0; i < NKEYS; i++) {
		snprintf(keys[i], sizeof(keys[i]), "%s%s", st->prefix,
		    key_suffix[i]);
		argv[a++] = keys[i];
	}
	argv[a++] = st->prefix;
	argv[a++] = CW_REVQ_GROUP;
	for (i = 0; i < nargs; i++)
		argv[a++] = args[i];
	return cw_redis_call(st->redis, err, errlen, a, argv, NULL);
}

/* Runs a script whose reply is one integer: that, or -1. */
static int
run_int(struct cw_store *st, const char *script, const char **args,
    int nargs, long long *value, char *err, size_t errlen)
{
	redisReply *r = run_script(st, script, args, nargs, err, errlen);
	int rc = -1;

	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER) {
		*value = r->integer;
		rc = 0;
	} else {
		snprintf(err, errlen, "revq: unexpected script reply");
	}
	freeReplyObject(r);
	return rc;
}

/* ------------------------------------------------------- decoding */

static int64_t
num(const char *s)
{
	return strtoll(s, NULL, 10);
}

static void
copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

static int
step_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cw_revq_step *)a)->name,
	    ((const struct cw_revq_step *)b)->name);
}

/* step:<name> or step:<name>:at */
static void
decode_step(struct cw_revocation *r, const char *field, const char *v)
{
	char name[CW_REVQ_STEP_NAME_MAX + 1];
	const char *colon = strchr(field, ':');
	size_t len = colon != NULL ? (size_t)(colon - field) : strlen(field);
	size_t i;

	if (len == 0 || len > CW_REVQ_STEP_NAME_MAX)
		return;
	memcpy(name, field, len);
	name[len] = '\0';
	for (i = 0; i < r->nsteps; i++)
		if (strcmp(r->steps[i].name, name) == 0)
			break;
	if (i == r->nsteps) {
		if (r->nsteps == CW_REVQ_STEPS_MAX)
			return;
		copy(r->steps[r->nsteps++].name, sizeof(r->steps[0].name),
		    name);
	}
	if (colon == NULL)
		copy(r->steps[i].outcome, sizeof(r->steps[i].outcome), v);
	else if (strcmp(colon, ":at") == 0)
		r->steps[i].at = num(v);
}

static void
decode_field(struct cw_revocation *r, const char *f, const char *v)
{
	if (strncmp(f, "step:", 5) == 0)
		decode_step(r, f + 5, v);
	else if (strcmp(f, "id") == 0)
		copy(r->id, sizeof(r->id), v);
	else if (strcmp(f, "uid") == 0)
		copy(r->uid, sizeof(r->uid), v);
	else if (strcmp(f, "kind") == 0)
		(void)cw_revocation_kind_parse(v, &r->kind);
	else if (strcmp(f, "reason") == 0)
		copy(r->reason, sizeof(r->reason), v);
	else if (strcmp(f, "actor") == 0)
		copy(r->actor, sizeof(r->actor), v);
	else if (strcmp(f, "role") == 0)
		copy(r->role, sizeof(r->role), v);
	else if (strcmp(f, "requested_at") == 0)
		r->requested_at = num(v);
	else if (strcmp(f, "effective_at") == 0)
		r->effective_at = num(v);
	else if (strcmp(f, "deadline") == 0)
		r->deadline = num(v);
	else if (strcmp(f, "state") == 0)
		r->state = state_parse(v);
	else if (strcmp(f, "sid") == 0)
		copy(r->sid, sizeof(r->sid), v);
	else if (strcmp(f, "queued_at") == 0)
		r->queued_at = num(v);
	else if (strcmp(f, "steps_done_at") == 0)
		r->steps_done_at = num(v);
	else if (strcmp(f, "completed_at") == 0)
		r->completed_at = num(v);
	else if (strcmp(f, "dead_at") == 0)
		r->dead_at = num(v);
	else if (strcmp(f, "cancelled_at") == 0)
		r->cancelled_at = num(v);
	else if (strcmp(f, "delivered") == 0)
		r->delivered = num(v);
	else if (strcmp(f, "alert") == 0)
		r->alert = strcmp(v, "1") == 0;
	else if (strcmp(f, "last_error") == 0)
		copy(r->last_error, sizeof(r->last_error), v);
	else if (strcmp(f, "cancelled_by") == 0)
		copy(r->cancelled_by, sizeof(r->cancelled_by), v);
	else if (strcmp(f, "cancel_reason") == 0)
		copy(r->cancel_reason, sizeof(r->cancel_reason), v);
	else if (strcmp(f, "requested_audited") == 0)
		r->audited = true;
}

/* A HGETALL reply into r.  0, or -1 when it is empty (no such record). */
static int
decode_hash(const redisReply *h, struct cw_revocation *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	if (h->type != REDIS_REPLY_ARRAY || h->elements < 2)
		return -1;
	for (i = 0; i + 1 < h->elements; i += 2) {
		const redisReply *f = h->element[i], *v = h->element[i + 1];

		if (f->type == REDIS_REPLY_STRING &&
		    v->type == REDIS_REPLY_STRING)
			decode_field(r, f->str, v->str);
	}
	qsort(r->steps, r->nsteps, sizeof(r->steps[0]), step_cmp);
	return 0;
}

/* ------------------------------------------------------------ writes */

static int
check_submission(const struct cw_revocation *r, char *err, size_t errlen)
{
	const char *why = NULL;

	if (!cw_user_name_valid(r->uid, strlen(r->uid)))
		why = "invalid user name";
	else if (cw_revocation_kind_name(r->kind) == NULL)
		why = "invalid kind";
	else if (!text_valid(r->reason, CW_REVQ_REASON_MAX))
		why = "the reason must be 1..256 bytes without control "
		    "characters";
	else if (!cw_user_name_valid(r->actor, strlen(r->actor)))
		why = "invalid actor";
	else if (r->role[0] != '\0' &&
	    !cw_object_name_valid(r->role, strlen(r->role)))
		why = "invalid role";
	else if (r->id[0] != '\0' && !cw_revq_id_valid(r->id))
		why = "invalid id";
	else if (r->requested_at <= 0 || r->effective_at < r->requested_at ||
	    r->deadline < r->effective_at)
		why = "times must satisfy 0 < requested <= effective <= "
		    "deadline";
	if (why != NULL) {
		snprintf(err, errlen, "revq: %s", why);
		return -1;
	}
	return 0;
}

int
cw_revq_submit(struct cw_store *st, struct cw_revocation *r, int64_t now,
    enum cw_revq_state *state, char *err, size_t errlen)
{
	char req[24], eff[24], dl[24], snow[24], month[8];
	const char *args[13];
	redisReply *x = NULL;
	int rc = -1;

	if (check_submission(r, err, errlen) < 0)
		return -1;
	if (cw_revq_month_of(r->requested_at, month) < 0) {
		snprintf(err, errlen, "revq: requested_at out of range");
		return -1;
	}
	if (r->id[0] == '\0' && cw_revq_new_id(now, r->id) < 0) {
		snprintf(err, errlen, "revq: cannot generate an id");
		return -1;
	}
	snprintf(req, sizeof(req), "%lld", (long long)r->requested_at);
	snprintf(eff, sizeof(eff), "%lld", (long long)r->effective_at);
	snprintf(dl, sizeof(dl), "%lld", (long long)r->deadline);
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	args[0] = r->id;
	args[1] = r->uid;
	args[2] = cw_revocation_kind_name(r->kind);
	args[3] = r->reason;
	args[4] = r->actor;
	args[5] = r->role;
	args[6] = req;
	args[7] = eff;
	args[8] = dl;
	args[9] = month;
	args[10] = cw_revocation_kind_denies(r->kind) ? "1" : "0";
	args[11] = snow;
	args[12] = r->kind == CW_REV_LEAVER || r->kind == CW_REV_REVOKE ?
	    "1" : "0";
	if ((x = run_script(st, submit_script, args, 13, err, errlen)) == NULL)
		return -1;
	if (x->type != REDIS_REPLY_ARRAY || x->elements != 5 ||
	    x->element[0]->type != REDIS_REPLY_INTEGER ||
	    x->element[1]->type != REDIS_REPLY_STRING ||
	    x->element[3]->type != REDIS_REPLY_STRING) {
		snprintf(err, errlen, "revq: unexpected reply to submit");
		goto out;
	}
	/* Not created: r becomes the revocation that stands (same id or the
	 * open one of this user and kind). */
	if (x->element[0]->integer != 1 &&
	    decode_hash(x->element[4], r) < 0)
		copy(r->id, sizeof(r->id), x->element[3]->str);
	r->state = state_parse(x->element[1]->str);
	if (state != NULL)
		*state = r->state;
	rc = x->element[0]->integer == 1 || x->element[0]->integer == 2 ?
	    (int)x->element[0]->integer : 0;
out:
	freeReplyObject(x);
	return rc;
}

int
cw_revq_promote_due(struct cw_store *st, int64_t now, size_t max, char *err,
    size_t errlen)
{
	char snow[24], smax[24];
	const char *args[2] = { snow, smax };
	long long n;

	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	snprintf(smax, sizeof(smax), "%zu", max > 0 ? max : 1);
	if (run_int(st, promote_script, args, 2, &n, err, errlen) < 0)
		return -1;
	return (int)n;
}

int
cw_revq_init(struct cw_store *st, char *err, size_t errlen)
{
	char key[CW_PREFIX_MAX + 24];
	const char *argv[] = { "XGROUP", "CREATE", key, CW_REVQ_GROUP, "0",
	    "MKSTREAM" };
	redisReply *r;
	int rc = 0;

	snprintf(key, sizeof(key), "%srevq", st->prefix);
	if ((r = cw_redis_commandv(st->redis, err, errlen, 6, argv)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "BUSYGROUP", 9) != 0) {
		snprintf(err, errlen, "redis: %.200s", r->str);
		rc = -1;
	}
	freeReplyObject(r);
	return rc;
}

/* One element of the claim reply: {sid, deliveries, hash}. */
static int
decode_claimed(const redisReply *e, struct cw_revocation *r)
{
	if (e->type != REDIS_REPLY_ARRAY || e->elements != 3 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    e->element[1]->type != REDIS_REPLY_INTEGER ||
	    decode_hash(e->element[2], r) < 0)
		return -1;
	copy(r->sid, sizeof(r->sid), e->element[0]->str);
	r->delivered = e->element[1]->integer;
	return 0;
}

int
cw_revq_claim(struct cw_store *st, const struct cw_revq_claim_opts *o,
    int64_t now, struct cw_revocation *out, char *err, size_t errlen)
{
	char smax[24], sidle[24], smaxd[24], snow[24];
	const char *args[6];
	redisReply *x;
	size_t i, n = 0;

	if (o->consumer == NULL || !cw_revq_id_valid(o->consumer) ||
	    o->max == 0 || o->idle_ms < 1) {
		snprintf(err, errlen, "revq: claim needs a consumer name, "
		    "max >= 1 and idle_ms >= 1");
		return -1;
	}
	snprintf(smax, sizeof(smax), "%zu", o->max);
	snprintf(sidle, sizeof(sidle), "%lld", o->idle_ms);
	snprintf(smaxd, sizeof(smaxd), "%d", o->max_deliveries > 0 ?
	    o->max_deliveries : CW_REVQ_MAX_DELIVERIES);
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	args[0] = o->consumer;
	args[1] = smax;
	args[2] = sidle;
	args[3] = smaxd;
	args[4] = snow;
	args[5] = o->own_pending_first ? "1" : "0";
	if ((x = run_script(st, claim_script, args, 6, err, errlen)) == NULL)
		return -1;
	for (i = 0; x->type == REDIS_REPLY_ARRAY && i < x->elements &&
	    n < o->max; i++)
		if (decode_claimed(x->element[i], &out[n]) == 0)
			n++;
	freeReplyObject(x);
	return (int)n;
}

int
cw_revq_step_done(struct cw_store *st, const char *id, const char *step,
    const char *why, int64_t now, char *err, size_t errlen)
{
	char outcome[CW_REVQ_OUTCOME_MAX + 1], snow[24];
	const char *args[4] = { id, step, outcome, snow };
	long long v;

	if (!cw_revq_id_valid(id) || !cw_revq_step_name_valid(step)) {
		snprintf(err, errlen, "revq: invalid id or step name");
		return -1;
	}
	if (why == NULL)
		copy_text(outcome, sizeof(outcome), "done", "");
	else
		copy_text(outcome, sizeof(outcome), "failed:", why[0] ? why :
		    "?");
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	if (run_int(st, step_script, args, 4, &v, err, errlen) < 0)
		return -1;
	if (v < 0) {
		snprintf(err, errlen, "revq: no revocation %s", id);
		return -1;
	}
	return (int)v;
}

bool
cw_revq_step_is_done(const struct cw_revocation *r, const char *step)
{
	size_t i;

	for (i = 0; i < r->nsteps; i++)
		if (strcmp(r->steps[i].name, step) == 0)
			return strcmp(r->steps[i].outcome, "done") == 0;
	return false;
}

/* sid: a stream id, "<ms>-<seq>"; empty allowed where nothing is queued. */
static bool
sid_valid(const char *s)
{
	return s[0] == '\0' || chars_in(s, CW_REVQ_SID_MAX, "0123456789-");
}

int
cw_revq_complete(struct cw_store *st, const char *sid, const char *id,
    int64_t now, char *err, size_t errlen)
{
	char snow[24];
	const char *args[3] = { sid, id, snow };
	long long v;

	if (!cw_revq_id_valid(id) || !sid_valid(sid)) {
		snprintf(err, errlen, "revq: invalid id or stream id");
		return -1;
	}
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	if (run_int(st, complete_script, args, 3, &v, err, errlen) < 0)
		return -1;
	return (int)v;
}

int
cw_revq_dead_letter(struct cw_store *st, const char *sid, const char *id,
    long long deliveries, const char *why, int64_t now, char *err,
    size_t errlen)
{
	char sdel[24], snow[24], text[CW_REVQ_OUTCOME_MAX + 1];
	const char *args[5] = { sid, id, sdel, text, snow };
	long long v;

	if (!cw_revq_id_valid(id) || !sid_valid(sid)) {
		snprintf(err, errlen, "revq: invalid dead-letter arguments");
		return -1;
	}
	copy_text(text, sizeof(text), "", why != NULL && why[0] ? why : "?");
	snprintf(sdel, sizeof(sdel), "%lld", deliveries);
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	if (run_int(st, dead_script, args, 5, &v, err, errlen) < 0)
		return -1;
	return (int)v;
}

/* Runs a script that takes (id, now) and answers an integer into *v. */
static int
run_id_script(struct cw_store *st, const char *script, const char *id,
    int64_t now, long long *v, char *err, size_t errlen)
{
	char snow[24];
	const char *args[2] = { id, snow };

	if (!cw_revq_id_valid(id)) {
		snprintf(err, errlen, "revq: invalid id");
		return -1;
	}
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	return run_int(st, script, args, 2, v, err, errlen);
}

int
cw_revq_retry(struct cw_store *st, const char *id, int64_t now, char *err,
    size_t errlen)
{
	long long v;

	if (run_id_script(st, retry_script, id, now, &v, err, errlen) < 0)
		return -1;
	return (int)v;
}

int
cw_revq_mark_audited(struct cw_store *st, const char *id, int64_t now,
    char *err, size_t errlen)
{
	long long v;

	if (run_id_script(st, audited_script, id, now, &v, err, errlen) < 0)
		return -1;
	if (v < 0) {
		snprintf(err, errlen, "revq: no revocation %s", id);
		return -1;
	}
	return (int)v;
}

int
cw_revq_reinstate(struct cw_store *st, const char *uid, const char *actor,
    const char *reason, int64_t now, bool *was_revoked, char *err,
    size_t errlen)
{
	char snow[24];
	const char *args[4] = { uid, actor, reason, snow };
	redisReply *x;
	int rc = -1;

	if (!cw_user_name_valid(uid, strlen(uid)) ||
	    !cw_user_name_valid(actor, strlen(actor)) ||
	    !text_valid(reason, CW_REVQ_REASON_MAX)) {
		snprintf(err, errlen, "revq: reinstate needs a valid user, "
		    "actor and reason");
		return -1;
	}
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	if ((x = run_script(st, reinstate_script, args, 4, err, errlen)) ==
	    NULL)
		return -1;
	if (x->type == REDIS_REPLY_ARRAY && x->elements == 3 &&
	    x->element[0]->type == REDIS_REPLY_INTEGER &&
	    x->element[1]->type == REDIS_REPLY_INTEGER) {
		if (was_revoked != NULL)
			*was_revoked = x->element[0]->integer == 1;
		rc = (int)x->element[1]->integer;
	} else {
		snprintf(err, errlen, "revq: unexpected reply to reinstate");
	}
	freeReplyObject(x);
	return rc;
}

/* ------------------------------------------------------------ reads */

int
cw_revq_get(struct cw_store *st, const char *id, struct cw_revocation *r,
    char *err, size_t errlen)
{
	char key[CW_PREFIX_MAX + CW_REVQ_ID_MAX + 8];
	const char *argv[2] = { "HGETALL", key };
	redisReply *x;
	int rc;

	if (!cw_revq_id_valid(id)) {
		snprintf(err, errlen, "revq: invalid id");
		return -1;
	}
	snprintf(key, sizeof(key), "%srev:%s", st->prefix, id);
	if ((x = cw_redis_commandv(st->redis, err, errlen, 2, argv)) == NULL)
		return -1;
	if (x->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "redis: %.200s", x->str);
		freeReplyObject(x);
		return -1;
	}
	rc = decode_hash(x, r) == 0 ? 1 : 0;
	freeReplyObject(x);
	return rc;
}

void
cw_revq_list_free(struct cw_revq_list *l)
{
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

typedef char idkey_t[CW_PREFIX_MAX + CW_REVQ_ID_MAX + 8];

/* Reads one page of records into l (missing ones skipped). */
static int
fetch_page(struct cw_store *st, const redisReply *const *ids, size_t n,
    idkey_t *keys, struct cw_revq_list *l, char *err, size_t errlen)
{
	const char *args[FETCH_PAGE][2];
	const char *const *argv[FETCH_PAGE];
	int argc[FETCH_PAGE];
	redisReply *rep[FETCH_PAGE];
	size_t j;

	for (j = 0; j < n; j++) {
		snprintf(keys[j], sizeof(keys[j]), "%srev:%.*s", st->prefix,
		    CW_REVQ_ID_MAX, ids[j]->type == REDIS_REPLY_STRING ?
		    ids[j]->str : "");
		args[j][0] = "HGETALL";
		args[j][1] = keys[j];
		argv[j] = args[j];
		argc[j] = 2;
	}
	if (cw_redis_pipeline(st->redis, err, errlen, n, argc, argv, NULL,
	    rep) < 0)
		return -1;
	for (j = 0; j < n; j++) {
		if (decode_hash(rep[j], &l->items[l->count]) == 0)
			l->count++;
		freeReplyObject(rep[j]);
	}
	return 0;
}

/* Reads the records named by an array reply of ids, a page of HGETALLs
 * per round trip. */
static int
fetch_records(struct cw_store *st, const redisReply *ids,
    struct cw_revq_list *l, char *err, size_t errlen)
{
	idkey_t *keys = malloc(sizeof(*keys) * FETCH_PAGE);
	size_t i, page, n = ids->elements;
	int rc = -1;

	l->items = calloc(n + 1, sizeof(*l->items));
	if (keys == NULL || l->items == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i += page) {
		page = n - i < FETCH_PAGE ? n - i : FETCH_PAGE;
		if (fetch_page(st, (const redisReply *const *)ids->element + i,
		    page, keys, l, err, errlen) < 0)
			goto out;
	}
	rc = 0;
out:
	free(keys);
	return rc;
}

/* Runs a read command returning a list of ids, then fetches them. */
static int
read_list(struct cw_store *st, int argc, const char **argv,
    struct cw_revq_list *out, char *err, size_t errlen)
{
	redisReply *ids;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((ids = cw_redis_commandv(st->redis, err, errlen, argc, argv)) ==
	    NULL)
		return -1;
	if (ids->type != REDIS_REPLY_ARRAY) {
		snprintf(err, errlen, "redis: %.200s", ids->type ==
		    REDIS_REPLY_ERROR ? ids->str : "unexpected reply");
		goto out;
	}
	rc = fetch_records(st, ids, out, err, errlen);
	if (rc < 0)
		cw_revq_list_free(out);
out:
	freeReplyObject(ids);
	return rc;
}

int
cw_revq_pending(struct cw_store *st, struct cw_revq_list *out, char *err,
    size_t errlen)
{
	char key[CW_PREFIX_MAX + 24];
	const char *argv[4] = { "ZRANGE", key, "0", "-1" };

	snprintf(key, sizeof(key), "%srev:open", st->prefix);
	return read_list(st, 4, argv, out, err, errlen);
}

static int
by_request(const void *a, const void *b)
{
	const struct cw_revocation *x = a, *y = b;

	if (x->requested_at != y->requested_at)
		return x->requested_at < y->requested_at ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
cw_revq_month(struct cw_store *st, const char *month,
    void (*fn)(const struct cw_revocation *r, void *arg), void *arg,
    char *err, size_t errlen)
{
	char key[CW_PREFIX_MAX + 24];
	const char *argv[2] = { "SMEMBERS", key };
	struct cw_revq_list l;
	size_t i;

	if (!month_valid(month)) {
		snprintf(err, errlen, "revq: month must be YYYY-MM");
		return -1;
	}
	snprintf(key, sizeof(key), "%srev:month:%s", st->prefix, month);
	if (read_list(st, 2, argv, &l, err, errlen) < 0)
		return -1;
	qsort(l.items, l.count, sizeof(*l.items), by_request);
	for (i = 0; i < l.count; i++)
		fn(&l.items[i], arg);
	cw_revq_list_free(&l);
	return 0;
}

/* ------------------------------------------------------- deadline watch */

int64_t
cw_revq_time_left(const struct cw_revocation *r, int64_t now)
{
	return r->deadline - now;
}

enum cw_revq_urgency
cw_revq_classify(const struct cw_revocation *r, int64_t now,
    double warn_fraction)
{
	int64_t window = r->deadline - r->effective_at;

	if (!(warn_fraction > 0 && warn_fraction < 1))
		warn_fraction = CW_REVQ_WARN_FRACTION;
	if (now >= r->deadline)
		return CW_REVQ_MISSED;
	if (now >= r->effective_at + (int64_t)((double)window * warn_fraction))
		return CW_REVQ_WARNING;
	return CW_REVQ_ON_TIME;
}

const char *
cw_revq_urgency_name(enum cw_revq_urgency u)
{
	switch (u) {
	case CW_REVQ_ON_TIME:
		return "on_time";
	case CW_REVQ_WARNING:
		return "warning";
	case CW_REVQ_MISSED:
		return "missed";
	}
	return "?";
}

const char *
cw_revq_outcome(const struct cw_revocation *r, int64_t now)
{
	if (r->state == CW_REVQ_CANCELLED)
		return "cancelled";
	if (r->state == CW_REVQ_DONE)
		return r->completed_at <= r->deadline ? "met" : "missed";
	return now > r->deadline ? "missed" : "pending";
}

/* ------------------------------------------------------------ paging */

void
cw_revq_page_free(struct cw_revq_page *p)
{
	free(p->items);
	p->items = NULL;
	p->count = 0;
}

/* "<score>:<id>" into its parts; "" is the start.  0 or -1. */
static int
cursor_parse(const char *after, long long *score, char id[CW_REVQ_ID_MAX + 1])
{
	const char *colon = strchr(after, ':');
	char *end;

	id[0] = '\0';
	*score = 0;
	if (after[0] == '\0')
		return 0;
	if (colon == NULL || colon == after)
		return -1;
	*score = strtoll(after, &end, 10);
	if (end != colon || !cw_revq_id_valid(colon + 1))
		return -1;
	copy(id, CW_REVQ_ID_MAX + 1, colon + 1);
	return 0;
}

bool
cw_revq_cursor_valid(const char *after)
{
	char id[CW_REVQ_ID_MAX + 1];
	long long score;

	return cursor_parse(after, &score, id) == 0;
}

void
cw_revq_cursor(int64_t score, const char *id, char *out, size_t outlen)
{
	snprintf(out, outlen, "%lld:%s", (long long)score, id);
}

/*
 * Where a cursor whose id has left the index resumes: after every member
 * with a lower score, and after those of equal score that sort before its
 * id (a sorted set orders ties bytewise, as strcmp does here).  Two reads,
 * not atomic: a member added or removed in between may be seen twice or
 * not at all, which paging a changing set allows anyway.
 */
static long long
rank_after(struct cw_store *st, const char *key, long long score,
    const char *id, char *err, size_t errlen)
{
	char lo[32], sc[32];
	const char *count[] = { "ZCOUNT", key, "-inf", lo };
	const char *ties[] = { "ZRANGEBYSCORE", key, sc, sc };
	redisReply *x;
	long long rank;
	size_t i;

	snprintf(lo, sizeof(lo), "(%lld", score);
	snprintf(sc, sizeof(sc), "%lld", score);
	if ((x = cw_redis_call(st->redis, err, errlen, 4, count, NULL)) == NULL)
		return -1;
	rank = x->type == REDIS_REPLY_INTEGER ? x->integer : 0;
	freeReplyObject(x);
	if ((x = cw_redis_call(st->redis, err, errlen, 4, ties, NULL)) == NULL)
		return -1;
	for (i = 0; x->type == REDIS_REPLY_ARRAY && i < x->elements; i++)
		if (x->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(x->element[i]->str, id) < 0)
			rank++;
	freeReplyObject(x);
	return rank;
}

/* Runs the page script; the reply's member/score array, or NULL. */
static redisReply *
page_range(struct cw_store *st, const char *suffix, const char *id,
    long long start, size_t max, redisReply **whole, char *err,
    size_t errlen)
{
	char smax[24], sstart[24];
	const char *args[4] = { suffix, id, smax, sstart };
	redisReply *x;

	*whole = NULL;
	snprintf(smax, sizeof(smax), "%zu", max);
	snprintf(sstart, sizeof(sstart), "%lld", start);
	if ((x = run_script(st, page_script, args, 4, err, errlen)) == NULL)
		return NULL;
	if (x->type != REDIS_REPLY_ARRAY || x->elements < 1 ||
	    x->element[0]->type != REDIS_REPLY_INTEGER ||
	    (x->element[0]->integer >= 0 && (x->elements != 2 ||
	    x->element[1]->type != REDIS_REPLY_ARRAY))) {
		snprintf(err, errlen, "revq: unexpected reply to a page read");
		freeReplyObject(x);
		return NULL;
	}
	*whole = x;
	return x->element[0]->integer >= 0 ? x->element[1] : NULL;
}

/* Fills p->items from a member/score array and reads their records. */
static int
page_fill(struct cw_store *st, const redisReply *ms,
    struct cw_revq_page *p, char *err, size_t errlen)
{
	const char *args[FETCH_PAGE][2];
	const char *const *argv[FETCH_PAGE];
	int argc[FETCH_PAGE];
	redisReply *rep[FETCH_PAGE];
	idkey_t *keys;
	size_t i, n = ms->elements / 2;
	int rc = -1;

	if (n > FETCH_PAGE)
		n = FETCH_PAGE;
	p->items = calloc(n + 1, sizeof(*p->items));
	keys = malloc(sizeof(*keys) * (n + 1));
	if (p->items == NULL || keys == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const redisReply *m = ms->element[2 * i];
		const redisReply *sc = ms->element[2 * i + 1];

		if (m->type != REDIS_REPLY_STRING ||
		    sc->type != REDIS_REPLY_STRING) {
			snprintf(err, errlen, "revq: unexpected page member");
			goto out;
		}
		copy(p->items[i].id, sizeof(p->items[i].id), m->str);
		p->items[i].score = (int64_t)strtod(sc->str, NULL);
		snprintf(keys[i], sizeof(keys[i]), "%srev:%.*s", st->prefix,
		    CW_REVQ_ID_MAX, m->str);
		args[i][0] = "HGETALL";
		args[i][1] = keys[i];
		argv[i] = args[i];
		argc[i] = 2;
	}
	if (n > 0 && cw_redis_pipeline(st->redis, err, errlen, n, argc, argv,
	    NULL, rep) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		p->items[i].found = rep[i]->type == REDIS_REPLY_ARRAY &&
		    decode_hash(rep[i], &p->items[i].r) == 0;
		freeReplyObject(rep[i]);
	}
	p->count = n;
	rc = 0;
out:
	free(keys);
	if (rc < 0)
		cw_revq_page_free(p);
	return rc;
}

/* One page of the sorted-set index <p><suffix>, after the cursor. */
static int
page_index(struct cw_store *st, const char *suffix, const char *after,
    size_t max, struct cw_revq_page *p, char *err, size_t errlen)
{
	char id[CW_REVQ_ID_MAX + 1], key[CW_PREFIX_MAX + 40];
	redisReply *whole = NULL;
	const redisReply *ms;
	long long score, rank;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (max == 0 || max > FETCH_PAGE)
		max = FETCH_PAGE;
	if (cursor_parse(after, &score, id) < 0) {
		snprintf(err, errlen, "revq: bad page cursor");
		return -1;
	}
	ms = page_range(st, suffix, id, 0, max, &whole, err, errlen);
	if (ms == NULL && whole != NULL) {
		/* The cursor's revocation left the index: resume by score. */
		freeReplyObject(whole);
		snprintf(key, sizeof(key), "%s%s", st->prefix, suffix);
		if ((rank = rank_after(st, key, score, id, err, errlen)) < 0)
			return -1;
		ms = page_range(st, suffix, "", rank, max, &whole, err, errlen);
	}
	if (ms == NULL)
		goto out;
	if (page_fill(st, ms, p, err, errlen) < 0)
		goto out;
	p->last = ms->elements / 2 < max;
	rc = 0;
out:
	if (whole != NULL)
		freeReplyObject(whole);
	return rc;
}

int
cw_revq_page_open(struct cw_store *st, const char *after, size_t max,
    struct cw_revq_page *p, char *err, size_t errlen)
{
	return page_index(st, "rev:open", after, max, p, err, errlen);
}

int
cw_revq_page_month(struct cw_store *st, const char *month, const char *after,
    size_t max, struct cw_revq_page *p, char *err, size_t errlen)
{
	char suffix[24];
	const char *args[1] = { month };
	long long added;

	memset(p, 0, sizeof(*p));
	if (!month_valid(month)) {
		snprintf(err, errlen, "revq: month must be YYYY-MM");
		return -1;
	}
	/* The first page makes sure the ordered index has every member. */
	if (after[0] == '\0' && run_int(st, month_index_script, args, 1,
	    &added, err, errlen) < 0)
		return -1;
	snprintf(suffix, sizeof(suffix), "rev:monthz:%s", month);
	return page_index(st, suffix, after, max, p, err, errlen);
}
