/* SPDX-License-Identifier: MIT */
/*
 * revq_submit.c - filing and withdrawing revocations: submit (queued now
 * or scheduled), promoting scheduled ones when due, marking the request
 * audited, and reinstate.  Each is one Lua script (store/lua/revq_*.lua).
 */
#include <stdio.h>
#include <string.h>

#include "revoke/revq_internal.h"
#include "store/lua_scripts.h"

/* Free text for reports (reason, failure): no control characters, which
 * could forge lines in a log, a CSV report or a terminal. */
static bool
text_valid(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static int
check_submission(const struct cw_revocation *r, char *err, size_t errlen)
{
	const char *why = NULL;

	if (!cw_user_name_valid(r->uid, strlen(r->uid)))
		why = "invalid user name";
	else if (cw_revocation_kind_name(r->kind) == NULL)
		why = "invalid kind";
	else if (!text_valid(r->reason, CW_REVQ_REASON_MAX))
		why = "the reason must be 1..256 bytes without control "
		    "characters";
	else if (!cw_user_name_valid(r->actor, strlen(r->actor)))
		why = "invalid actor";
	else if (r->role[0] != '\0' &&
	    !cw_object_name_valid(r->role, strlen(r->role)))
		why = "invalid role";
	else if (r->id[0] != '\0' && !cw_revq_id_valid(r->id))
		why = "invalid id";
	else if (r->requested_at <= 0 || r->effective_at < r->requested_at ||
	    r->deadline < r->effective_at)
		why = "times must satisfy 0 < requested <= effective <= "
		    "deadline";
	if (why != NULL) {
		snprintf(err, errlen, "revq: %s", why);
		return -1;
	}
	return 0;
}

/* The longest a submit waits for a replica to have it (WAIT 1 ms). */
#define REVQ_WAIT_MS 500

int
cw_revq_submit(struct cw_store *st, struct cw_revocation *r, int64_t now,
    enum cw_revq_state *state, char *err, size_t errlen)
{
	char req[24], eff[24], dl[24], snow[24], month[8];
	const char *args[13];
	redisReply *x = NULL;
	int rc = -1;

	if (check_submission(r, err, errlen) < 0)
		return -1;
	if (cw_revq_month_of(r->requested_at, month) < 0) {
		snprintf(err, errlen, "revq: requested_at out of range");
		return -1;
	}
	if (r->id[0] == '\0' && cw_revq_new_id(now, r->id) < 0) {
		snprintf(err, errlen, "revq: cannot generate an id");
		return -1;
	}
	snprintf(req, sizeof(req), "%lld", (long long)r->requested_at);
	snprintf(eff, sizeof(eff), "%lld", (long long)r->effective_at);
	snprintf(dl, sizeof(dl), "%lld", (long long)r->deadline);
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	args[0] = r->id;
	args[1] = r->uid;
	args[2] = cw_revocation_kind_name(r->kind);
	args[3] = r->reason;
	args[4] = r->actor;
	args[5] = r->role;
	args[6] = req;
	args[7] = eff;
	args[8] = dl;
	args[9] = month;
	args[10] = cw_revocation_kind_denies(r->kind) ? "1" : "0";
	args[11] = snow;
	args[12] = r->kind == CW_REV_LEAVER || r->kind == CW_REV_REVOKE ?
	    "1" : "0";
	if ((x = revq_run_script(st, cw_lua_revq_submit, args, 13, err,
	    errlen)) == NULL)
		return -1;
	if (x->type != REDIS_REPLY_ARRAY || x->elements != 5 ||
	    x->element[0]->type != REDIS_REPLY_INTEGER ||
	    x->element[1]->type != REDIS_REPLY_STRING ||
	    x->element[3]->type != REDIS_REPLY_STRING) {
		snprintf(err, errlen, "revq: unexpected reply to submit");
		goto out;
	}
	/* Not created: r becomes the revocation that stands (same id or the
	 * open one of this user and kind). */
	if (x->element[0]->integer != 1 &&
	    revq_decode_hash(x->element[4], r) < 0)
		revq_copy(r->id, sizeof(r->id), x->element[3]->str);
	r->state = revq_state_parse(x->element[1]->str);
	if (state != NULL)
		*state = r->state;
	rc = x->element[0]->integer == 1 || x->element[0]->integer == 2 ?
	    (int)x->element[0]->integer : 0;
	/*
	 * Recorded: before the caller says so (the CLI's "recorded"), let
	 * one replica receive it, so a master that dies right now does not
	 * take it along (docs/sentinel.md).  Best effort and bounded: with
	 * no replica, or none in time, it stands on the master alone.
	 */
	if (rc > 0)
		(void)cw_redis_wait_replica(st->redis, REVQ_WAIT_MS, NULL, 0);
out:
	freeReplyObject(x);
	return rc;
}

int
cw_revq_promote_due(struct cw_store *st, int64_t now, size_t max, char *err,
    size_t errlen)
{
	char snow[24], smax[24];
	const char *args[2] = { snow, smax };
	long long n;

	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	snprintf(smax, sizeof(smax), "%zu", max > 0 ? max : 1);
	if (revq_run_int(st, cw_lua_revq_promote, args, 2, &n, err, errlen) < 0)
		return -1;
	return (int)n;
}

int
cw_revq_mark_audited(struct cw_store *st, const char *id, int64_t now,
    char *err, size_t errlen)
{
	long long v;

	if (revq_run_id_script(st, cw_lua_revq_audited, id, now, &v, err,
	    errlen) < 0)
		return -1;
	if (v < 0) {
		snprintf(err, errlen, "revq: no revocation %s", id);
		return -1;
	}
	return (int)v;
}

int
cw_revq_reinstate(struct cw_store *st, const char *uid, const char *actor,
    const char *reason, int64_t now, bool *was_revoked, char *err,
    size_t errlen)
{
	char snow[24];
	const char *args[4] = { uid, actor, reason, snow };
	redisReply *x;
	int rc = -1;

	if (!cw_user_name_valid(uid, strlen(uid)) ||
	    !cw_user_name_valid(actor, strlen(actor)) ||
	    !text_valid(reason, CW_REVQ_REASON_MAX)) {
		snprintf(err, errlen, "revq: reinstate needs a valid user, "
		    "actor and reason");
		return -1;
	}
	snprintf(snow, sizeof(snow), "%lld", (long long)now);
	if ((x = revq_run_script(st, cw_lua_revq_reinstate, args, 4, err,
	    errlen)) == NULL)
		return -1;
	if (x->type == REDIS_REPLY_ARRAY && x->elements == 3 &&
	    x->element[0]->type == REDIS_REPLY_INTEGER &&
	    x->element[1]->type == REDIS_REPLY_INTEGER) {
		if (was_revoked != NULL)
			*was_revoked = x->element[0]->integer == 1;
		rc = (int)x->element[1]->integer;
	} else {
		snprintf(err, errlen, "revq: unexpected reply to reinstate");
	}
	freeReplyObject(x);
	return rc;
}
