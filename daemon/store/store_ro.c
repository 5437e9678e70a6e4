/* SPDX-License-Identifier: MIT */
/*
 * store_ro.c - see store_ro.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/keys.h"
#include "store/lua_scripts.h"
#include "store/store_ro.h"

int
cw_store_identity_ro(struct cw_store *st, char epoch[CW_EPOCH_LEN + 1],
    bool *created, long long *gen, long long *open, char *err,
    size_t errlen)
{
	char ek[CW_KEY_MAX], gk[CW_KEY_MAX], ok[CW_KEY_MAX];
	const char *argv[] = { "EVAL_RO", cw_lua_store_identity_ro, "3", ek,
	    gk, ok };
	redisReply *r;
	int rc = -1;

	cw_key(ek, sizeof(ek), st->prefix, CW_KEY_EPOCH);
	cw_key(gk, sizeof(gk), st->prefix, CW_KEY_GEN);
	cw_key(ok, sizeof(ok), st->prefix, CW_KEY_REV_OPEN);
	if ((r = cw_redis_call(st->redis, err, errlen, 6, argv, NULL)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 4 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[0]->len > CW_EPOCH_LEN ||
	    r->element[2]->type != REDIS_REPLY_STRING ||
	    r->element[3]->type != REDIS_REPLY_INTEGER) {
		snprintf(err, errlen, "redis: unexpected reply to the read-only "
		    "identity script");
		goto out;
	}
	memcpy(epoch, r->element[0]->str, r->element[0]->len);
	epoch[r->element[0]->len] = '\0';
	*created = r->element[0]->len == 0;
	*gen = strtoll(r->element[2]->str, NULL, 10);
	*open = r->element[3]->integer;
	rc = 0;
out:
	freeReplyObject(r);
	return rc;
}
