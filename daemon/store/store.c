/* SPDX-License-Identifier: MIT */
/*
 * store.c - writing the Redis key layout (store/keys.h): change batches
 * and the LDAP cookie, the sync state, leaver events, the store's identity
 * and the re-assert of revoked users a store forgot.  Each multi-key write
 * is one Lua script (store/lua/), so it is atomic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>

#include "store/lua_scripts.h"
#include "store/store.h"

static const char *const kind_keys[CW_KIND_COUNT] = {
	[CW_KIND_STAFF] = CW_KEY_STAFF,
	[CW_KIND_HOST_CLASS] = CW_KEY_HOSTCLASS,
	[CW_KIND_ROLE] = CW_KEY_ROLE,
};

const char *
cw_store_kind_key(enum cw_kind kind)
{
	return (unsigned)kind < CW_KIND_COUNT ? kind_keys[kind] : "?";
}

int
cw_store_init(struct cw_store *st, struct cw_redis *redis, const char *prefix)
{
	size_t i, len = strlen(prefix);

	if (len > CW_PREFIX_MAX)
		return -1;
	for (i = 0; i < len; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789:_-", prefix[i]) == NULL)
			return -1;
	st->redis = redis;
	memcpy(st->prefix, prefix, len + 1);
	st->parser = NULL;
	st->lease = NULL;
	st->mirror_seq = NULL;
	st->read_only = false;
	st->load_sets = false;
	return 0;
}

/*
 * The lease key and the token a write carries: the sync lease's, or
 * any key and "" (unfenced) for a store without one.  A store with a
 * lease but no token held sends a token that cannot match ("none"), so
 * a write after losing the lease is refused by Redis too.
 */
static const char *
fence_token(const struct cw_store *st, char key[CW_KEY_MAX])
{
	if (st->lease == NULL) {
		cw_key(key, CW_KEY_MAX, st->prefix, CW_KEY_SYNC_LEADER);
		return "";
	}
	memcpy(key, st->lease->key, CW_KEY_MAX);
	return cw_lease_held(st->lease) ? st->lease->token : "none";
}

/*
 * EVAL store_fenced.lua: op on key (DEL, HSET, HSETNX) with args[0..n),
 * refused unless the lease holds the token.  The reply, or NULL (err).
 */
static redisReply *
fenced(struct cw_store *st, const char *op, const char *key,
    const char *const *args, size_t n, char *err, size_t errlen)
{
	char lk[CW_KEY_MAX];
	const char *argv[6 + 2 + 16];
	redisReply *r;
	size_t i;

	if (n > 16) {
		snprintf(err, errlen, "too many fields");
		return NULL;
	}
	argv[0] = "EVAL";
	argv[1] = cw_lua_store_fenced;
	argv[2] = "2";
	argv[5] = fence_token(st, lk);
	argv[3] = lk;
	argv[4] = key;
	argv[6] = op;
	for (i = 0; i < n; i++)
		argv[7 + i] = args[i];
	r = cw_redis_call(st->redis, err, errlen, (int)(7 + n), argv, NULL);
	if (r == NULL && st->lease != NULL)
		(void)cw_lease_refused(st->lease, err);
	return r;
}

/* store_write.lua's KEYS, the lease first (fence_token fills it). */
#define WRITE_NKEYS 8
/* argv index of the cookie (EVAL, script, nkeys, keys, token, op). */
#define WRITE_COOKIE_ARG (3 + WRITE_NKEYS + 2)

/*
 * The arguments of store_write.lua: script, keys (the lease first),
 * token, cookie op, cookie, expected mirror sequence (seq, "" when st
 * has none), changes.
 */
static size_t
write_args(const struct cw_store *st, const struct cw_store_change *changes,
    size_t n, enum cw_cookie_op op, const char *cookie,
    char keys[WRITE_NKEYS][CW_KEY_MAX], char seq[24], const char **argv)
{
	static const char *const ops[] = { "keep", "set", "clear" };
	static const char kinds[CW_KIND_COUNT][2] = { "0", "1", "2" };
	static const char *const names[WRITE_NKEYS] = { NULL, CW_KEY_STAFF,
	    CW_KEY_HOSTCLASS, CW_KEY_ROLE, CW_KEY_GEN, CW_KEY_CHANGES,
	    CW_KEY_LDAP_COOKIE, CW_KEY_MIRROR_SEQ };
	const char *token = fence_token(st, keys[0]);
	size_t i, a = 0;

	argv[a++] = "EVAL";
	argv[a++] = cw_lua_store_write;
	argv[a++] = "8";
	argv[a++] = keys[0];
	for (i = 1; i < WRITE_NKEYS; i++) {
		cw_key(keys[i], CW_KEY_MAX, st->prefix, names[i]);
		argv[a++] = keys[i];
	}
	argv[a++] = token;
	argv[a++] = ops[op];
	argv[a++] = op == CW_COOKIE_SET ? cookie : "";
	seq[0] = '\0';
	if (st->mirror_seq != NULL)
		snprintf(seq, 24, "%lld", *st->mirror_seq);
	argv[a++] = seq;
	for (i = 0; i < n; i++) {
		argv[a++] = kinds[changes[i].kind];
		argv[a++] = changes[i].uuid;
		argv[a++] = changes[i].json != NULL ? changes[i].json : "";
	}
	return a;
}

long long
cw_store_write(struct cw_store *st, const struct cw_store_change *changes,
    size_t n, enum cw_cookie_op op, const char *cookie, size_t cookie_len,
    char *err, size_t errlen)
{
	char keys[WRITE_NKEYS][CW_KEY_MAX], seq[24];
	size_t argc = 3 + WRITE_NKEYS + 4 + 3 * n, i, a;
	const char **argv = calloc(argc, sizeof(*argv));
	size_t *lens = calloc(argc, sizeof(*lens));
	redisReply *r = NULL;
	long long gen = -1;

	if (argv == NULL || lens == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	a = write_args(st, changes, n, op, cookie, keys, seq, argv);
	for (i = 0; i < a; i++)
		lens[i] = strlen(argv[i]);
	/* The cookie may hold NUL. */
	lens[WRITE_COOKIE_ARG] = op == CW_COOKIE_SET ? cookie_len : 0;
	if ((r = cw_redis_call(st->redis, err, errlen, (int)a, argv,
	    lens)) == NULL) {
		if (st->lease != NULL)
			(void)cw_lease_refused(st->lease, err);
		goto out;
	}
	if (r->type != REDIS_REPLY_INTEGER) {
		snprintf(err, errlen, "redis: unexpected reply to the write "
		    "script");
		goto out;
	}
	gen = r->integer;
	/* The script advanced Redis's copy with the batch. */
	if (st->mirror_seq != NULL)
		(*st->mirror_seq)++;
out:
	freeReplyObject(r);
	free(argv);
	free(lens);
	return gen;
}

int
cw_store_forget_cookie(struct cw_store *st, char *err, size_t errlen)
{
	char key[CW_KEY_MAX];
	redisReply *r;

	cw_key(key, sizeof(key), st->prefix, CW_KEY_LDAP_COOKIE);
	if ((r = fenced(st, "del", key, NULL, 0, err, errlen)) == NULL)
		return -1;
	freeReplyObject(r);
	return 0;
}

int
cw_store_set_state(struct cw_store *st, const char *const *fields,
    size_t nfields, char *err, size_t errlen)
{
	char key[CW_KEY_MAX];
	redisReply *r;

	if (nfields > 16 || nfields == 0 || nfields % 2 != 0) {
		snprintf(err, errlen, "bad state fields");
		return -1;
	}
	cw_key(key, sizeof(key), st->prefix, CW_KEY_LDAP_STATE);
	if ((r = fenced(st, "hset", key, fields, nfields, err, errlen)) ==
	    NULL)
		return -1;
	freeReplyObject(r);
	return 0;
}

int
cw_store_record_leaver(struct cw_store *st, const char *uid, const char *dn,
    const char *reason, int64_t at, char *err, size_t errlen)
{
	char key[CW_KEY_MAX];
	const char *args[2] = { uid, NULL };
	json_t *o;
	redisReply *r;
	char *json;
	int rc = -1;

	o = json_pack("{s:s, s:s, s:I}", "dn", dn, "reason", reason, "at",
	    (json_int_t)at);
	if (o == NULL || (json = json_dumps(o, JSON_COMPACT)) == NULL) {
		json_decref(o);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_decref(o);
	args[1] = json;
	cw_key(key, sizeof(key), st->prefix, CW_KEY_LEAVERS);
	if ((r = fenced(st, "hsetnx", key, args, 2, err, errlen)) != NULL) {
		rc = r->type == REDIS_REPLY_INTEGER && r->integer == 1 ? 1 : 0;
		freeReplyObject(r);
	}
	free(json);
	return rc;
}

/* A fresh epoch: CW_EPOCH_LEN hex digits from getrandom.  0 or -1. */
static int
fresh_epoch(char out[CW_EPOCH_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[CW_EPOCH_LEN / 2];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	for (i = 0; i < sizeof(rnd); i++) {
		out[2 * i] = hex[rnd[i] >> 4];
		out[2 * i + 1] = hex[rnd[i] & 15];
	}
	out[CW_EPOCH_LEN] = '\0';
	return 0;
}

int
cw_store_identity(struct cw_store *st, char epoch[CW_EPOCH_LEN + 1],
    bool *created, long long *gen, long long *open, char *err,
    size_t errlen)
{
	char fresh[CW_EPOCH_LEN + 1];
	char ek[CW_KEY_MAX], gk[CW_KEY_MAX], ok[CW_KEY_MAX];
	const char *argv[] = { "EVAL", cw_lua_store_identity, "3", ek, gk, ok,
	    fresh };
	int argc = 7;
	redisReply *r;
	int rc = -1;

	if (st->read_only) {
		/* A host's Redis user may not write: the read-only script
		 * never makes a missing epoch (the central role does). */
		argv[0] = "EVAL_RO";
		argv[1] = cw_lua_store_identity_ro;
		argc = 6;
	} else if (fresh_epoch(fresh) < 0) {
		snprintf(err, errlen, "getrandom failed");
		return -1;
	}
	cw_key(ek, sizeof(ek), st->prefix, CW_KEY_EPOCH);
	cw_key(gk, sizeof(gk), st->prefix, CW_KEY_GEN);
	cw_key(ok, sizeof(ok), st->prefix, CW_KEY_REV_OPEN);
	if ((r = cw_redis_call(st->redis, err, errlen, argc, argv, NULL)) ==
	    NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 4 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    (r->element[0]->len == 0 && !st->read_only) ||
	    r->element[0]->len > CW_EPOCH_LEN ||
	    r->element[1]->type != REDIS_REPLY_INTEGER ||
	    r->element[2]->type != REDIS_REPLY_STRING ||
	    r->element[3]->type != REDIS_REPLY_INTEGER) {
		snprintf(err, errlen, "redis: unexpected reply to the %sidentity "
		    "script", st->read_only ? "read-only " : "");
		goto out;
	}
	memcpy(epoch, r->element[0]->str, r->element[0]->len);
	epoch[r->element[0]->len] = '\0';
	/* Read-only: a missing epoch comes back as "" (created, to the
	 * guard: a store that had none). */
	*created = st->read_only ? r->element[0]->len == 0 :
	    r->element[1]->integer == 1;
	*gen = strtoll(r->element[2]->str, NULL, 10);
	*open = r->element[3]->integer;
	rc = 0;
out:
	freeReplyObject(r);
	return rc;
}

long long
cw_store_reassert(struct cw_store *st, const char *const *uids, size_t n,
    char *err, size_t errlen)
{
	static const char *const names[4] = { CW_KEY_REVOKED,
	    CW_KEY_REINSTATED, CW_KEY_GEN, CW_KEY_CHANGES };
	char keys[4][CW_KEY_MAX];
	const char **argv = calloc(n + 7, sizeof(*argv));
	redisReply *r = NULL;
	long long gen = -1;
	size_t i;

	if (argv == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	argv[0] = "EVAL";
	argv[1] = cw_lua_store_reassert;
	argv[2] = "4";
	for (i = 0; i < 4; i++) {
		cw_key(keys[i], CW_KEY_MAX, st->prefix, names[i]);
		argv[3 + i] = keys[i];
	}
	for (i = 0; i < n; i++)
		argv[7 + i] = uids[i];
	if ((r = cw_redis_call(st->redis, err, errlen, (int)(n + 7), argv,
	    NULL)) == NULL)
		goto out;
	if (r->type != REDIS_REPLY_INTEGER)
		snprintf(err, errlen, "redis: unexpected reply to re-assert");
	else
		gen = r->integer;
out:
	freeReplyObject(r);
	free(argv);
	return gen;
}
