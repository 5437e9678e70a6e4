/*
 * store.c - reading and writing the Redis key layout of store.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store.h"

/* Field/value pairs per HSET, and fields per HDEL, in one command. */
#define BATCH 512

static const char *const kind_keys[CW_KIND_COUNT] = {
	[CW_KIND_STAFF] = "staff",
	[CW_KIND_HOST_CLASS] = "hostclass",
	[CW_KIND_ROLE] = "role",
};

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
	return 0;
}

static void
key_name(const struct cw_store *st, const char *suffix, char *buf,
    size_t len)
{
	snprintf(buf, len, "%s%s", st->prefix, suffix);
}

/*
 * A growing list of commands for one pipeline.  Argument strings are
 * borrowed from the caller and must outlive the pipeline.
 */
struct batch {
	size_t n, cap;
	int *argc;
	const char ***argv;
	size_t **argvlen;
};

static int
batch_add(struct batch *b, int argc, const char **argv, size_t *argvlen)
{
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 16;
		int *a = reallocarray(b->argc, ncap, sizeof(*a));
		const char ***v;
		size_t **l;

		if (a == NULL)
			return -1;
		b->argc = a;
		if ((v = reallocarray(b->argv, ncap, sizeof(*v))) == NULL)
			return -1;
		b->argv = v;
		if ((l = reallocarray(b->argvlen, ncap, sizeof(*l))) == NULL)
			return -1;
		b->argvlen = l;
		b->cap = ncap;
	}
	b->argc[b->n] = argc;
	b->argv[b->n] = argv;
	b->argvlen[b->n] = argvlen;
	b->n++;
	return 0;
}

/* Frees the batch and the argv/argvlen arrays it was given. */
static void
batch_free(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->argv[i]);
		free(b->argvlen[i]);
	}
	free(b->argc);
	free(b->argv);
	free(b->argvlen);
	memset(b, 0, sizeof(*b));
}

/* Adds a command of fixed words plus nvar variable arguments. */
static int
batch_command(struct batch *b, const char *const *words, int nwords,
    const char *const *var, size_t nvar)
{
	int argc = nwords + (int)nvar, i;
	const char **argv = calloc((size_t)argc, sizeof(*argv));
	size_t *lens = calloc((size_t)argc, sizeof(*lens));

	if (argv == NULL || lens == NULL)
		goto fail;
	for (i = 0; i < argc; i++) {
		argv[i] = i < nwords ? words[i] : var[i - nwords];
		lens[i] = strlen(argv[i]);
	}
	if (batch_add(b, argc, argv, lens) < 0)
		goto fail;
	return 0;
fail:
	free(argv);
	free(lens);
	return -1;
}

/* Runs the batch; 0 when every reply arrived and none is an error. */
static int
batch_run(struct cw_store *st, struct batch *b, redisReply ***replies_out,
    char *err, size_t errlen)
{
	redisReply **replies = calloc(b->n ? b->n : 1, sizeof(*replies));
	size_t i;

	if (replies == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cw_redis_pipeline(st->redis, err, errlen, b->n, b->argc,
	    (const char *const *const *)b->argv,
	    (const size_t *const *)b->argvlen, replies) < 0) {
		free(replies);
		return -1;
	}
	for (i = 0; i < b->n; i++) {
		if (replies[i]->type == REDIS_REPLY_ERROR) {
			snprintf(err, errlen, "redis: %.200s", replies[i]->str);
			goto fail;
		}
	}
	*replies_out = replies;
	return 0;
fail:
	for (i = 0; i < b->n; i++)
		freeReplyObject(replies[i]);
	free(replies);
	return -1;
}

static void
replies_free(redisReply **replies, size_t n)
{
	size_t i;

	if (replies == NULL)
		return;
	for (i = 0; i < n; i++)
		freeReplyObject(replies[i]);
	free(replies);
}

/* The stored hash as a JSON object uuid -> stored string, for diffing. */
static json_t *
stored_map(struct cw_store *st, const char *key, char *err, size_t errlen)
{
	const char *argv[] = { "HGETALL", key };
	redisReply *r = cw_redis_commandv(st->redis, err, errlen, 2, argv);
	json_t *map = NULL;
	size_t i;

	if (r == NULL)
		return NULL;
	if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
		snprintf(err, errlen, "redis: %s is not a hash", key);
		goto out;
	}
	if ((map = json_object()) == NULL)
		goto out;
	for (i = 0; i < r->elements; i += 2) {
		redisReply *f = r->element[i], *v = r->element[i + 1];

		if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		json_object_setn_new(map, f->str, f->len,
		    json_stringn(v->str, v->len));
	}
out:
	freeReplyObject(r);
	return map;
}

struct mirror_plan {
	const char **set_args;  /* uuid, json, uuid, json, ... */
	size_t nset;
	char **jsons;           /* owned JSON strings, one per entry */
	const char **del_args;  /* uuids to remove */
	size_t ndel;
};

static void
plan_free(struct mirror_plan *p, size_t nentries)
{
	size_t i;

	if (p->jsons != NULL)
		for (i = 0; i < nentries; i++)
			free(p->jsons[i]);
	free(p->jsons);
	free(p->set_args);
	free(p->del_args);
}

/* Compares wanted entries with the stored map (consumed) into a plan. */
static int
plan_mirror(json_t *stored, const struct cw_entry *entries, size_t n,
    bool *changed, struct mirror_plan *p, char *err, size_t errlen)
{
	const char *uuid;
	json_t *v;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->jsons = calloc(n ? n : 1, sizeof(*p->jsons));
	p->set_args = calloc(2 * n + 1, sizeof(*p->set_args));
	p->del_args = calloc(json_object_size(stored) + 1,
	    sizeof(*p->del_args));
	if (p->jsons == NULL || p->set_args == NULL || p->del_args == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		const struct cw_entry *e = &entries[i];
		json_t *old = json_object_get(stored, e->uuid);

		if ((p->jsons[i] = cw_entry_to_json(e)) == NULL)
			goto oom;
		if (changed != NULL)
			changed[i] = old == NULL ||
			    strcmp(json_string_value(old), p->jsons[i]) != 0;
		if (old == NULL || strcmp(json_string_value(old),
		    p->jsons[i]) != 0) {
			p->set_args[p->nset++] = e->uuid;
			p->set_args[p->nset++] = p->jsons[i];
		}
		if (old != NULL)
			json_object_del(stored, e->uuid);
	}
	json_object_foreach(stored, uuid, v)
		p->del_args[p->ndel++] = uuid;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* MULTI, HSET/HDEL in batches, INCR gen, EXEC. */
static int
build_mirror_batch(struct batch *b, const char *key, const char *genkey,
    const struct mirror_plan *p)
{
	const char *multi[] = { "MULTI" }, *exec[] = { "EXEC" };
	const char *hset[] = { "HSET", key }, *hdel[] = { "HDEL", key };
	const char *incr[] = { "INCR", genkey };
	size_t i, chunk;

	if (batch_command(b, multi, 1, NULL, 0) < 0)
		return -1;
	for (i = 0; i < p->nset; i += chunk) {
		chunk = p->nset - i < 2 * BATCH ? p->nset - i : 2 * BATCH;
		if (batch_command(b, hset, 2, p->set_args + i, chunk) < 0)
			return -1;
	}
	for (i = 0; i < p->ndel; i += chunk) {
		chunk = p->ndel - i < BATCH ? p->ndel - i : BATCH;
		if (batch_command(b, hdel, 2, p->del_args + i, chunk) < 0)
			return -1;
	}
	if (batch_command(b, incr, 2, NULL, 0) < 0 ||
	    batch_command(b, exec, 1, NULL, 0) < 0)
		return -1;
	return 0;
}

/* The EXEC reply must be an array whose elements are all successes. */
static int
check_exec(const redisReply *r, char *err, size_t errlen)
{
	size_t i;

	if (r->type != REDIS_REPLY_ARRAY) {
		snprintf(err, errlen, "redis: transaction aborted");
		return -1;
	}
	for (i = 0; i < r->elements; i++) {
		if (r->element[i]->type == REDIS_REPLY_ERROR) {
			snprintf(err, errlen, "redis: %.200s",
			    r->element[i]->str);
			return -1;
		}
	}
	return 0;
}

long
cw_store_mirror(struct cw_store *st, enum cw_kind kind,
    const struct cw_entry *entries, size_t n, bool *changed,
    char *err, size_t errlen)
{
	char key[CW_PREFIX_MAX + 16], genkey[CW_PREFIX_MAX + 16];
	struct mirror_plan plan;
	struct batch b;
	redisReply **replies = NULL;
	json_t *stored;
	long rc = -1;

	memset(&b, 0, sizeof(b));
	memset(&plan, 0, sizeof(plan));
	key_name(st, kind_keys[kind], key, sizeof(key));
	key_name(st, "gen", genkey, sizeof(genkey));
	if ((stored = stored_map(st, key, err, errlen)) == NULL)
		return -1;
	if (plan_mirror(stored, entries, n, changed, &plan, err, errlen) < 0)
		goto out;
	if (plan.nset == 0 && plan.ndel == 0) {
		rc = 0;
		goto out;
	}
	if (build_mirror_batch(&b, key, genkey, &plan) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (batch_run(st, &b, &replies, err, errlen) < 0 ||
	    check_exec(replies[b.n - 1], err, errlen) < 0)
		goto out;
	rc = (long)(plan.nset / 2 + plan.ndel);
out:
	replies_free(replies, b.n);
	batch_free(&b);
	plan_free(&plan, n);
	json_decref(stored);
	return rc;
}

int
cw_store_generation(struct cw_store *st, long long *gen, char *err,
    size_t errlen)
{
	char key[CW_PREFIX_MAX + 16];
	const char *argv[] = { "GET", key };
	redisReply *r;
	int rc = -1;

	key_name(st, "gen", key, sizeof(key));
	if ((r = cw_redis_commandv(st->redis, err, errlen, 2, argv)) == NULL)
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

typedef int (*add_fn)(struct cw_snapshot *, const char *, size_t, char *,
    size_t);

/* Feeds the values of a hash reply to add(); counts the ones refused. */
static void
load_hash_values(struct cw_snapshot *s, const redisReply *r, add_fn add,
    size_t *skipped, char *err, size_t errlen)
{
	char why[256];
	size_t i;

	for (i = 0; i + 1 < r->elements; i += 2) {
		const redisReply *v = r->element[i + 1];

		if (v->type == REDIS_REPLY_STRING &&
		    add(s, v->str, v->len, why, sizeof(why)) == 0)
			continue;
		if ((*skipped)++ == 0)
			snprintf(err, errlen, "%s", why);
	}
}

static void
load_revoked(struct cw_snapshot *s, const redisReply *r, size_t *skipped,
    char *err, size_t errlen)
{
	char why[256];
	size_t i;

	for (i = 0; i < r->elements; i++) {
		const redisReply *v = r->element[i];

		if (v->type == REDIS_REPLY_STRING &&
		    cw_snapshot_add_revoked(s, v->str, v->len, why,
		    sizeof(why)) == 0)
			continue;
		if ((*skipped)++ == 0)
			snprintf(err, errlen, "%s", why);
	}
}

static void
load_elevations(struct cw_snapshot *s, const redisReply *r, size_t *skipped,
    char *err, size_t errlen)
{
	char why[256];
	size_t i;

	for (i = 0; i + 1 < r->elements; i += 2) {
		const redisReply *k = r->element[i], *v = r->element[i + 1];

		if (k->type == REDIS_REPLY_STRING &&
		    v->type == REDIS_REPLY_STRING &&
		    cw_snapshot_add_elevations(s, k->str, k->len, v->str,
		    v->len, why, sizeof(why)) == 0)
			continue;
		if ((*skipped)++ == 0)
			snprintf(err, errlen, "%s", why);
	}
}

enum { L_GEN, L_STAFF, L_HOSTCLASS, L_ROLE, L_REVOKED, L_ELEVATIONS, L_N };

struct cw_snapshot *
cw_store_load(struct cw_store *st, size_t *skipped, char *err, size_t errlen)
{
	static const char *const suffix[L_N] = {
		"gen", "staff", "hostclass", "role", "revoked", "elevations"
	};
	static const char *const verb[L_N] = {
		"GET", "HGETALL", "HGETALL", "HGETALL", "SMEMBERS", "HGETALL"
	};
	char keys[L_N][CW_PREFIX_MAX + 16];
	const char *multi[] = { "MULTI" }, *exec[] = { "EXEC" };
	struct cw_snapshot *s = NULL;
	redisReply **replies = NULL, *x;
	struct batch b;
	size_t i;

	*skipped = 0;
	memset(&b, 0, sizeof(b));
	if (batch_command(&b, multi, 1, NULL, 0) < 0)
		goto oom;
	for (i = 0; i < L_N; i++) {
		const char *words[2] = { verb[i], keys[i] };

		key_name(st, suffix[i], keys[i], sizeof(keys[i]));
		if (batch_command(&b, words, 2, NULL, 0) < 0)
			goto oom;
	}
	if (batch_command(&b, exec, 1, NULL, 0) < 0)
		goto oom;
	if (batch_run(st, &b, &replies, err, errlen) < 0)
		goto out;
	x = replies[b.n - 1];
	if (check_exec(x, err, errlen) < 0)
		goto out;
	if (x->elements != L_N) {
		snprintf(err, errlen, "redis: unexpected transaction reply");
		goto out;
	}
	for (i = L_STAFF; i < L_N; i++) {
		if (x->element[i]->type != REDIS_REPLY_ARRAY) {
			snprintf(err, errlen, "redis: %s has the wrong type",
			    keys[i]);
			goto out;
		}
	}
	s = cw_snapshot_new(x->element[L_GEN]->type == REDIS_REPLY_STRING ?
	    strtoll(x->element[L_GEN]->str, NULL, 10) : 0);
	if (s == NULL)
		goto oom;
	err[0] = '\0';
	load_hash_values(s, x->element[L_STAFF], cw_snapshot_add_staff,
	    skipped, err, errlen);
	load_hash_values(s, x->element[L_HOSTCLASS],
	    cw_snapshot_add_host_class, skipped, err, errlen);
	load_hash_values(s, x->element[L_ROLE], cw_snapshot_add_role, skipped,
	    err, errlen);
	load_revoked(s, x->element[L_REVOKED], skipped, err, errlen);
	load_elevations(s, x->element[L_ELEVATIONS], skipped, err, errlen);
	cw_snapshot_finish(s);
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	replies_free(replies, b.n);
	batch_free(&b);
	return s;
}
