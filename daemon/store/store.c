/* SPDX-License-Identifier: MIT */
/*
 * store.c - reading and writing the Redis key layout of store.h.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <jansson.h>

#include "elevation.h"
#include "store/store.h"

/* Change-log entries kept: a daemon further behind than this reloads all. */
#define CHANGES_KEPT "10000"
/* Log entries read per round trip. */
#define CHANGES_PAGE 512
#define CHANGES_PAGE_STR "512"

static const char *const kind_keys[CW_KIND_COUNT] = {
	[CW_KIND_STAFF] = "staff",
	[CW_KIND_HOST_CLASS] = "hostclass",
	[CW_KIND_ROLE] = "role",
};

/*
 * KEYS: staff hostclass role gen changes cookie
 * ARGV: cookie-op ("keep"|"set"|"clear"), cookie, then per change: kind
 *       (0..2), uuid, json ("" = deleted).
 * An entry lives under one kind only: a change deletes the uuid from the
 * other hashes, so an entry whose object class changed cannot linger.
 */
static const char write_script[] =
    "local gen = redis.call('INCR', KEYS[4])\n"
    "local log = {}\n"
    "for i = 3, #ARGV, 3 do\n"
    "  local kind, uuid, json = tonumber(ARGV[i]), ARGV[i+1], ARGV[i+2]\n"
    "  for k = 1, 3 do\n"
    "    if json == '' or k ~= kind + 1 then\n"
    "      redis.call('HDEL', KEYS[k], uuid)\n"
    "    end\n"
    "  end\n"
    "  if json ~= '' then\n"
    "    redis.call('HSET', KEYS[kind + 1], uuid, json)\n"
    "    log[#log + 1] = kind .. ':' .. uuid\n"
    "  else\n"
    "    log[#log + 1] = 'x:' .. uuid\n"
    "  end\n"
    "end\n"
    "redis.call('XADD', KEYS[5], 'MAXLEN', '~', " CHANGES_KEPT ",\n"
    "  gen .. '-1', 'c', table.concat(log, ','))\n"
    "if ARGV[1] == 'set' then redis.call('SET', KEYS[6], ARGV[2])\n"
    "elseif ARGV[1] == 'clear' then redis.call('DEL', KEYS[6]) end\n"
    "return gen\n";

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

typedef char key_t_[CW_PREFIX_MAX + 24];

static void
key_name(const struct cw_store *st, const char *suffix, key_t_ buf)
{
	snprintf(buf, sizeof(key_t_), "%s%s", st->prefix, suffix);
}

/* Runs a command; an error reply is an error.  NULL with err on failure. */
static redisReply *
command(struct cw_store *st, int argc, const char **argv,
    const size_t *lens, char *err, size_t errlen)
{
	return cw_redis_call(st->redis, err, errlen, argc, argv, lens);
}

long long
cw_store_write(struct cw_store *st, const struct cw_store_change *changes,
    size_t n, enum cw_cookie_op op, const char *cookie, size_t cookie_len,
    char *err, size_t errlen)
{
	static const char *const ops[] = { "keep", "set", "clear" };
	static const char kinds[CW_KIND_COUNT][2] = { "0", "1", "2" };
	key_t_ keys[6];
	size_t argc = 2 + 1 + 6 + 2 + 3 * n, i, a = 0;
	const char **argv = calloc(argc, sizeof(*argv));
	size_t *lens = calloc(argc, sizeof(*lens));
	redisReply *r = NULL;
	long long gen = -1;

	if (argv == NULL || lens == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	key_name(st, "staff", keys[0]);
	key_name(st, "hostclass", keys[1]);
	key_name(st, "role", keys[2]);
	key_name(st, "gen", keys[3]);
	key_name(st, "changes", keys[4]);
	key_name(st, "ldap:cookie", keys[5]);
	argv[a++] = "EVAL";
	argv[a++] = write_script;
	argv[a++] = "6";
	for (i = 0; i < 6; i++)
		argv[a++] = keys[i];
	argv[a++] = ops[op];
	argv[a++] = op == CW_COOKIE_SET ? cookie : "";
	for (i = 0; i < n; i++) {
		argv[a++] = kinds[changes[i].kind];
		argv[a++] = changes[i].uuid;
		argv[a++] = changes[i].json != NULL ? changes[i].json : "";
	}
	for (i = 0; i < a; i++)
		lens[i] = strlen(argv[i]);
	lens[10] = op == CW_COOKIE_SET ? cookie_len : 0;  /* may hold NUL */
	if ((r = command(st, (int)a, argv, lens, err, errlen)) == NULL)
		goto out;
	if (r->type != REDIS_REPLY_INTEGER) {
		snprintf(err, errlen, "redis: unexpected reply to the write "
		    "script");
		goto out;
	}
	gen = r->integer;
out:
	freeReplyObject(r);
	free(argv);
	free(lens);
	return gen;
}

int
cw_store_forget_cookie(struct cw_store *st, char *err, size_t errlen)
{
	key_t_ key;
	const char *argv[] = { "DEL", key };
	redisReply *r;

	key_name(st, "ldap:cookie", key);
	if ((r = command(st, 2, argv, NULL, err, errlen)) == NULL)
		return -1;
	freeReplyObject(r);
	return 0;
}

int
cw_store_cookie(struct cw_store *st, char **cookie, size_t *len, char *err,
    size_t errlen)
{
	key_t_ key;
	const char *argv[] = { "GET", key };
	redisReply *r;

	*cookie = NULL;
	*len = 0;
	key_name(st, "ldap:cookie", key);
	if ((r = command(st, 2, argv, NULL, err, errlen)) == NULL)
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
	key_t_ key;
	const char *argv[] = { "HKEYS", key };
	redisReply *r;
	void *old;
	size_t i;

	for (k = 0; k < CW_KIND_COUNT; k++) {
		key_name(st, kind_keys[k], key);
		if ((r = command(st, 2, argv, NULL, err, errlen)) == NULL)
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
	key_t_ key;
	const char *argv[] = { "GET", key };
	redisReply *r;
	int rc = -1;

	key_name(st, "gen", key);
	if ((r = command(st, 2, argv, NULL, err, errlen)) == NULL)
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

/* Parses a stored entry into the delta; unusable ones count as skipped. */
static int
add_parsed(struct cw_delta *d, enum cw_kind kind, const char *uuid,
    const redisReply *v, size_t *skipped, char *err, size_t errlen)
{
	struct cw_db_entry *e = NULL;
	char why[256];

	if (v->type == REDIS_REPLY_STRING) {
		e = cw_db_entry_parse(kind, v->str, v->len, (int64_t)time(NULL),
		    why, sizeof(why));
		if (e == NULL && (*skipped)++ == 0)
			snprintf(err, errlen, "%s %s: %s", kind_keys[kind], uuid,
			    why);
	}
	/* Absent (deleted since) or unusable: the entry must go. */
	if (cw_delta_add(d, uuid, e) < 0) {
		cw_db_entry_free(e);
		return -1;
	}
	return 0;
}

static int
load_revoked(struct cw_delta *d, const redisReply *r)
{
	void *old;
	size_t i;

	d->has_revoked = true;
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *v = r->element[i];

		if (v->type == REDIS_REPLY_STRING &&
		    cw_user_name_valid(v->str, v->len) &&
		    cw_strmap_put(&d->revoked, v->str, (void *)1, &old) < 0)
			return -1;
	}
	return 0;
}

static int
load_elevations(struct cw_delta *d, const redisReply *r, size_t *skipped,
    char *err, size_t errlen)
{
	struct cw_user_elevations *ue;
	char why[128];
	void *old;
	size_t i;

	d->has_elevations = true;
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements;
	    i += 2) {
		const redisReply *k = r->element[i], *v = r->element[i + 1];

		if (k->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING ||
		    !cw_user_name_valid(k->str, k->len))
			continue;
		if ((ue = calloc(1, sizeof(*ue))) == NULL)
			return -1;
		if (cw_elevations_parse(v->str, v->len, &ue->list, &ue->count,
		    why, sizeof(why)) < 0) {
			free(ue);
			if ((*skipped)++ == 0)
				snprintf(err, errlen, "elevations of %s: %s",
				    k->str, why);
			continue;
		}
		if (cw_strmap_put(&d->elevations, k->str, ue, &old) < 0) {
			cw_db_free_elevations(ue);
			return -1;
		}
	}
	return 0;
}

/* The small sets every delta carries in full. */
static int
load_small(struct cw_store *st, struct cw_delta *d, size_t *skipped,
    char *err, size_t errlen)
{
	key_t_ rkey, ekey;
	const char *sm[] = { "SMEMBERS", rkey }, *hg[] = { "HGETALL", ekey };
	redisReply *r;
	int rc;

	key_name(st, "revoked", rkey);
	key_name(st, "elevations", ekey);
	if ((r = command(st, 2, sm, NULL, err, errlen)) == NULL)
		return -1;
	rc = load_revoked(d, r);
	freeReplyObject(r);
	if (rc < 0 || (r = command(st, 2, hg, NULL, err, errlen)) == NULL)
		return -1;
	rc = load_elevations(d, r, skipped, err, errlen);
	freeReplyObject(r);
	return rc;
}

/* Parses one log entry "k:uuid,k:uuid,..." into the map uuid -> kind+1. */
static int
parse_log(const char *s, struct cw_strmap *touched)
{
	char *copy = strdup(s), *item, *save = NULL;
	void *old;
	int rc = 0;

	if (copy == NULL)
		return -1;
	for (item = strtok_r(copy, ",", &save); item != NULL && rc == 0;
	    item = strtok_r(NULL, ",", &save)) {
		uintptr_t kind;

		if (strlen(item) < 3 || item[1] != ':')
			continue;
		kind = item[0] == 'x' ? 0 : (uintptr_t)(item[0] - '0') + 1;
		if (kind > CW_KIND_COUNT)
			continue;
		/* kind 0 marks a deletion; the latest mention wins */
		rc = cw_strmap_put(touched, item + 2,
		    (void *)(kind == 0 ? (uintptr_t)CW_KIND_COUNT + 1 : kind),
		    &old);
	}
	free(copy);
	return rc;
}

/*
 * Reads log entries after generation `from`, checking there is one for
 * every generation; *upto gets the last one.  1 on a gap.
 */
static int
read_log(struct cw_store *st, long long from, struct cw_strmap *touched,
    long long *upto, char *err, size_t errlen)
{
	key_t_ key;
	char start[40];
	const char *argv[] = { "XRANGE", key, start, "+", "COUNT",
	    CHANGES_PAGE_STR };
	redisReply *r;
	size_t i;

	key_name(st, "changes", key);
	*upto = from;
	for (;;) {
		snprintf(start, sizeof(start), "(%lld-1", *upto);
		if ((r = command(st, 6, argv, NULL, err, errlen)) == NULL)
			return -1;
		for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements;
		    i++) {
			const redisReply *e = r->element[i];
			long long g;

			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    e->element[0]->type != REDIS_REPLY_STRING ||
			    e->element[1]->type != REDIS_REPLY_ARRAY ||
			    e->element[1]->elements != 2 ||
			    (g = strtoll(e->element[0]->str, NULL, 10)) !=
			    *upto + 1) {
				freeReplyObject(r);
				return 1;
			}
			if (parse_log(e->element[1]->element[1]->str,
			    touched) < 0) {
				freeReplyObject(r);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			*upto = g;
		}
		i = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
		freeReplyObject(r);
		if (i < CHANGES_PAGE)
			return 0;
	}
}

/* The uuids a log names, sorted by what to do with them. */
struct touched_lists {
	const char **uuids[CW_KIND_COUNT + 1];  /* last: deleted */
	size_t n[CW_KIND_COUNT + 1];
	size_t cap;
	int rc;
};

static void
sort_touched(const char *uuid, void *value, void *arg)
{
	struct touched_lists *t = arg;
	uintptr_t k = (uintptr_t)value - 1;

	if (k > CW_KIND_COUNT || t->rc < 0)
		return;
	t->uuids[k][t->n[k]++] = uuid;
}

/* Re-reads the named entries of one kind, a page at a time. */
static int
fetch_kind(struct cw_store *st, enum cw_kind kind, const char **uuids,
    size_t n, struct cw_delta *d, size_t *skipped, char *err, size_t errlen)
{
	const char *argv[2 + CHANGES_PAGE];
	key_t_ key;
	redisReply *r;
	size_t i, j, page;

	key_name(st, kind_keys[kind], key);
	argv[0] = "HMGET";
	argv[1] = key;
	for (i = 0; i < n; i += page) {
		page = n - i < CHANGES_PAGE ? n - i : CHANGES_PAGE;
		for (j = 0; j < page; j++)
			argv[2 + j] = uuids[i + j];
		if ((r = command(st, (int)(2 + page), argv, NULL, err,
		    errlen)) == NULL)
			return -1;
		for (j = 0; r->type == REDIS_REPLY_ARRAY && j < page &&
		    j < r->elements; j++) {
			if (add_parsed(d, kind, uuids[i + j], r->element[j],
			    skipped, err, errlen) < 0) {
				freeReplyObject(r);
				return -1;
			}
		}
		freeReplyObject(r);
	}
	return 0;
}

static int
fetch_touched(struct cw_store *st, struct cw_strmap *touched,
    struct cw_delta *d, size_t *skipped, char *err, size_t errlen)
{
	struct touched_lists t;
	size_t k, i;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	for (k = 0; k <= CW_KIND_COUNT; k++)
		if ((t.uuids[k] = calloc(touched->count + 1,
		    sizeof(char *))) == NULL)
			goto out;
	cw_strmap_foreach(touched, sort_touched, &t);
	for (k = 0; k < CW_KIND_COUNT; k++)
		if (fetch_kind(st, (enum cw_kind)k, t.uuids[k], t.n[k], d,
		    skipped, err, errlen) < 0)
			goto out;
	for (i = 0; i < t.n[CW_KIND_COUNT]; i++)
		if (cw_delta_add(d, t.uuids[CW_KIND_COUNT][i], NULL) < 0)
			goto out;
	rc = 0;
out:
	for (k = 0; k <= CW_KIND_COUNT; k++)
		free(t.uuids[k]);
	return rc;
}

struct cw_delta *
cw_store_delta_since(struct cw_store *st, long long from, bool *gap,
    size_t *skipped, char *err, size_t errlen)
{
	struct cw_strmap touched;
	struct cw_delta *d = NULL;
	long long gen, upto;
	int rc;

	*gap = false;
	*skipped = 0;
	cw_strmap_init(&touched);
	if (cw_store_generation(st, &gen, err, errlen) < 0)
		goto fail;
	if ((rc = read_log(st, from, &touched, &upto, err, errlen)) < 0)
		goto fail;
	if (rc == 1 || upto < gen) {
		*gap = true;
		goto fail;
	}
	if ((d = cw_delta_new(upto)) == NULL)
		goto fail;
	if (fetch_touched(st, &touched, d, skipped, err, errlen) < 0 ||
	    load_small(st, d, skipped, err, errlen) < 0)
		goto fail;
	cw_strmap_clear(&touched, NULL);
	return d;
fail:
	cw_strmap_clear(&touched, NULL);
	cw_delta_free(d);
	return NULL;
}

/* How often (in entries) a long parse asks whether the daemon stops. */
#define PARSE_STOP_EVERY 4096

/* A caller's "are we stopping?" question, asked from both parse threads. */
struct stop_check {
	bool (*stopping)(void *);
	void *arg;
};

/* Parsing values [from, to) of a hash reply, possibly on another thread. */
struct parse_job {
	enum cw_kind kind;
	const redisReply *r;
	size_t from, to;
	int64_t now;
	struct cw_db_entry **out;       /* one slot per value; NULL: unusable */
	size_t bad;
	char why[256];
	const struct stop_check *stop;
	bool stopped;                   /* gave up: out[from..to) partly set */
};

static void *
parse_range(void *arg)
{
	struct parse_job *j = arg;
	char why[256];
	size_t i;

	for (i = j->from; i < j->to; i++) {
		const redisReply *v = j->r->element[2 * i + 1];

		if ((i - j->from) % PARSE_STOP_EVERY == PARSE_STOP_EVERY - 1 &&
		    j->stop->stopping != NULL &&
		    j->stop->stopping(j->stop->arg)) {
			j->stopped = true;
			break;
		}

		j->out[i] = v->type == REDIS_REPLY_STRING ?
		    cw_db_entry_parse(j->kind, v->str, v->len, j->now, why,
		    sizeof(why)) : NULL;
		if (j->out[i] == NULL && j->bad++ == 0)
			snprintf(j->why, sizeof(j->why), "%s", why);
	}
	return NULL;
}

/*
 * Adds every value of a hash reply (uuid, json, ...) to db.  A restart
 * parses the whole directory (100,000 staff: most of the time to resume),
 * so the parsing is split over two threads; inserting stays on this one.
 * -1 when out of memory; 1 when stop said to give up (db partly filled).
 */
static int
load_hash(struct cw_db *db, enum cw_kind kind, const redisReply *r,
    const struct stop_check *stop, size_t *skipped, char *err,
    size_t errlen)
{
	size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements / 2 : 0, i;
	struct parse_job jobs[2];
	pthread_t helper;
	bool threaded;

	memset(jobs, 0, sizeof(jobs));
	if ((jobs[0].out = calloc(n + 1, sizeof(*jobs[0].out))) == NULL)
		return -1;
	for (i = 0; i < 2; i++) {
		jobs[i] = (struct parse_job){ kind, r, i * (n / 2),
		    i ? n : n / 2, (int64_t)time(NULL), jobs[0].out, 0, "",
		    stop, false };
	}
	threaded = n >= 1000 &&
	    pthread_create(&helper, NULL, parse_range, &jobs[1]) == 0;
	parse_range(&jobs[0]);
	if (threaded)
		pthread_join(helper, NULL);
	else if (!jobs[0].stopped)
		parse_range(&jobs[1]);
	if (jobs[0].stopped || jobs[1].stopped) {
		for (i = 0; i < n; i++)
			cw_db_entry_free(jobs[0].out[i]);
		free(jobs[0].out);
		snprintf(err, errlen, "stopping");
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (jobs[0].out[i] != NULL && cw_db_put(db, jobs[0].out[i]) == 0)
			continue;
		if (jobs[0].out[i] != NULL && (*skipped)++ == 0)
			snprintf(err, errlen, "%s: out of memory",
			    kind_keys[kind]);
	}
	for (i = 0; i < 2; i++)
		if (jobs[i].bad > 0 && (*skipped += jobs[i].bad) == jobs[i].bad)
			snprintf(err, errlen, "%s: %s", kind_keys[kind],
			    jobs[i].why);
	free(jobs[0].out);
	return 0;
}

enum { L_GEN, L_STAFF, L_HOSTCLASS, L_ROLE, L_REVOKED, L_ELEVATIONS, L_N };

struct cw_delta *
cw_store_load_all(struct cw_store *st, bool (*stopping)(void *),
    void *stopping_arg, size_t *skipped, char *err, size_t errlen)
{
	const struct stop_check stop = { stopping, stopping_arg };
	static const char *const suffix[L_N] = {
		"gen", "staff", "hostclass", "role", "revoked", "elevations"
	};
	static const char *const verb[L_N] = {
		"GET", "HGETALL", "HGETALL", "HGETALL", "SMEMBERS", "HGETALL"
	};
	key_t_ keys[L_N];
	const char *argv[L_N + 2][2];
	const char *const *argvs[L_N + 2];
	int argcs[L_N + 2];
	redisReply *replies[L_N + 2], *x;
	struct cw_delta *d = NULL;
	size_t i;
	int rc;

	*skipped = 0;
	memset(replies, 0, sizeof(replies));
	argv[0][0] = "MULTI";
	argv[L_N + 1][0] = "EXEC";
	argcs[0] = argcs[L_N + 1] = 1;
	for (i = 0; i < L_N; i++) {
		key_name(st, suffix[i], keys[i]);
		argv[i + 1][0] = verb[i];
		argv[i + 1][1] = keys[i];
		argcs[i + 1] = 2;
	}
	for (i = 0; i < L_N + 2; i++)
		argvs[i] = argv[i];
	if (cw_redis_pipeline(st->redis, err, errlen, L_N + 2, argcs, argvs,
	    NULL, replies) < 0)
		return NULL;
	x = replies[L_N + 1];
	if (x->type != REDIS_REPLY_ARRAY || x->elements != L_N) {
		snprintf(err, errlen, "redis: load transaction failed");
		goto out;
	}
	for (i = 0; i < L_N; i++) {
		if (x->element[i]->type == REDIS_REPLY_ERROR) {
			snprintf(err, errlen, "redis: %s: %.200s", keys[i],
			    x->element[i]->str);
			goto out;
		}
	}
	d = cw_delta_new(x->element[L_GEN]->type == REDIS_REPLY_STRING ?
	    strtoll(x->element[L_GEN]->str, NULL, 10) : 0);
	if (d == NULL || (d->replace = cw_db_new()) == NULL)
		goto oom;
	err[0] = '\0';
	if ((rc = load_hash(d->replace, CW_KIND_STAFF, x->element[L_STAFF],
	    &stop, skipped, err, errlen)) != 0 ||
	    (rc = load_hash(d->replace, CW_KIND_HOST_CLASS,
	    x->element[L_HOSTCLASS], &stop, skipped, err, errlen)) != 0 ||
	    (rc = load_hash(d->replace, CW_KIND_ROLE, x->element[L_ROLE],
	    &stop, skipped, err, errlen)) != 0 ||
	    (rc = load_revoked(d, x->element[L_REVOKED])) < 0 ||
	    (rc = load_elevations(d, x->element[L_ELEVATIONS], skipped, err,
	    errlen)) < 0) {
		if (rc < 0)
			goto oom;
		cw_delta_free(d);       /* stopping: err says so */
		d = NULL;
	}
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	cw_delta_free(d);
	d = NULL;
out:
	for (i = 0; i < L_N + 2; i++)
		freeReplyObject(replies[i]);
	return d;
}

int
cw_store_set_state(struct cw_store *st, const char *const *fields,
    size_t nfields, char *err, size_t errlen)
{
	key_t_ key;
	const char *argv[2 + 16];
	redisReply *r;
	size_t i;

	if (nfields > 16 || nfields % 2 != 0) {
		snprintf(err, errlen, "bad state fields");
		return -1;
	}
	key_name(st, "ldap:state", key);
	argv[0] = "HSET";
	argv[1] = key;
	for (i = 0; i < nfields; i++)
		argv[2 + i] = fields[i];
	if ((r = command(st, (int)(2 + nfields), argv, NULL, err, errlen)) ==
	    NULL)
		return -1;
	freeReplyObject(r);
	return 0;
}

int
cw_store_record_leaver(struct cw_store *st, const char *uid, const char *dn,
    const char *reason, int64_t at, char *err, size_t errlen)
{
	key_t_ key;
	const char *argv[] = { "HSETNX", key, uid, NULL };
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
	argv[3] = json;
	key_name(st, "leavers", key);
	if ((r = command(st, 4, argv, NULL, err, errlen)) != NULL) {
		rc = r->type == REDIS_REPLY_INTEGER && r->integer == 1 ? 1 : 0;
		freeReplyObject(r);
	}
	free(json);
	return rc;
}

int
cw_store_wait_change(struct cw_store *st, long long after, int block_ms,
    char *err, size_t errlen)
{
	key_t_ key;
	char id[40], block[24];
	const char *argv[] = { "XREAD", "COUNT", "1", "BLOCK", block,
	    "STREAMS", key, id };
	redisReply *r;
	int rc;

	key_name(st, "changes", key);
	snprintf(id, sizeof(id), "%lld-1", after);
	snprintf(block, sizeof(block), "%d", block_ms);
	if ((r = command(st, 8, argv, NULL, err, errlen)) == NULL)
		return -1;
	rc = r->type == REDIS_REPLY_ARRAY && r->elements > 0;
	freeReplyObject(r);
	return rc;
}

/*
 * KEYS: epoch gen rev:open.  ARGV: a fresh epoch.
 * Returns {epoch, created, gen, open}.
 */
static const char identity_script[] =
    "local e, made = redis.call('GET', KEYS[1]), 0\n"
    "if not e then\n"
    "  redis.call('SET', KEYS[1], ARGV[1])\n"
    "  e, made = ARGV[1], 1\n"
    "end\n"
    "return {e, made, redis.call('GET', KEYS[2]) or '0',\n"
    "  redis.call('ZCARD', KEYS[3])}\n";

int
cw_store_identity(struct cw_store *st, char epoch[CW_EPOCH_LEN + 1],
    bool *created, long long *gen, long long *open, char *err,
    size_t errlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[CW_EPOCH_LEN / 2];
	char fresh[CW_EPOCH_LEN + 1];
	key_t_ ek, gk, ok;
	const char *argv[] = { "EVAL", identity_script, "3", ek, gk, ok,
	    fresh };
	redisReply *r;
	size_t i;
	int rc = -1;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		snprintf(err, errlen, "getrandom failed");
		return -1;
	}
	for (i = 0; i < sizeof(rnd); i++) {
		fresh[2 * i] = hex[rnd[i] >> 4];
		fresh[2 * i + 1] = hex[rnd[i] & 15];
	}
	fresh[CW_EPOCH_LEN] = '\0';
	key_name(st, "epoch", ek);
	key_name(st, "gen", gk);
	key_name(st, "rev:open", ok);
	if ((r = command(st, 7, argv, NULL, err, errlen)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 4 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[0]->len == 0 || r->element[0]->len > CW_EPOCH_LEN ||
	    r->element[1]->type != REDIS_REPLY_INTEGER ||
	    r->element[2]->type != REDIS_REPLY_STRING ||
	    r->element[3]->type != REDIS_REPLY_INTEGER) {
		snprintf(err, errlen, "redis: unexpected reply to the identity "
		    "script");
		goto out;
	}
	memcpy(epoch, r->element[0]->str, r->element[0]->len);
	epoch[r->element[0]->len] = '\0';
	*created = r->element[1]->integer == 1;
	*gen = strtoll(r->element[2]->str, NULL, 10);
	*open = r->element[3]->integer;
	rc = 0;
out:
	freeReplyObject(r);
	return rc;
}

int
cw_store_reinstated(struct cw_store *st, const char *const *uids, size_t n,
    struct cw_reinstate_mark *out, char *err, size_t errlen)
{
	const char *argv[2 + CHANGES_PAGE];
	key_t_ key;
	redisReply *r;
	size_t i, j, page;

	key_name(st, "reinstated", key);
	argv[0] = "HMGET";
	argv[1] = key;
	memset(out, 0, n * sizeof(*out));
	for (i = 0; i < n; i += page) {
		page = n - i < CHANGES_PAGE ? n - i : CHANGES_PAGE;
		for (j = 0; j < page; j++)
			argv[2 + j] = uids[i + j];
		if ((r = command(st, (int)(2 + page), argv, NULL, err,
		    errlen)) == NULL)
			return -1;
		for (j = 0; r->type == REDIS_REPLY_ARRAY && j < page &&
		    j < r->elements; j++) {
			const redisReply *v = r->element[j];
			struct cw_reinstate_mark *m = &out[i + j];
			char ep[CW_EPOCH_LEN + 1];
			long long g;

			/* "<epoch> <gen> <at>"; anything else counts as none */
			if (v->type == REDIS_REPLY_STRING && v->len < 128 &&
			    sscanf(v->str, "%32[0-9a-f] %lld", ep, &g) == 2) {
				memcpy(m->epoch, ep, sizeof(ep));
				m->gen = g;
			}
		}
		freeReplyObject(r);
	}
	return 0;
}

/* KEYS: revoked reinstated gen changes.  ARGV: uids. */
static const char reassert_script[] =
    "local items = {}\n"
    "for i = 1, #ARGV do\n"
    "  redis.call('SADD', KEYS[1], ARGV[i])\n"
    "  redis.call('HDEL', KEYS[2], ARGV[i])\n"
    "  items[#items + 1] = 'r:' .. ARGV[i]\n"
    "end\n"
    "local gen = redis.call('INCR', KEYS[3])\n"
    "redis.call('XADD', KEYS[4], 'MAXLEN', '~', " CHANGES_KEPT ",\n"
    "  gen .. '-1', 'c', table.concat(items, ','))\n"
    "return gen\n";

long long
cw_store_reassert(struct cw_store *st, const char *const *uids, size_t n,
    char *err, size_t errlen)
{
	key_t_ keys[4];
	const char **argv = calloc(n + 7, sizeof(*argv));
	redisReply *r = NULL;
	long long gen = -1;
	size_t i;

	if (argv == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	key_name(st, "revoked", keys[0]);
	key_name(st, "reinstated", keys[1]);
	key_name(st, "gen", keys[2]);
	key_name(st, "changes", keys[3]);
	argv[0] = "EVAL";
	argv[1] = reassert_script;
	argv[2] = "4";
	for (i = 0; i < 4; i++)
		argv[3 + i] = keys[i];
	for (i = 0; i < n; i++)
		argv[7 + i] = uids[i];
	if ((r = command(st, (int)(n + 7), argv, NULL, err, errlen)) == NULL)
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
