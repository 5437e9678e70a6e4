/* SPDX-License-Identifier: MIT */
/*
 * revq_script.c - how the queue's C calls its Lua scripts
 * (store/lua/revq_*.lua): the seven keys of revq_lib.lua, the prefix and
 * the consumer group first, then each script's own arguments.
 */
#include <stdio.h>
#include <string.h>

#include "revoke/revq_internal.h"
#include "store/lua_scripts.h"

/* KEYS of every script, in this order (revq_lib.lua). */
static const char *const key_names[REVQ_NKEYS] = {
	CW_KEY_REVOKED, CW_KEY_GEN, CW_KEY_CHANGES, CW_KEY_REVQ,
	CW_KEY_REVSCHED, CW_KEY_REVQ_DEAD, CW_KEY_REV_OPEN,
};

redisReply *
revq_run_script(struct cw_store *st, const char *script, const char **args,
    int nargs, char *err, size_t errlen)
{
	char keys[REVQ_NKEYS][CW_KEY_MAX];
	const char *argv[3 + REVQ_NKEYS + 2 + 16];
	int i, a = 0;

	if (nargs > 16) {
		snprintf(err, errlen, "revq: too many script arguments");
		return NULL;
	}
	/* A reading script for a store whose user may not write: EVAL_RO,
	 * which Redis lets a read-only ACL user run (EVAL it does not). */
	argv[a++] = st->read_only && script == cw_lua_revq_page ? "EVAL_RO" :
	    "EVAL";
	argv[a++] = script;
	argv[a++] = "7";
	for (i = 0; i < REVQ_NKEYS; i++) {
		cw_key(keys[i], CW_KEY_MAX, st->prefix, key_names[i]);
		argv[a++] = keys[i];
	}
	argv[a++] = st->prefix;
	argv[a++] = CW_REVQ_GROUP;
	for (i = 0; i < nargs; i++)
		argv[a++] = args[i];
	return cw_redis_call(st->redis, err, errlen, a, argv, NULL);
}

int
revq_run_int(struct cw_store *st, const char *script, const char **args,
    int nargs, long long *value, char *err, size_t errlen)
{
	redisReply *r = revq_run_script(st, script, args, nargs, err, errlen);
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

int
revq_run_id_script(struct cw_store *st, const char *script, const char *id,
    int64_t now, long long *v, char *err, size_t errlen)
{
	char snow[24];
	const char *args[2] = { id, snow };

	if (!cw_revq_id_valid(id)) {
		snprintf(err, errlen, "revq: invalid id");
		return -1;
	}
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	return revq_run_int(st, script, args, 2, v, err, errlen);
}
