/* SPDX-License-Identifier: MIT */
/*
 * store_elevation.c - time-bound elevations in Redis (keys.h: elevations,
 * elevation-history).
 *
 * Every change is one Lua script (store/lua/elevation_*.lua): it edits
 * the user's list, appends the history entry, bumps the generation and
 * logs "e:<uid>" in the change log, so every daemon reloads the
 * elevations at once and the history can never disagree with the grants.
 * The scripts are idempotent under retries and when several daemons
 * expire the same grant: only the one that removes it writes history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/lua_scripts.h"
#include "store/store.h"

/* Runs script with the four keys (elevation_lib.lua) and nargs args. */
static redisReply *
run(struct cw_store *st, const char *script, const char **args, int nargs,
    char *err, size_t errlen)
{
	static const char *const names[4] = { CW_KEY_ELEVATIONS,
	    CW_KEY_ELEVATION_HISTORY, CW_KEY_GEN, CW_KEY_CHANGES };
	char keys[4][CW_KEY_MAX];
	const char *argv[3 + 4 + 8];
	int i, a = 0;

	argv[a++] = "EVAL";
	argv[a++] = script;
	argv[a++] = "4";
	for (i = 0; i < 4; i++) {
		cw_key(keys[i], CW_KEY_MAX, st->prefix, names[i]);
		argv[a++] = keys[i];
	}
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
	if ((r = run(st, cw_lua_elevation_grant, args, 8, err, errlen)) == NULL)
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
	return cw_store_drop_before(st, uid, role, actor, now, 0, err,
	    errlen);
}

long long
cw_store_drop_before(struct cw_store *st, const char *uid, const char *role,
    const char *actor, int64_t now, int64_t before, char *err,
    size_t errlen)
{
	char snow[24], sbefore[24];
	const char *args[5] = { uid, role, actor, snow, sbefore };
	redisReply *r;
	long long gen = -1;

	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	snprintf(sbefore, sizeof(sbefore), "%lld", (long long)before);
	if ((r = run(st, cw_lua_elevation_drop, args, before > 0 ? 5 : 4, err,
	    errlen)) == NULL)
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
	if ((r = run(st, cw_lua_elevation_expire, args, 1, err, errlen)) == NULL)
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
	if ((r = run(st, cw_lua_elevation_drop_all, args, 3, err, errlen)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		n = (int)r->integer;
	else
		snprintf(err, errlen, "redis: unexpected reply to drop-all");
	freeReplyObject(r);
	return n;
}
