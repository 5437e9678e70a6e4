/* SPDX-License-Identifier: MIT */
/*
 * store_load.c - the policy data as a delta for model/: everything in one
 * MULTI/EXEC (a cold start, or a change log that cannot explain the gap),
 * or what the change log names since a generation, re-read and parsed.
 * The revoked set travels in full with a full load or check, otherwise as
 * the membership of the users the log names; elevations and suspensions
 * in full whenever the log names them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "elevation.h"
#include "store/store.h"
#include "store/store_parse.h"

/* Log entries read per round trip. */
#define CHANGES_PAGE 512
#define CHANGES_PAGE_STR "512"

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
			snprintf(err, errlen, "%s %s: %s",
			    cw_store_kind_key(kind), uuid, why);
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

/*
 * The suspensions, uid -> struct cw_suspension.  A value that does not
 * parse is skipped and counted, like an elevation that does not: the
 * writer is ours, so it is damage, and a missing suspension only allows
 * what the rest of the policy allows.
 */
static int
load_suspended(struct cw_delta *d, const redisReply *r, size_t *skipped,
    char *err, size_t errlen)
{
	struct cw_suspension *s;
	void *old;
	size_t i;

	d->has_suspended = true;
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements;
	    i += 2) {
		const redisReply *k = r->element[i], *v = r->element[i + 1];

		if (k->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING ||
		    !cw_user_name_valid(k->str, k->len))
			continue;
		if ((s = malloc(sizeof(*s))) == NULL)
			return -1;
		if (cw_suspension_parse(v->str, v->len, s) < 0) {
			free(s);
			if ((*skipped)++ == 0)
				snprintf(err, errlen, "suspension of %s: not "
				    "a suspension", k->str);
			continue;
		}
		if (cw_strmap_put(&d->suspended, k->str, s, &old) < 0) {
			free(s);
			return -1;
		}
		free(old);
	}
	return 0;
}

/*
 * The small sets, each in full: elevations and suspensions, and the
 * revoked set when with_revoked (at 100,000 staff thousands of users:
 * only for a full load or check, see catch_up).
 */
static int
load_small(struct cw_store *st, struct cw_delta *d, bool with_revoked,
    size_t *skipped, char *err, size_t errlen)
{
	char rkey[CW_KEY_MAX], ekey[CW_KEY_MAX], skey[CW_KEY_MAX];
	const char *sm[] = { "SMEMBERS", rkey }, *hg[] = { "HGETALL", ekey };
	const char *hs[] = { "HGETALL", skey };
	redisReply *r;
	int rc = 0;

	cw_key(rkey, sizeof(rkey), st->prefix, CW_KEY_REVOKED);
	cw_key(ekey, sizeof(ekey), st->prefix, CW_KEY_ELEVATIONS);
	cw_key(skey, sizeof(skey), st->prefix, CW_KEY_SUSPENDED);
	if (with_revoked) {
		if ((r = cw_redis_call(st->redis, err, errlen, 2, sm,
		    NULL)) == NULL)
			return -1;
		rc = load_revoked(d, r);
		freeReplyObject(r);
	}
	if (rc < 0 || (r = cw_redis_call(st->redis, err, errlen, 2, hg,
	    NULL)) == NULL)
		return -1;
	rc = load_elevations(d, r, skipped, err, errlen);
	freeReplyObject(r);
	if (rc < 0 || (r = cw_redis_call(st->redis, err, errlen, 2, hs,
	    NULL)) == NULL)
		return -1;
	rc = load_suspended(d, r, skipped, err, errlen);
	freeReplyObject(r);
	return rc;
}

struct members {
	const char **uids;
	size_t n;
};

static void
list_uid(const char *uid, void *value, void *arg)
{
	struct members *m = arg;

	(void)value;
	m->uids[m->n++] = uid;
}

/*
 * What the log's "r:" items changed: each named user's membership of the
 * revoked set now (SMISMEMBER), into d->revoked_add (in it) and
 * d->revoked_del (not in it), instead of the whole set.  0 or -1.
 */
static int
load_revoked_changes(struct cw_store *st, struct cw_delta *d,
    const struct cw_strmap *revs, char *err, size_t errlen)
{
	const char *argv[2 + CHANGES_PAGE];
	struct members m = { NULL, 0 };
	char key[CW_KEY_MAX];
	redisReply *r;
	size_t i, j, page;
	void *old;
	int rc = -1;

	if ((m.uids = calloc(revs->count + 1, sizeof(*m.uids))) == NULL)
		goto oom;
	cw_strmap_foreach(revs, list_uid, &m);
	cw_key(key, sizeof(key), st->prefix, CW_KEY_REVOKED);
	argv[0] = "SMISMEMBER";
	argv[1] = key;
	for (i = 0; i < m.n; i += page) {
		page = m.n - i < CHANGES_PAGE ? m.n - i : CHANGES_PAGE;
		for (j = 0; j < page; j++)
			argv[2 + j] = m.uids[i + j];
		if ((r = cw_redis_call(st->redis, err, errlen, (int)(2 + page),
		    argv, NULL)) == NULL)
			goto out;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != page) {
			snprintf(err, errlen, "redis: %s: not an SMISMEMBER "
			    "reply", key);
			freeReplyObject(r);
			goto out;
		}
		for (j = 0; j < page; j++) {
			bool in = r->element[j]->type == REDIS_REPLY_INTEGER &&
			    r->element[j]->integer == 1;

			if (cw_strmap_put(in ? &d->revoked_add :
			    &d->revoked_del, m.uids[i + j], (void *)1,
			    &old) < 0) {
				freeReplyObject(r);
				goto oom;
			}
		}
		freeReplyObject(r);
	}
	d->revoked_changes = true;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	free(m.uids);
	return rc;
}

/*
 * Parses one log entry "k:uuid,k:uuid,..." into the map uuid -> kind+1;
 * a revocation or reinstate item ("r:uid") goes into revs (uid -> 1), a
 * suspension's ("s:uid") and an elevation's ("e:uid") into d's named
 * maps (policy_db.h, keep_unlogged); an elevation or suspension item
 * sets *sets.
 */
static int
parse_log(const char *s, struct cw_strmap *touched, struct cw_strmap *revs,
    struct cw_delta *d, bool *sets)
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
		if (item[0] == 'r' && cw_user_name_valid(item + 2,
		    strlen(item + 2))) {
			rc = cw_strmap_put(revs, item + 2, (void *)1, &old);
			continue;
		}
		if ((item[0] == 's' || item[0] == 'e') &&
		    cw_user_name_valid(item + 2, strlen(item + 2)) &&
		    cw_strmap_put(item[0] == 's' ? &d->suspended_named :
		    &d->elevations_named, item + 2, (void *)1, &old) < 0)
			rc = -1;
		if (strchr("res", item[0]) != NULL) {
			*sets = true;   /* also "r:" of no valid name: in full */
			continue;
		}
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
    struct cw_strmap *revs, struct cw_delta *d, bool *sets,
    long long *upto, char *err, size_t errlen)
{
	char key[CW_KEY_MAX], start[40];
	const char *argv[] = { "XRANGE", key, start, "+", "COUNT",
	    CHANGES_PAGE_STR };
	redisReply *r;
	size_t i;

	cw_key(key, sizeof(key), st->prefix, CW_KEY_CHANGES);
	*upto = from;
	for (;;) {
		snprintf(start, sizeof(start), "(%lld-1", *upto);
		if ((r = cw_redis_call(st->redis, err, errlen, 6, argv,
		    NULL)) == NULL)
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
			    touched, revs, d, sets) < 0) {
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
	char key[CW_KEY_MAX];
	redisReply *r;
	size_t i, j, page;

	cw_key(key, sizeof(key), st->prefix, cw_store_kind_key(kind));
	argv[0] = "HMGET";
	argv[1] = key;
	for (i = 0; i < n; i += page) {
		page = n - i < CHANGES_PAGE ? n - i : CHANGES_PAGE;
		for (j = 0; j < page; j++)
			argv[2 + j] = uuids[i + j];
		if ((r = cw_redis_call(st->redis, err, errlen, (int)(2 + page),
		    argv, NULL)) == NULL)
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

/* Whether a staff entry of d is locked in the directory. */
static bool
touches_locked(const struct cw_delta *d)
{
	size_t i;

	for (i = 0; i < d->nchanges; i++)
		if (d->changes[i].entry != NULL && d->changes[i].entry->locked)
			return true;
	return false;
}

/*
 * Brings d up to the store's generation from `from`: re-reads what the
 * change log names since then, and the small sets.  0; 1 on a gap (the
 * log cannot explain it); -1 with err.
 */
static int
catch_up(struct cw_store *st, struct cw_delta *d, long long from,
    size_t *skipped, char *err, size_t errlen)
{
	struct cw_strmap touched, revs;
	long long gen, upto;
	bool sets = false, full;
	int rc;

	cw_strmap_init(&touched);
	cw_strmap_init(&revs);
	if (cw_store_generation(st, &gen, err, errlen) < 0 ||
	    (rc = read_log(st, from, &touched, &revs, d, &sets, &upto, err,
	    errlen)) < 0) {
		rc = -1;
		goto out;
	}
	if (rc == 1 || upto < gen) {
		rc = 1;
		goto out;
	}
	d->generation = upto;
	if (fetch_touched(st, &touched, d, skipped, err, errlen) < 0) {
		rc = -1;
		goto out;
	}
	/*
	 * The revoked set (at 100,000 staff thousands of users) travels
	 * whole only with a full load, a check the guard asks for
	 * (store.h, load_sets), nothing new, or a locked entry (the entry
	 * watch compares it); a revocation or reinstate travels as the
	 * membership of the users it names (revoked_add, revoked_del).
	 */
	full = st->load_sets || from == 0 || upto == from ||
	    touches_locked(d) || d->replace != NULL;
	if (full) {
		if ((rc = load_small(st, d, true, skipped, err, errlen)) == 0)
			st->load_sets = false;
		goto out;
	}
	if (sets && load_small(st, d, false, skipped, err, errlen) < 0)
		rc = -1;
	else if (revs.count > 0 && load_revoked_changes(st, d, &revs, err,
	    errlen) < 0)
		rc = -1;
out:
	cw_strmap_clear(&touched, NULL);
	cw_strmap_clear(&revs, NULL);
	return rc;
}

struct cw_delta *
cw_store_delta_since(struct cw_store *st, long long from, bool *gap,
    size_t *skipped, char *err, size_t errlen)
{
	struct cw_delta *d;
	int rc;

	*gap = false;
	*skipped = 0;
	if ((d = cw_delta_new(from)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((rc = catch_up(st, d, from, skipped, err, errlen)) != 0) {
		*gap = rc == 1;
		cw_delta_free(d);
		return NULL;
	}
	/* The log explains the whole range: a suspension it does not name
	 * was not lifted, a grant it does not name not made (policy_db.h,
	 * keep_unlogged). */
	d->keep_unlogged = true;
	return d;
}

enum { L_GEN, L_STAFF, L_HOSTCLASS, L_ROLE, L_REVOKED, L_ELEVATIONS,
    L_SUSPENDED, L_N };

/*
 * Reads every key a full load needs in one MULTI/EXEC, so that they are a
 * consistent snapshot.  replies[] gets every reply (the caller frees
 * them); returns EXEC's array, or NULL with err.
 */
static const redisReply *
load_transaction(struct cw_store *st, redisReply *replies[L_N + 2],
    char *err, size_t errlen)
{
	static const char *const names[L_N] = { CW_KEY_GEN, CW_KEY_STAFF,
	    CW_KEY_HOSTCLASS, CW_KEY_ROLE, CW_KEY_REVOKED, CW_KEY_ELEVATIONS,
	    CW_KEY_SUSPENDED };
	static const char *const verb[L_N] = {
		"GET", "HGETALL", "HGETALL", "HGETALL", "SMEMBERS", "HGETALL",
		"HGETALL"
	};
	char keys[L_N][CW_KEY_MAX];
	const char *argv[L_N + 2][2];
	const char *const *argvs[L_N + 2];
	int argcs[L_N + 2];
	const redisReply *x;
	size_t i;

	argv[0][0] = "MULTI";
	argv[L_N + 1][0] = "EXEC";
	argcs[0] = argcs[L_N + 1] = 1;
	for (i = 0; i < L_N; i++) {
		cw_key(keys[i], CW_KEY_MAX, st->prefix, names[i]);
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
		return NULL;
	}
	for (i = 0; i < L_N; i++) {
		if (x->element[i]->type == REDIS_REPLY_ERROR) {
			snprintf(err, errlen, "redis: %s: %.200s", keys[i],
			    x->element[i]->str);
			return NULL;
		}
	}
	return x;
}

/*
 * The parts of d from EXEC's replies x.  0; -1 when out of memory; 1 when
 * the stop check said to give up (err "stopping").
 */
static int
fill_delta(struct cw_store *st, struct cw_delta *d, const redisReply *x,
    const struct cw_stop_check *stop, size_t *skipped, char *err,
    size_t errlen)
{
	static const enum cw_kind kinds[3] = { CW_KIND_STAFF,
	    CW_KIND_HOST_CLASS, CW_KIND_ROLE };
	static const int slots[3] = { L_STAFF, L_HOSTCLASS, L_ROLE };
	size_t k;
	int rc;

	for (k = 0; k < 3; k++)
		if ((rc = cw_store_parse_hash(st->parser, d->replace, kinds[k],
		    x->element[slots[k]], stop, skipped, err, errlen)) != 0)
			return rc;
	if (load_revoked(d, x->element[L_REVOKED]) < 0 ||
	    load_elevations(d, x->element[L_ELEVATIONS], skipped, err,
	    errlen) < 0 ||
	    load_suspended(d, x->element[L_SUSPENDED], skipped, err,
	    errlen) < 0)
		return -1;
	return 0;
}

/* Entries per HSCAN page: a page parsed is a page freed. */
#define SCAN_PAGE_STR "2000"
/* Scans that a busy writer may spoil before the old way is used. */
#define SCAN_ATTEMPTS 3

/*
 * One hash a page at a time (HSCAN), each page parsed into db as it
 * comes and freed: the whole hash is never in memory as one reply, nor
 * all its parsed entries at once.  0; -1 out of memory; 1 stopping; -2
 * with err when Redis fails.
 */
static int
scan_kind(struct cw_store *st, struct cw_db *db, enum cw_kind kind,
    const struct cw_stop_check *stop, size_t *skipped, char *err,
    size_t errlen)
{
	char key[CW_KEY_MAX], cursor[32] = "0";
	const char *argv[] = { "HSCAN", key, cursor, "COUNT", SCAN_PAGE_STR };
	redisReply *r;
	int rc;

	cw_key(key, sizeof(key), st->prefix, cw_store_kind_key(kind));
	do {
		/* A page is shorter than the parse's own stop interval: ask
		 * here, so that a stop never waits for the whole scan. */
		if (stop->stopping != NULL && stop->stopping(stop->arg)) {
			snprintf(err, errlen, "stopping");
			return 1;
		}
		if ((r = cw_redis_call(st->redis, err, errlen, 5, argv,
		    NULL)) == NULL)
			return -2;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[0]->len >= sizeof(cursor) ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			snprintf(err, errlen, "redis: %s: not an HSCAN reply",
			    key);
			freeReplyObject(r);
			return -2;
		}
		memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);
		rc = cw_store_parse_hash(st->parser, db, kind, r->element[1],
		    stop, skipped, err, errlen);
		freeReplyObject(r);
		if (rc != 0)
			return rc;
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

/*
 * A scan of the three hashes from generation g0 on, then what the change
 * log names since g0 re-read (an entry changed during the scan may have
 * been seen before or after its change, or twice: the log's re-read
 * settles it), then the small sets.  The delta, or NULL: *again when the
 * log could not explain the gap (try again), else err.
 */
static struct cw_delta *
load_scan(struct cw_store *st, const struct cw_stop_check *stop,
    bool *again, size_t *skipped, char *err, size_t errlen)
{
	static const enum cw_kind kinds[3] = { CW_KIND_STAFF,
	    CW_KIND_HOST_CLASS, CW_KIND_ROLE };
	struct cw_delta *d = NULL;
	long long g0;
	size_t k;
	int rc = -2;

	*again = false;
	if (cw_store_generation(st, &g0, err, errlen) < 0)
		return NULL;
	if ((d = cw_delta_new(g0)) == NULL ||
	    (d->replace = cw_db_new()) == NULL)
		rc = -1;
	for (k = 0; d != NULL && d->replace != NULL && k < 3; k++)
		if ((rc = scan_kind(st, d->replace, kinds[k], stop, skipped,
		    err, errlen)) != 0)
			break;
	if (rc == 0 && (rc = catch_up(st, d, g0, skipped, err, errlen)) == 1)
		*again = true;
	if (rc == 0)
		return d;
	if (rc == -1 && (err[0] == '\0' || d == NULL || d->replace == NULL))
		snprintf(err, errlen, "out of memory");
	cw_delta_free(d);       /* stopping (1): err says so */
	return NULL;
}

/*
 * The old way, kept for a store whose change log cannot cover a scan:
 * everything in one MULTI/EXEC, a consistent snapshot, held whole in
 * memory while it is parsed (about 150 MB at 100,000 staff).
 */
static struct cw_delta *
load_multi(struct cw_store *st, const struct cw_stop_check *stopc,
    size_t *skipped, char *err, size_t errlen)
{
	const struct cw_stop_check stop = *stopc;
	redisReply *replies[L_N + 2];
	const redisReply *x;
	struct cw_delta *d = NULL;
	size_t i;
	int rc;

	memset(replies, 0, sizeof(replies));
	if ((x = load_transaction(st, replies, err, errlen)) == NULL)
		goto out;
	d = cw_delta_new(x->element[L_GEN]->type == REDIS_REPLY_STRING ?
	    strtoll(x->element[L_GEN]->str, NULL, 10) : 0);
	if (d == NULL || (d->replace = cw_db_new()) == NULL) {
		rc = -1;
	} else {
		err[0] = '\0';
		rc = fill_delta(st, d, x, &stop, skipped, err, errlen);
	}
	if (rc != 0) {
		if (rc < 0)
			snprintf(err, errlen, "out of memory");
		cw_delta_free(d);       /* stopping: err says so */
		d = NULL;
	}
out:
	for (i = 0; i < L_N + 2; i++)
		freeReplyObject(replies[i]);
	return d;
}

struct cw_delta *
cw_store_load_all(struct cw_store *st, bool (*stopping)(void *),
    void *stopping_arg, size_t *skipped, char *err, size_t errlen)
{
	const struct cw_stop_check stop = { stopping, stopping_arg };
	struct cw_delta *d;
	bool again = true;
	int i;

	for (i = 0; i < SCAN_ATTEMPTS && again; i++) {
		*skipped = 0;
		err[0] = '\0';
		if ((d = load_scan(st, &stop, &again, skipped, err,
		    errlen)) != NULL)
			return d;
	}
	if (!again)
		return NULL;
	*skipped = 0;
	return load_multi(st, &stop, skipped, err, errlen);
}
