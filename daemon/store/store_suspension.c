/* SPDX-License-Identifier: MIT */
/*
 * store_suspension.c - suspensions in Redis (keys.h: suspended): one
 * script (store/lua/suspend.lua) sets or lifts one and logs "s:<uid>" in
 * the change log, so every daemon reloads them at once.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "store/lua_scripts.h"
#include "store/store.h"

/* Runs suspend.lua for uid with json ("" lifts it) in mode ("" or
 * "absent"). */
static long long
run(struct cw_store *st, const char *uid, const char *json, const char *mode,
    char *err, size_t errlen)
{
	static const char *const names[3] = { CW_KEY_SUSPENDED, CW_KEY_GEN,
	    CW_KEY_CHANGES };
	char keys[3][CW_KEY_MAX];
	const char *argv[3 + 3 + 3];
	long long gen = -1;
	redisReply *r;
	int i, a = 0;

	argv[a++] = "EVAL";
	argv[a++] = cw_lua_suspend;
	argv[a++] = "3";
	for (i = 0; i < 3; i++) {
		cw_key(keys[i], CW_KEY_MAX, st->prefix, names[i]);
		argv[a++] = keys[i];
	}
	argv[a++] = uid;
	argv[a++] = json;
	argv[a++] = mode;
	if ((r = cw_redis_call(st->redis, err, errlen, a, argv, NULL)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		gen = r->integer;
	else
		snprintf(err, errlen, "redis: unexpected reply to suspend");
	freeReplyObject(r);
	return gen;
}

static long long
suspend(struct cw_store *st, const char *uid, const struct cw_suspension *s,
    const char *mode, char *err, size_t errlen)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s}", "until",
	    (json_int_t)s->until, "since", (json_int_t)s->since, "by", s->by,
	    "reason", s->reason);
	char *json = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	long long gen;

	json_decref(o);
	if (json == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	gen = run(st, uid, json, mode, err, errlen);
	free(json);
	return gen;
}

long long
cw_store_suspend(struct cw_store *st, const char *uid,
    const struct cw_suspension *s, char *err, size_t errlen)
{
	return suspend(st, uid, s, "", err, errlen);
}

long long
cw_store_suspend_again(struct cw_store *st, const char *uid,
    const struct cw_suspension *s, char *err, size_t errlen)
{
	return suspend(st, uid, s, "absent", err, errlen);
}

long long
cw_store_unsuspend(struct cw_store *st, const char *uid, char *err,
    size_t errlen)
{
	return run(st, uid, "", "", err, errlen);
}

int
cw_suspension_parse(const char *json, size_t len, struct cw_suspension *out)
{
	json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *until, *since, *by, *reason;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (o == NULL || !json_is_object(o))
		goto out;
	until = json_object_get(o, "until");
	since = json_object_get(o, "since");
	by = json_object_get(o, "by");
	reason = json_object_get(o, "reason");
	if (!json_is_integer(until) || json_integer_value(until) <= 0 ||
	    !json_is_integer(since) || !json_is_string(by) ||
	    !json_is_string(reason) ||
	    json_string_length(by) > CW_USER_MAX ||
	    json_string_length(reason) > CW_REASON_TEXT_MAX)
		goto out;
	out->until = json_integer_value(until);
	out->since = json_integer_value(since);
	memcpy(out->by, json_string_value(by), json_string_length(by) + 1);
	memcpy(out->reason, json_string_value(reason),
	    json_string_length(reason) + 1);
	rc = 0;
out:
	json_decref(o);
	return rc;
}
