/* SPDX-License-Identifier: MIT */
/*
 * store_read.c - the small reads of the key layout (store/keys.h): the
 * LDAP cookie, the generation, every stored entryUUID, reinstate markers,
 * and waiting for the next change-log entry.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

/* Markers read per round trip. */
#define MARKS_PAGE 512

int
cw_store_cookie(struct cw_store *st, char **cookie, size_t *len, char *err,
    size_t errlen)
{
	char key[CW_KEY_MAX];
	const char *argv[] = { "GET", key };
	redisReply *r;

	*cookie = NULL;
	*len = 0;
	cw_key(key, sizeof(key), st->prefix, CW_KEY_LDAP_COOKIE);
	if ((r = cw_redis_call(st->redis, err, errlen, 2, argv, NULL)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_STRING && r->len > 0) {
		if ((*cookie = malloc(r->len + 1)) == NULL) {
			freeReplyObject(r);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		memcpy(*cookie, r->str, r->len);
		(*cookie)[r->len] = '\0';
		*len = r->len;
	}
	freeReplyObject(r);
	return 0;
}

int
cw_store_all_uuids(struct cw_store *st, struct cw_strmap *out, char *err,
    size_t errlen)
{
	enum cw_kind k;
	char key[CW_KEY_MAX];
	const char *argv[] = { "HKEYS", key };
	redisReply *r;
	void *old;
	size_t i;

	for (k = 0; k < CW_KIND_COUNT; k++) {
		cw_key(key, sizeof(key), st->prefix, cw_store_kind_key(k));
		if ((r = cw_redis_call(st->redis, err, errlen, 2, argv,
		    NULL)) == NULL)
			return -1;
		for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements;
		    i++) {
			if (r->element[i]->type != REDIS_REPLY_STRING)
				continue;
			if (cw_strmap_put(out, r->element[i]->str,
			    (void *)(uintptr_t)(k + 1), &old) < 0) {
				freeReplyObject(r);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
		freeReplyObject(r);
	}
	return 0;
}

int
cw_store_generation(struct cw_store *st, long long *gen, char *err,
    size_t errlen)
{
	char key[CW_KEY_MAX];
	const char *argv[] = { "GET", key };
	redisReply *r;
	int rc = -1;

	cw_key(key, sizeof(key), st->prefix, CW_KEY_GEN);
	if ((r = cw_redis_call(st->redis, err, errlen, 2, argv, NULL)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_NIL) {
		*gen = 0;
		rc = 0;
	} else if (r->type == REDIS_REPLY_STRING) {
		*gen = strtoll(r->str, NULL, 10);
		rc = 0;
	} else {
		snprintf(err, errlen, "redis: %s is not a counter", key);
	}
	freeReplyObject(r);
	return rc;
}

int
cw_store_mirror_seq(struct cw_store *st, long long *seq, char *err,
    size_t errlen)
{
	char key[CW_KEY_MAX], back[24];
	const char *argv[] = { "GET", key };
	redisReply *r;
	int rc = -1;

	cw_key(key, sizeof(key), st->prefix, CW_KEY_MIRROR_SEQ);
	if ((r = cw_redis_call(st->redis, err, errlen, 2, argv, NULL)) == NULL)
		return -1;
	*seq = 0;
	if (r->type == REDIS_REPLY_NIL) {
		rc = 0;
	} else if (r->type == REDIS_REPLY_STRING && r->len > 0 &&
	    r->len < 20) {
		/* Exactly what INCR writes: the script compares strings. */
		*seq = strtoll(r->str, NULL, 10);
		snprintf(back, sizeof(back), "%lld", *seq);
		rc = *seq >= 0 && strcmp(back, r->str) == 0 ? 0 : -1;
	}
	if (rc < 0)
		snprintf(err, errlen, "redis: %s is not a counter", key);
	freeReplyObject(r);
	return rc;
}

int
cw_store_wait_change(struct cw_store *st, long long after, int block_ms,
    char *err, size_t errlen)
{
	char key[CW_KEY_MAX], id[40], block[24];
	const char *argv[] = { "XREAD", "COUNT", "1", "BLOCK", block,
	    "STREAMS", key, id };
	redisReply *r;
	int rc;

	cw_key(key, sizeof(key), st->prefix, CW_KEY_CHANGES);
	snprintf(id, sizeof(id), "%lld-1", after);
	snprintf(block, sizeof(block), "%d", block_ms);
	if ((r = cw_redis_call(st->redis, err, errlen, 8, argv, NULL)) == NULL)
		return -1;
	rc = r->type == REDIS_REPLY_ARRAY && r->elements > 0;
	freeReplyObject(r);
	return rc;
}

/* One reinstate marker "<epoch> <gen> <at>"; anything else is none. */
static void
decode_mark(const redisReply *v, struct cw_reinstate_mark *m)
{
	char ep[CW_EPOCH_LEN + 1];
	long long g;

	if (v->type == REDIS_REPLY_STRING && v->len < 128 &&
	    sscanf(v->str, "%32[0-9a-f] %lld", ep, &g) == 2) {
		memcpy(m->epoch, ep, sizeof(ep));
		m->gen = g;
	}
}

int
cw_store_reinstated(struct cw_store *st, const char *const *uids, size_t n,
    struct cw_reinstate_mark *out, char *err, size_t errlen)
{
	const char *argv[2 + MARKS_PAGE];
	char key[CW_KEY_MAX];
	redisReply *r;
	size_t i, j, page;

	cw_key(key, sizeof(key), st->prefix, CW_KEY_REINSTATED);
	argv[0] = "HMGET";
	argv[1] = key;
	memset(out, 0, n * sizeof(*out));
	for (i = 0; i < n; i += page) {
		page = n - i < MARKS_PAGE ? n - i : MARKS_PAGE;
		for (j = 0; j < page; j++)
			argv[2 + j] = uids[i + j];
		if ((r = cw_redis_call(st->redis, err, errlen, (int)(2 + page),
		    argv, NULL)) == NULL)
			return -1;
		for (j = 0; r->type == REDIS_REPLY_ARRAY && j < page &&
		    j < r->elements; j++)
			decode_mark(r->element[j], &out[i + j]);
		freeReplyObject(r);
	}
	return 0;
}
