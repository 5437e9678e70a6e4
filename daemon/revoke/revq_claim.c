/* SPDX-License-Identifier: MIT */
/*
 * revq_claim.c - the workers' side of the queue: the consumer group,
 * claiming revocations (own pending, idle, new), recording step outcomes,
 * completing, dead-lettering, and an operator's retry of a dead one.
 */
#include <stdio.h>
#include <string.h>

#include "revoke/revq_internal.h"
#include "store/lua_scripts.h"

/*
 * A diagnostic (from libldap, a command's stderr) as stored text: cut to
 * fit, control characters replaced, so that a failure is always kept.
 */
static void
copy_text(char *dst, size_t size, const char *prefix, const char *src)
{
	size_t n = strlen(prefix), i;

	snprintf(dst, size, "%s", prefix);
	for (i = 0; src[i] != '\0' && n + 1 < size; i++, n++)
		dst[n] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ?
		    ' ' : src[i];
	dst[n] = '\0';
}

int
cw_revq_init(struct cw_store *st, char *err, size_t errlen)
{
	char key[CW_KEY_MAX];
	const char *argv[] = { "XGROUP", "CREATE", key, CW_REVQ_GROUP, "0",
	    "MKSTREAM" };
	redisReply *r;
	int rc = 0;

	cw_key(key, sizeof(key), st->prefix, CW_KEY_REVQ);
	if ((r = cw_redis_commandv(st->redis, err, errlen, 6, argv)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "BUSYGROUP", 9) != 0) {
		snprintf(err, errlen, "redis: %.200s", r->str);
		rc = -1;
	}
	freeReplyObject(r);
	return rc;
}

/* One element of the claim reply: {sid, deliveries, hash}. */
static int
decode_claimed(const redisReply *e, struct cw_revocation *r)
{
	if (e->type != REDIS_REPLY_ARRAY || e->elements != 3 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    e->element[1]->type != REDIS_REPLY_INTEGER ||
	    revq_decode_hash(e->element[2], r) < 0)
		return -1;
	revq_copy(r->sid, sizeof(r->sid), e->element[0]->str);
	r->delivered = e->element[1]->integer;
	return 0;
}

int
cw_revq_claim(struct cw_store *st, const struct cw_revq_claim_opts *o,
    int64_t now, struct cw_revocation *out, char *err, size_t errlen)
{
	char smax[24], sidle[24], smaxd[24], snow[24];
	const char *args[6];
	redisReply *x;
	size_t i, n = 0;

	if (o->consumer == NULL || !cw_revq_id_valid(o->consumer) ||
	    o->max == 0 || o->idle_ms < 1) {
		snprintf(err, errlen, "revq: claim needs a consumer name, "
		    "max >= 1 and idle_ms >= 1");
		return -1;
	}
	snprintf(smax, sizeof(smax), "%zu", o->max);
	snprintf(sidle, sizeof(sidle), "%lld", o->idle_ms);
	snprintf(smaxd, sizeof(smaxd), "%d", o->max_deliveries > 0 ?
	    o->max_deliveries : CW_REVQ_MAX_DELIVERIES);
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	args[0] = o->consumer;
	args[1] = smax;
	args[2] = sidle;
	args[3] = smaxd;
	args[4] = snow;
	args[5] = o->own_pending_first ? "1" : "0";
	if ((x = revq_run_script(st, cw_lua_revq_claim, args, 6, err,
	    errlen)) == NULL)
		return -1;
	for (i = 0; x->type == REDIS_REPLY_ARRAY && i < x->elements &&
	    n < o->max; i++)
		if (decode_claimed(x->element[i], &out[n]) == 0)
			n++;
	freeReplyObject(x);
	return (int)n;
}

int
cw_revq_step_done(struct cw_store *st, const char *id, const char *step,
    const char *why, int64_t now, char *err, size_t errlen)
{
	char outcome[CW_REVQ_OUTCOME_MAX + 1], snow[24];
	const char *args[4] = { id, step, outcome, snow };
	long long v;

	if (!cw_revq_id_valid(id) || !cw_revq_step_name_valid(step)) {
		snprintf(err, errlen, "revq: invalid id or step name");
		return -1;
	}
	if (why == NULL)
		copy_text(outcome, sizeof(outcome), "done", "");
	else
		copy_text(outcome, sizeof(outcome), "failed:", why[0] ? why :
		    "?");
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	if (revq_run_int(st, cw_lua_revq_step, args, 4, &v, err, errlen) < 0)
		return -1;
	if (v < 0) {
		snprintf(err, errlen, "revq: no revocation %s", id);
		return -1;
	}
	return (int)v;
}

bool
cw_revq_step_is_done(const struct cw_revocation *r, const char *step)
{
	size_t i;

	for (i = 0; i < r->nsteps; i++)
		if (strcmp(r->steps[i].name, step) == 0)
			return strcmp(r->steps[i].outcome, "done") == 0;
	return false;
}

/* sid: a stream id, "<ms>-<seq>"; empty allowed where nothing is queued. */
static bool
sid_valid(const char *s)
{
	return s[0] == '\0' || revq_chars_in(s, CW_REVQ_SID_MAX, "0123456789-");
}

int
cw_revq_complete(struct cw_store *st, const char *sid, const char *id,
    int64_t now, char *err, size_t errlen)
{
	char snow[24];
	const char *args[3] = { sid, id, snow };
	long long v;

	if (!cw_revq_id_valid(id) || !sid_valid(sid)) {
		snprintf(err, errlen, "revq: invalid id or stream id");
		return -1;
	}
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	if (revq_run_int(st, cw_lua_revq_complete, args, 3, &v, err,
	    errlen) < 0)
		return -1;
	return (int)v;
}

int
cw_revq_dead_letter(struct cw_store *st, const char *sid, const char *id,
    long long deliveries, const char *why, int64_t now, char *err,
    size_t errlen)
{
	char sdel[24], snow[24], text[CW_REVQ_OUTCOME_MAX + 1];
	const char *args[5] = { sid, id, sdel, text, snow };
	long long v;

	if (!cw_revq_id_valid(id) || !sid_valid(sid)) {
		snprintf(err, errlen, "revq: invalid dead-letter arguments");
		return -1;
	}
	copy_text(text, sizeof(text), "", why != NULL && why[0] ? why : "?");
	snprintf(sdel, sizeof(sdel), "%lld", deliveries);
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	if (revq_run_int(st, cw_lua_revq_dead, args, 5, &v, err, errlen) < 0)
		return -1;
	return (int)v;
}

int
cw_revq_retry(struct cw_store *st, const char *id, int64_t now, char *err,
    size_t errlen)
{
	long long v;

	if (revq_run_id_script(st, cw_lua_revq_retry, id, now, &v, err,
	    errlen) < 0)
		return -1;
	return (int)v;
}
