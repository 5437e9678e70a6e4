/* SPDX-License-Identifier: MIT */
/*
 * revq_report.c - reading the queue: one record, the open revocations for
 * the deadline watch, a month for the report, page by page for
 * clearwayctl queue and report, and where a revocation stands against its
 * deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revoke/revq_internal.h"
#include "store/lua_scripts.h"

/* Ids fetched per pipelined round trip when reading many records. */
#define FETCH_PAGE 256

/* A rev:<id> key. */
typedef char idkey_t[CW_KEY_MAX + CW_REVQ_ID_MAX];

static bool
month_valid(const char *m)
{
	return strlen(m) == 7 && strspn(m, "0123456789") == 4 && m[4] == '-' &&
	    strspn(m + 5, "0123456789") == 2 &&
	    ((m[5] == '0' && m[6] >= '1') || (m[5] == '1' && m[6] <= '2'));
}

int
cw_revq_get(struct cw_store *st, const char *id, struct cw_revocation *r,
    char *err, size_t errlen)
{
	idkey_t key;
	const char *argv[2] = { "HGETALL", key };
	redisReply *x;
	int rc;

	if (!cw_revq_id_valid(id)) {
		snprintf(err, errlen, "revq: invalid id");
		return -1;
	}
	cw_key_id(key, sizeof(key), st->prefix, CW_KEY_REV, id,
	    CW_REVQ_ID_MAX);
	if ((x = cw_redis_commandv(st->redis, err, errlen, 2, argv)) == NULL)
		return -1;
	if (x->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "redis: %.200s", x->str);
		freeReplyObject(x);
		return -1;
	}
	rc = revq_decode_hash(x, r) == 0 ? 1 : 0;
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
		cw_key_id(keys[j], sizeof(keys[j]), st->prefix, CW_KEY_REV,
		    ids[j]->type == REDIS_REPLY_STRING ? ids[j]->str : "",
		    CW_REVQ_ID_MAX);
		args[j][0] = "HGETALL";
		args[j][1] = keys[j];
		argv[j] = args[j];
		argc[j] = 2;
	}
	if (cw_redis_pipeline(st->redis, err, errlen, n, argc, argv, NULL,
	    rep) < 0)
		return -1;
	for (j = 0; j < n; j++) {
		if (revq_decode_hash(rep[j], &l->items[l->count]) == 0)
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
	char key[CW_KEY_MAX];
	const char *argv[4] = { "ZRANGE", key, "0", "-1" };

	cw_key(key, sizeof(key), st->prefix, CW_KEY_REV_OPEN);
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
	char key[CW_KEY_MAX];
	const char *argv[2] = { "SMEMBERS", key };
	struct cw_revq_list l;
	size_t i;

	if (!month_valid(month)) {
		snprintf(err, errlen, "revq: month must be YYYY-MM");
		return -1;
	}
	cw_key_id(key, sizeof(key), st->prefix, CW_KEY_REV_MONTH, month, 7);
	if (read_list(st, 2, argv, &l, err, errlen) < 0)
		return -1;
	qsort(l.items, l.count, sizeof(*l.items), by_request);
	for (i = 0; i < l.count; i++)
		fn(&l.items[i], arg);
	cw_revq_list_free(&l);
	return 0;
}

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
	revq_copy(id, CW_REVQ_ID_MAX + 1, colon + 1);
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
	if ((x = revq_run_script(st, cw_lua_revq_page, args, 4, err,
	    errlen)) == NULL)
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
		revq_copy(p->items[i].id, sizeof(p->items[i].id), m->str);
		p->items[i].score = (int64_t)strtod(sc->str, NULL);
		cw_key_id(keys[i], sizeof(keys[i]), st->prefix, CW_KEY_REV,
		    m->str, CW_REVQ_ID_MAX);
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
		    revq_decode_hash(rep[i], &p->items[i].r) == 0;
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
	char id[CW_REVQ_ID_MAX + 1], key[CW_KEY_MAX + 16];
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
		cw_key(key, sizeof(key), st->prefix, suffix);
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
	return page_index(st, CW_KEY_REV_OPEN, after, max, p, err, errlen);
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
	if (after[0] == '\0' && revq_run_int(st, cw_lua_revq_month_index,
	    args, 1, &added, err, errlen) < 0)
		return -1;
	snprintf(suffix, sizeof(suffix), "%s%s", CW_KEY_REV_MONTHZ, month);
	return page_index(st, suffix, after, max, p, err, errlen);
}
