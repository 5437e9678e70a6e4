/* SPDX-License-Identifier: MIT */
/*
 * revocations.c - clearwayctl's revocation requests, carried out by the
 * control worker: leaver, revoke, reinstate, queue, report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "calendar.h"
#include "audit/events.h"
#include "isotime.h"
#include "lib/log.h"
#include "revoke/revocation_queue.h"
#include "control/revocations.h"
#include "revoke/revocation_audit.h"

/* Records read from Redis per page, at most (the queue's bound). */
#define PAGE_RECORDS 128
/*
 * Bytes of rows per answer: the rest of the frame (CW_WIRE_MAX_FRAME)
 * holds the envelope, and a row is well under the margin.
 */
#define PAGE_BYTES (CW_WIRE_MAX_FRAME - 8 * 1024)
_Static_assert(CW_REVQ_CURSOR_MAX <= CW_AFTER_MAX,
    "a page cursor must fit the request's \"after\"");

static json_t *
revocation_json(const struct cw_revocation *r, int64_t now,
    double warn_fraction)
{
	json_t *steps = json_array(), *o;
	size_t i;

	for (i = 0; steps != NULL && i < r->nsteps; i++)
		json_array_append_new(steps, json_pack("{s:s, s:s, s:I}", "name",
		    r->steps[i].name, "outcome", r->steps[i].outcome, "at",
		    (json_int_t)r->steps[i].at));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:I, "
	    "s:I, s:s, s:s, s:o}",
	    "id", r->id, "user", r->uid, "kind",
	    cw_revocation_kind_name(r->kind), "reason", r->reason, "actor",
	    r->actor, "requested_at", (json_int_t)r->requested_at,
	    "effective_at", (json_int_t)r->effective_at, "deadline",
	    (json_int_t)r->deadline, "state", cw_revq_state_name(r->state),
	    "completed_at", (json_int_t)r->completed_at, "elapsed_s",
	    (json_int_t)(r->completed_at ? r->completed_at - r->requested_at :
	    0), "level", cw_revq_urgency_name(cw_revq_classify(r, now,
	    warn_fraction)), "outcome", cw_revq_outcome(r, now), "steps",
	    steps);
	if (o == NULL)
		return NULL;
	if (strcmp(cw_revq_outcome(r, now), "met") == 0)
		json_object_set_new(o, "met", json_true());
	else if (strcmp(cw_revq_outcome(r, now), "missed") == 0)
		json_object_set_new(o, "met", json_false());
	else
		json_object_set_new(o, "met", json_null());
	return o;
}

static char *
dump(json_t *o)
{
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

/* --effective outside the window a leaving date can have: a typo. */
static bool
effective_in_range(const struct cw_request *req, int64_t now,
    struct cw_response *resp)
{
	char when[CW_ISO8601_BUFSZ];

	if (req->effective == 0 || (req->effective >= now -
	    CW_EFFECTIVE_PAST_MAX && req->effective <= now +
	    CW_EFFECTIVE_AHEAD_MAX))
		return true;
	resp->status = CW_STATUS_BAD_REQUEST;
	if (cw_iso8601_format_utc(req->effective, when) < 0)
		snprintf(when, sizeof(when), "@%lld", (long long)req->effective);
	snprintf(resp->message, sizeof(resp->message), "--effective %s is out "
	    "of range: it must be within %d days before and %d days after "
	    "now", when, (int)(CW_EFFECTIVE_PAST_MAX / 86400),
	    (int)(CW_EFFECTIVE_AHEAD_MAX / 86400));
	return false;
}

/*
 * leaver / revoke: record it; every host denies at once (unless future).
 * Safe to repeat: while the user has an open revocation of this kind,
 * that one is the answer ("existing": true) and nothing new is filed; if
 * it was scheduled later than asked now, it is brought forward
 * ("brought_forward": true): a revocation only ever comes sooner.
 */
static int
submit(const struct cw_revocation_ctx *x, const struct cw_request *req,
    const char *actor, struct cw_response *resp, char *err, size_t errlen)
{
	int64_t now = (int64_t)time(NULL);
	struct cw_revocation r;
	enum cw_revq_state state;
	json_t *o;
	int rc;

	if (!effective_in_range(req, now, resp))
		return 0;
	memset(&r, 0, sizeof(r));
	snprintf(r.uid, sizeof(r.uid), "%s", req->user);
	r.kind = req->op == CW_OP_LEAVER ? CW_REV_LEAVER : CW_REV_REVOKE;
	snprintf(r.reason, sizeof(r.reason), "%s", req->reason);
	snprintf(r.actor, sizeof(r.actor), "%s", actor);
	r.requested_at = now;
	r.effective_at = req->effective > now ? req->effective : now;
	if ((r.deadline = cw_revocation_deadline(x->calendar,
	    r.effective_at)) < 0) {
		resp->status = CW_STATUS_BAD_REQUEST;
		snprintf(resp->message, sizeof(resp->message), "no deadline "
		    "can be computed for --effective %lld",
		    (long long)req->effective);
		return 0;
	}
	if ((rc = cw_revq_submit(x->store, &r, now, &state, err, errlen)) < 0)
		return -1;
	if (rc == 1)
		r.state = r.effective_at > now ? CW_REVQ_SCHEDULED :
		    CW_REVQ_QUEUED;
	if (x->filed != NULL)
		x->filed(x->filed_arg, &r);
	/* Also when it stood already: its filer may never have heard back. */
	cw_revocation_audit_requested(x->store, &r, now);
	o = revocation_json(&r, now, x->warn_fraction);
	if (o != NULL) {
		json_object_set_new(o, "existing", json_boolean(rc != 1));
		json_object_set_new(o, "brought_forward", json_boolean(rc == 2));
	}
	resp->data = dump(o);
	return 0;
}

static int
reinstate(const struct cw_revocation_ctx *x, const struct cw_request *req,
    const char *actor, struct cw_response *resp, char *err, size_t errlen)
{
	bool was = false;
	int n;

	n = cw_revq_reinstate(x->store, req->user, actor, req->reason,
	    (int64_t)time(NULL), &was, err, errlen);
	if (n < 0)
		return -1;
	if (n == 0 && !was) {
		resp->status = CW_STATUS_REFUSED;
		snprintf(resp->message, sizeof(resp->message), "%s has no "
		    "revocation to undo", req->user);
		return 0;
	}
	resp->data = dump(json_pack("{s:s, s:i, s:b}", "user", req->user,
	    "cancelled", n, "was_revoked", was));
	return 0;
}

/*
 * The rows of one page that fit one answer, into arr; *next is the cursor
 * after the last member taken ("" when the index is exhausted).  Members
 * without a record are passed over (the cursor moves past them), so a
 * page never comes back empty-handed while more remain.  false when out of
 * memory (a short page would end the listing early, silently).
 */
static bool
page_rows(const struct cw_revq_page *p, int64_t now, double warn,
    json_t *arr, char *next, size_t nextlen)
{
	size_t i, bytes = 0, len;
	json_t *row;
	char *s;

	next[0] = '\0';
	for (i = 0; i < p->count; i++) {
		const struct cw_revq_page_item *it = &p->items[i];

		if (it->found) {
			row = revocation_json(&it->r, now, warn);
			s = row != NULL ? json_dumps(row, JSON_COMPACT) : NULL;
			len = s != NULL ? strlen(s) + 1 : 0;
			free(s);
			if (row == NULL || len == 0) {
				json_decref(row);
				return false;
			}
			if (bytes + len > PAGE_BYTES && json_array_size(arr) > 0) {
				json_decref(row);
				return true;    /* the cursor stays at the last */
			}
			bytes += len;
			json_array_append_new(arr, row);
		}
		cw_revq_cursor(it->score, it->id, next, nextlen);
	}
	if (p->last)
		next[0] = '\0';
	return true;
}

/*
 * queue and report answer one page each: the rows after req->after that
 * fit a frame, and "next", the cursor to ask with for more (absent at the
 * end).
 */
static int
page_answer(const struct cw_revocation_ctx *x, const struct cw_request *req,
    struct cw_response *resp, char *err, size_t errlen)
{
	struct cw_revq_page p;
	int64_t now = (int64_t)time(NULL);
	char next[CW_REVQ_CURSOR_MAX + 1];
	json_t *arr, *o;
	bool ok;
	int rc;

	if (req->after[0] != '\0' && !cw_revq_cursor_valid(req->after)) {
		resp->status = CW_STATUS_BAD_REQUEST;
		snprintf(resp->message, sizeof(resp->message), "bad page "
		    "cursor");
		return 0;
	}
	rc = req->op == CW_OP_QUEUE ? cw_revq_page_open(x->store, req->after,
	    PAGE_RECORDS, &p, err, errlen) : cw_revq_page_month(x->store,
	    req->month, req->after, PAGE_RECORDS, &p, err, errlen);
	if (rc < 0)
		return -1;
	ok = (arr = json_array()) != NULL && page_rows(&p, now,
	    x->warn_fraction, arr, next, sizeof(next));
	cw_revq_page_free(&p);
	if (!ok) {
		json_decref(arr);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (req->op == CW_OP_QUEUE)
		o = json_pack("{s:I, s:o}", "now", (json_int_t)now, "pending",
		    arr);
	else
		o = json_pack("{s:s, s:I, s:o}", "month", req->month, "now",
		    (json_int_t)now, "revocations", arr);
	if (o != NULL && next[0] != '\0')
		json_object_set_new(o, "next", json_string(next));
	resp->data = dump(o);
	return 0;
}

/* retry ID: a dead-lettered revocation queued again (approver). */
static int
retry(const struct cw_revocation_ctx *x, const struct cw_request *req,
    const char *actor, struct cw_response *resp, char *err, size_t errlen)
{
	int64_t now = (int64_t)time(NULL);
	struct cw_revocation r;
	int rc;

	if (!cw_revq_id_valid(req->id) ||
	    (rc = cw_revq_get(x->store, req->id, &r, err, errlen)) == 0) {
		resp->status = CW_STATUS_REFUSED;
		snprintf(resp->message, sizeof(resp->message), "there is no "
		    "revocation %.80s", req->id);
		return 0;
	}
	if (rc < 0)
		return -1;
	if (r.state == CW_REVQ_DEAD &&
	    (rc = cw_revq_retry(x->store, r.id, now, err, errlen)) < 0)
		return -1;
	if (r.state != CW_REVQ_DEAD || rc == 0) {
		resp->status = CW_STATUS_REFUSED;
		snprintf(resp->message, sizeof(resp->message), "revocation %s "
		    "is %s, not dead-lettered: nothing to retry", r.id,
		    cw_revq_state_name(r.state));
		return 0;
	}
	cw_ev_revocation(CW_AUDIT_REVOCATION_RETRIED, actor, r.uid, r.id,
	    "success", r.deadline, r.last_error);
	r.state = CW_REVQ_QUEUED;
	resp->data = dump(revocation_json(&r, now, x->warn_fraction));
	return 0;
}

int
cw_revocation_request(const struct cw_revocation_ctx *x,
    const struct cw_request *req, const char *actor,
    struct cw_response *resp, char *err, size_t errlen)
{
	int rc;

	switch (req->op) {
	case CW_OP_LEAVER:
	case CW_OP_REVOKE:
		rc = submit(x, req, actor, resp, err, errlen);
		break;
	case CW_OP_REINSTATE:
		rc = reinstate(x, req, actor, resp, err, errlen);
		break;
	case CW_OP_QUEUE:
	case CW_OP_REPORT:
		rc = page_answer(x, req, resp, err, errlen);
		break;
	case CW_OP_RETRY:
		rc = retry(x, req, actor, resp, err, errlen);
		break;
	default:
		snprintf(err, errlen, "not a revocation request");
		return -1;
	}
	if (rc == 0 && resp->status == CW_STATUS_OK && resp->data == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return rc;
}
