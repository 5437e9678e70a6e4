/* SPDX-License-Identifier: MIT */
/*
 * store_request.c - access requests in Redis (see store_request.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/lua_scripts.h"
#include "store/store_request.h"

#define NREQ_KEYS 6

static const char *const req_key_names[NREQ_KEYS] = { CW_KEY_REQUESTS,
    CW_KEY_REQ_PENDING, CW_KEY_REQ_LOG, CW_KEY_REQ_SEQ,
    CW_KEY_REQ_PENDINGBY, CW_KEY_REQ_OPEN };
static const char *const elev_key_names[4] = { CW_KEY_ELEVATIONS,
    CW_KEY_ELEVATION_HISTORY, CW_KEY_GEN, CW_KEY_CHANGES };

/*
 * EVAL script with the request keys (after the elevation keys when
 * with_elev) and args[0..nargs).  The reply, or NULL with err.
 */
static redisReply *
run(struct cw_store *st, const char *script, bool with_elev,
    const char **args, int nargs, char *err, size_t errlen)
{
	char keys[4 + NREQ_KEYS][CW_KEY_MAX], nkeys[16];
	const char *argv[3 + 4 + NREQ_KEYS + 12];
	int i, k = 0, a = 0;

	if (nargs > 12) {
		snprintf(err, errlen, "too many script arguments");
		return NULL;
	}
	argv[a++] = "EVAL";
	argv[a++] = script;
	argv[a++] = nkeys;
	for (i = 0; with_elev && i < 4; i++) {
		cw_key(keys[k], CW_KEY_MAX, st->prefix, elev_key_names[i]);
		argv[a++] = keys[k++];
	}
	for (i = 0; i < NREQ_KEYS; i++) {
		cw_key(keys[k], CW_KEY_MAX, st->prefix, req_key_names[i]);
		argv[a++] = keys[k++];
	}
	snprintf(nkeys, sizeof(nkeys), "%d", k);
	for (i = 0; i < nargs; i++)
		argv[a++] = args[i];
	return cw_redis_call(st->redis, err, errlen, a, argv, NULL);
}

/* Copies a string member of at most dstsz - 1 bytes; false if not one. */
static bool
copy_member(json_t *o, const char *key, char *dst, size_t dstsz)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) >= dstsz)
		return false;
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return true;
}

static int64_t
int_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	/* cjson writes big integers as reals (1.7e9 has no fraction). */
	return json_is_integer(v) ? json_integer_value(v) :
	    json_is_real(v) ? (int64_t)json_real_value(v) : 0;
}

int
cw_access_request_parse(const char *json, size_t len,
    struct cw_access_request *out)
{
	json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o) ||
	    !copy_member(o, "id", out->id, sizeof(out->id)) ||
	    !copy_member(o, "user", out->user, sizeof(out->user)) ||
	    !copy_member(o, "role", out->role, sizeof(out->role)) ||
	    !copy_member(o, "reason", out->reason, sizeof(out->reason)) ||
	    !copy_member(o, "ticket", out->ticket, sizeof(out->ticket)) ||
	    !copy_member(o, "clearance", out->clearance,
	    sizeof(out->clearance)) ||
	    !copy_member(o, "state", out->state, sizeof(out->state)) ||
	    !copy_member(o, "by", out->by, sizeof(out->by)) ||
	    !copy_member(o, "note", out->note, sizeof(out->note)))
		goto out;
	out->duration = int_member(o, "duration");
	out->created = int_member(o, "created");
	out->expires = int_member(o, "expires");
	out->answered = int_member(o, "answered");
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* The outcome word at element 0 of a script's reply, as an enum. */
static int
outcome_of(const redisReply *r, char *err, size_t errlen)
{
	static const char *const words[] = { "ok", "user_full", "total_full",
	    "duplicate", "missing", "answered", "expired", "mismatch" };
	size_t i;

	if (r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_STRING)
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strcmp(r->element[0]->str, words[i]) == 0)
				return (int)i;
	snprintf(err, errlen, "redis: unexpected reply to a request script");
	return -1;
}

/* Element i as a string (an integer as its digits) into buf. */
static void
element_text(const redisReply *r, size_t i, char *buf, size_t len)
{
	buf[0] = '\0';
	if (i >= r->elements)
		return;
	if (r->element[i]->type == REDIS_REPLY_STRING)
		snprintf(buf, len, "%s", r->element[i]->str);
	else if (r->element[i]->type == REDIS_REPLY_INTEGER)
		snprintf(buf, len, "%lld", r->element[i]->integer);
}

/* The record at element 1 of an "ok" reply into out. */
static int
record_of(const redisReply *r, struct cw_access_request *out, char *err,
    size_t errlen)
{
	if (r->elements < 2 || r->element[1]->type != REDIS_REPLY_STRING ||
	    cw_access_request_parse(r->element[1]->str, r->element[1]->len,
	    out) < 0) {
		snprintf(err, errlen, "redis: a request record is malformed");
		return -1;
	}
	return 0;
}

int
cw_store_request_submit(struct cw_store *st,
    const struct cw_access_request *q, struct cw_access_request *out,
    char *err, size_t errlen)
{
	char dur[24], now[24], exp[24], per[16], tot[16], max[16];
	const char *args[11] = { q->user, q->role, dur, q->reason, q->ticket,
	    now, exp, q->clearance, per, tot, max };
	redisReply *r;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(dur, sizeof(dur), "%lld", (long long)q->duration);
	snprintf(now, sizeof(now), "%lld", (long long)q->created);
	snprintf(exp, sizeof(exp), "%lld", (long long)q->expires);
	snprintf(per, sizeof(per), "%d", CW_REQUESTS_PER_USER);
	snprintf(tot, sizeof(tot), "%d", CW_REQUESTS_PENDING_MAX);
	snprintf(max, sizeof(max), "%d", CW_REQUESTS_LOG_MAX);
	if ((r = run(st, cw_lua_request_submit, false, args, 11, err,
	    errlen)) == NULL)
		return -1;
	rc = outcome_of(r, err, errlen);
	if (rc == CW_REQ_OK && record_of(r, out, err, errlen) < 0)
		rc = -1;
	else if (rc > 0)
		element_text(r, 1, out->id, sizeof(out->id));
	freeReplyObject(r);
	return rc;
}

int
cw_store_request_answer(struct cw_store *st, const char *id,
    const char *user, const struct cw_elevation *grant, int64_t duration,
    const char *by, const char *note, int64_t now,
    struct cw_access_request *out, long long *gen, char *err,
    size_t errlen)
{
	char snow[24], dur[24], start[24], end[24];
	const char *args[10] = { id, grant != NULL ? "approved" : "rejected",
	    by, note, snow, user, grant != NULL ? grant->role : "", dur,
	    start, end };
	redisReply *r;
	int rc;

	memset(out, 0, sizeof(*out));
	*gen = 0;
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	snprintf(dur, sizeof(dur), "%lld", (long long)duration);
	snprintf(start, sizeof(start), "%lld",
	    grant != NULL ? (long long)grant->start : 0LL);
	snprintf(end, sizeof(end), "%lld",
	    grant != NULL ? (long long)grant->end : 0LL);
	if ((r = run(st, cw_lua_request_answer, true, args, 10, err,
	    errlen)) == NULL)
		return -1;
	rc = outcome_of(r, err, errlen);
	if (rc == CW_REQ_OK && record_of(r, out, err, errlen) < 0)
		rc = -1;
	else if (rc == CW_REQ_OK && r->elements > 2 &&
	    r->element[2]->type == REDIS_REPLY_INTEGER)
		*gen = r->element[2]->integer;
	else if (rc == CW_REQ_ANSWERED)
		element_text(r, 1, out->state, sizeof(out->state));
	freeReplyObject(r);
	return rc;
}

int
cw_store_request_expire(struct cw_store *st, int64_t now, int limit,
    void (*expired)(const struct cw_access_request *r, void *arg),
    void *arg, char *err, size_t errlen)
{
	char snow[24], slimit[16];
	const char *args[2] = { snow, slimit };
	struct cw_access_request q;
	redisReply *r;
	size_t i;
	int n = 0;

	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	snprintf(slimit, sizeof(slimit), "%d", limit);
	if ((r = run(st, cw_lua_request_expire, false, args, 2, err,
	    errlen)) == NULL)
		return -1;
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    cw_access_request_parse(r->element[i]->str,
		    r->element[i]->len, &q) < 0)
			continue;
		expired(&q, arg);
		n++;
	}
	freeReplyObject(r);
	return n;
}

int
cw_store_request_page(struct cw_store *st, long long after, int count,
    void (*row)(const struct cw_access_request *r, void *arg), void *arg,
    long long *last, char *err, size_t errlen)
{
	char keys[2][CW_KEY_MAX], safter[24], scount[16];
	const char *argv[7];
	struct cw_access_request q;
	redisReply *r;
	size_t i;

	*last = 0;
	cw_key(keys[0], CW_KEY_MAX, st->prefix, CW_KEY_REQUESTS);
	cw_key(keys[1], CW_KEY_MAX, st->prefix, CW_KEY_REQ_LOG);
	snprintf(safter, sizeof(safter), "%lld", after);
	snprintf(scount, sizeof(scount), "%d", count);
	/* Read-only: EVAL_RO, which a host's read-only Redis user may run
	 * (docs/security.md). */
	argv[0] = "EVAL_RO";
	argv[1] = cw_lua_request_page;
	argv[2] = "2";
	argv[3] = keys[0];
	argv[4] = keys[1];
	argv[5] = safter;
	argv[6] = scount;
	if ((r = cw_redis_call(st->redis, err, errlen, 7, argv, NULL)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING) {
		snprintf(err, errlen, "redis: unexpected reply to a page");
		freeReplyObject(r);
		return -1;
	}
	*last = strtoll(r->element[0]->str, NULL, 10);
	for (i = 1; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    cw_access_request_parse(r->element[i]->str,
		    r->element[i]->len, &q) == 0)
			row(&q, arg);
	freeReplyObject(r);
	return 0;
}

int
cw_store_request_get(struct cw_store *st, const char *id,
    struct cw_access_request *out, char *err, size_t errlen)
{
	char key[CW_KEY_MAX];
	const char *argv[3] = { "HGET", key, id };
	redisReply *r;
	int rc = 0;

	cw_key(key, CW_KEY_MAX, st->prefix, CW_KEY_REQUESTS);
	if ((r = cw_redis_call(st->redis, err, errlen, 3, argv, NULL)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_STRING)
		rc = cw_access_request_parse(r->str, r->len, out) == 0 ? 1 : -1;
	if (rc < 0)
		snprintf(err, errlen, "redis: request %s is malformed", id);
	freeReplyObject(r);
	return rc;
}
