/* SPDX-License-Identifier: MIT */
/*
 * requests.c - access requests (see requests.h).
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/events.h"
#include "control/requests.h"
#include "revoke/revocation_queue.h"
#include "store/store_request.h"

/* Records a page reads from Redis, and the bytes of rows it answers
 * with: a row is under 1.2 KiB escaped, the frame holds 64 KiB. */
#define PAGE_IDS 40
#define PAGE_BYTES (CW_WIRE_MAX_FRAME / 2)
/* Requests expired per call of the worker's once-a-second tick. */
#define EXPIRE_BATCH 100

static void
refuse(struct cw_response *resp, enum cw_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
refuse(struct cw_response *resp, enum cw_status st, const char *fmt, ...)
{
	va_list ap;

	resp->status = st;
	va_start(ap, fmt);
	vsnprintf(resp->message, sizeof(resp->message), fmt, ap);
	va_end(ap);
}

static json_t *
request_json(const struct cw_access_request *q)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:s, s:s, "
	    "s:s, s:s, s:I}", "id", q->id, "user", q->user, "role", q->role,
	    "duration", (json_int_t)q->duration, "reason", q->reason,
	    "ticket", q->ticket, "created", (json_int_t)q->created,
	    "expires", (json_int_t)q->expires, "clearance", q->clearance,
	    "state", q->state, "by", q->by, "note", q->note, "answered",
	    (json_int_t)q->answered);
}

static void
set_data(struct cw_response *resp, json_t *o)
{
	resp->data = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (resp->data == NULL)
		refuse(resp, CW_STATUS_INTERNAL, "out of memory");
}

/* clearwayctl request: files it, within the bounds, and tells approvers. */
static int
submit(struct cw_store *st, const struct cw_config *cfg,
    const struct cw_control_job *j, struct cw_response *resp, char *err,
    size_t errlen)
{
	struct cw_access_request q, out;
	int rc;

	memset(&q, 0, sizeof(q));
	snprintf(q.user, sizeof(q.user), "%s", j->req.user);
	snprintf(q.role, sizeof(q.role), "%s", j->req.role);
	snprintf(q.reason, sizeof(q.reason), "%s", j->req.reason);
	snprintf(q.ticket, sizeof(q.ticket), "%s", j->req.ticket);
	snprintf(q.clearance, sizeof(q.clearance), "%s", j->role_clearance);
	q.duration = j->req.duration;
	q.created = (int64_t)time(NULL);
	q.expires = q.created + (int64_t)cfg->policy.request_expiry_hours *
	    3600;
	if ((rc = cw_store_request_submit(st, &q, &out, err, errlen)) < 0)
		return -1;
	if (rc == CW_REQ_DUPLICATE) {
		refuse(resp, CW_STATUS_REFUSED, "%s already has a pending "
		    "request for %s (id %s): wait for its answer", q.user,
		    q.role, out.id);
	} else if (rc == CW_REQ_USER_FULL) {
		refuse(resp, CW_STATUS_REFUSED, "%s already has %s pending "
		    "requests, the most one person may have: wait for "
		    "answers", q.user, out.id);
	} else if (rc == CW_REQ_TOTAL_FULL) {
		refuse(resp, CW_STATUS_REFUSED, "%s requests are pending, the "
		    "most the daemon keeps: approvers must answer some first",
		    out.id);
	} else {
		cw_ev_access_request(CW_AUDIT_ACCESS_REQUESTED, q.user, q.user,
		    out.id, out.role, out.duration, out.reason, "",
		    "approvers");
		set_data(resp, request_json(&out));
	}
	return 0;
}

/* Why an answer was refused, in words that say what to do. */
static void
answer_refused(int rc, const struct cw_control_job *j,
    const struct cw_access_request *out, struct cw_response *resp)
{
	switch (rc) {
	case CW_REQ_MISSING:
		refuse(resp, CW_STATUS_REFUSED, "no request %s (the log keeps "
		    "the last %d)", j->req.id, CW_REQUESTS_LOG_MAX);
		break;
	case CW_REQ_ANSWERED:
		refuse(resp, CW_STATUS_REFUSED, "request %s is %s, not pending: "
		    "it cannot be answered again", j->req.id, out->state);
		break;
	case CW_REQ_EXPIRED:
		refuse(resp, CW_STATUS_REFUSED, "request %s has expired "
		    "unanswered: the requester must ask again", j->req.id);
		break;
	default:
		refuse(resp, CW_STATUS_REFUSED, "request %s is not for %s%s%s: "
		    "re-run clearwayctl %s %s", j->req.id, j->req.user,
		    j->req.op == CW_OP_APPROVE ? " as " : "",
		    j->req.op == CW_OP_APPROVE ? j->req.role : "",
		    j->req.op == CW_OP_APPROVE ? "approve" : "reject",
		    j->req.id);
		break;
	}
}

/* approve / reject: answers it; an approval grants in the same script. */
static long long
answer(struct cw_store *st, const struct cw_control_job *j,
    const char *actor, struct cw_response *resp, char *err, size_t errlen)
{
	bool approve = j->req.op == CW_OP_APPROVE;
	struct cw_access_request out;
	struct cw_elevation g = j->grant;
	long long gen = 0;
	json_t *o;
	int rc;

	rc = cw_store_request_answer(st, j->req.id, j->req.user,
	    approve ? &j->grant : NULL, j->req.duration, actor,
	    approve ? "" : j->req.reason, (int64_t)time(NULL), &out, &gen,
	    err, errlen);
	if (rc < 0)
		return -1;
	if (rc != CW_REQ_OK) {
		answer_refused(rc, j, &out, resp);
		return 0;
	}
	cw_ev_access_request(approve ? CW_AUDIT_ACCESS_APPROVED :
	    CW_AUDIT_ACCESS_REJECTED, actor, out.user, out.id, out.role,
	    out.duration, out.reason, out.note, out.user);
	o = request_json(&out);
	if (approve) {
		/* The grant carries the request's reason and ticket. */
		snprintf(g.reason, sizeof(g.reason), "%s", out.reason);
		snprintf(g.ticket, sizeof(g.ticket), "%s", out.ticket);
		cw_ev_elevation(CW_AUDIT_ELEVATION_GRANTED, actor, out.user,
		    out.role, &g);
		if (o != NULL)
			json_object_set_new(o, "elevation", json_pack("{s:s, "
			    "s:I, s:I}", "role", g.role, "start",
			    (json_int_t)g.start, "end", (json_int_t)g.end));
	}
	set_data(resp, o);
	return gen;
}

struct listing {
	const struct cw_control_job *j;
	const char *state;              /* "any": every state */
	json_t *rows;
	size_t bytes;
	bool full;
	bool approvable_only;           /* an approver's pending view */
	long long last;                 /* the last row taken */
};

/* May the caller of j approve q (an approver, not their own, with at
 * least the role's clearance)?  The daemon checks again on approve. */
static bool
may_approve(const struct cw_control_job *j,
    const struct cw_access_request *q)
{
	enum cw_clearance need;

	if (strcmp(q->state, "pending") != 0)
		return false;
	if (j->caller.root)
		return true;
	if ((j->caller.duties & CW_DUTY_APPROVER) == 0 ||
	    strcmp(q->user, j->caller.name) == 0)
		return false;
	if (cw_clearance_parse(q->clearance, strlen(q->clearance), &need) < 0)
		need = CW_CLEARANCE_NONE;
	return j->caller_clearance >= (int)need;
}

static void
list_row(const struct cw_access_request *q, void *arg)
{
	struct listing *l = arg;
	const struct cw_request *r = &l->j->req;
	char month[8];
	json_t *row;
	char *s;

	if (l->full)
		return;
	if ((strcmp(l->state, "any") != 0 && strcmp(q->state, l->state) != 0) ||
	    (r->user[0] != '\0' && strcmp(q->user, r->user) != 0) ||
	    (r->month[0] != '\0' && (cw_revq_month_of(q->created, month) < 0 ||
	    strcmp(month, r->month) != 0)) ||
	    (l->approvable_only && !may_approve(l->j, q))) {
		l->last = strtoll(q->id, NULL, 10);
		return;
	}
	if ((row = request_json(q)) == NULL)
		return;
	json_object_set_new(row, "may_approve", json_boolean(may_approve(l->j,
	    q)));
	s = json_dumps(row, JSON_COMPACT);
	if (s == NULL || l->bytes + strlen(s) > PAGE_BYTES) {
		l->full = true;
		free(s);
		json_decref(row);
		return;
	}
	l->bytes += strlen(s);
	free(s);
	json_array_append_new(l->rows, row);
	l->last = strtoll(q->id, NULL, 10);
}

/* requests [--state S] [--user U] [--month M], a page; or requests ID. */
static int
list(struct cw_store *st, const struct cw_control_job *j,
    struct cw_response *resp, char *err, size_t errlen)
{
	const struct cw_request *r = &j->req;
	struct listing l = { j, r->state[0] ? r->state : "pending",
	    json_array(), 0, false, false, 0 };
	long long after = 0, scanned;
	char next[24];
	json_t *o;

	if (l.rows == NULL) {
		refuse(resp, CW_STATUS_INTERNAL, "out of memory");
		return 0;
	}
	if (strcmp(l.state, "pending") != 0 && strcmp(l.state, "approved") &&
	    strcmp(l.state, "rejected") && strcmp(l.state, "expired") &&
	    strcmp(l.state, "any")) {
		json_decref(l.rows);
		refuse(resp, CW_STATUS_BAD_REQUEST, "state is pending, approved, "
		    "rejected, expired or any");
		return 0;
	}
	/* An approver's pending list: what they may approve (an auditor,
	 * root, or a named user: everything that matches). */
	l.approvable_only = !j->caller.root && r->user[0] == '\0' &&
	    strcmp(l.state, "pending") == 0 &&
	    (j->caller.duties & CW_DUTY_AUDITOR) == 0;
	if (r->after[0] != '\0')
		after = strtoll(r->after, NULL, 10);
	if (cw_store_request_page(st, after, PAGE_IDS, list_row, &l,
	    &scanned, err, errlen) < 0) {
		json_decref(l.rows);
		return -1;
	}
	o = json_pack("{s:o, s:I}", "requests", l.rows, "now",
	    (json_int_t)time(NULL));
	if (!l.full)
		l.last = scanned;
	if (o != NULL && l.last > 0 && l.last > after) {
		snprintf(next, sizeof(next), "%lld", l.last);
		json_object_set_new(o, "next", json_string(next));
	}
	set_data(resp, o);
	return 0;
}

/* requests ID: one request, to its requester, an approver or auditor. */
static int
get_one(struct cw_store *st, const struct cw_control_job *j,
    struct cw_response *resp, char *err, size_t errlen)
{
	struct cw_access_request q;
	json_t *o;
	int rc;

	if ((rc = cw_store_request_get(st, j->req.id, &q, err, errlen)) < 0)
		return -1;
	if (rc == 0 || (!j->caller.root && (j->caller.duties &
	    (CW_DUTY_APPROVER | CW_DUTY_AUDITOR)) == 0 &&
	    strcmp(q.user, j->caller.name) != 0)) {
		/* Someone else's is "no such" to a user without a duty. */
		refuse(resp, CW_STATUS_REFUSED, "no request %s", j->req.id);
		return 0;
	}
	if ((o = request_json(&q)) != NULL)
		json_object_set_new(o, "may_approve",
		    json_boolean(may_approve(j, &q)));
	set_data(resp, json_pack("{s:[o], s:I}", "requests", o, "now",
	    (json_int_t)time(NULL)));
	return 0;
}

long long
cw_requests_run(struct cw_store *st, const struct cw_config *cfg,
    const struct cw_control_job *j, const char *actor,
    struct cw_response *resp, char *err, size_t errlen)
{
	switch (j->req.op) {
	case CW_OP_REQUEST:
		return submit(st, cfg, j, resp, err, errlen);
	case CW_OP_APPROVE:
	case CW_OP_REJECT:
		return answer(st, j, actor, resp, err, errlen);
	default:
		return j->req.id[0] != '\0' ? get_one(st, j, resp, err, errlen) :
		    list(st, j, resp, err, errlen);
	}
}

static void
expired_one(const struct cw_access_request *q, void *arg)
{
	(void)arg;
	cw_ev_access_request(CW_AUDIT_ACCESS_EXPIRED, "clearwayd", q->user,
	    q->id, q->role, q->duration, q->reason, "", q->user);
}

int
cw_requests_expire(struct cw_store *st, int64_t now, char *err,
    size_t errlen)
{
	return cw_store_request_expire(st, now, EXPIRE_BATCH, expired_one,
	    NULL, err, errlen);
}
