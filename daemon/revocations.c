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
#include "revocation_queue.h"
#include "revocations.h"

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

/* leaver / revoke: record it; every host denies at once (unless future). */
static int
submit(const struct cw_revocation_ctx *x, const struct cw_request *req,
    const char *actor, struct cw_response *resp, char *err, size_t errlen)
{
	int64_t now = (int64_t)time(NULL);
	struct cw_revocation r;
	enum cw_revq_state state;

	memset(&r, 0, sizeof(r));
	snprintf(r.uid, sizeof(r.uid), "%s", req->user);
	r.kind = req->op == CW_OP_LEAVER ? CW_REV_LEAVER : CW_REV_REVOKE;
	snprintf(r.reason, sizeof(r.reason), "%s", req->reason);
	snprintf(r.actor, sizeof(r.actor), "%s", actor);
	r.requested_at = now;
	r.effective_at = req->effective > now ? req->effective : now;
	if ((r.deadline = cw_revocation_deadline(x->calendar,
	    r.effective_at)) < 0) {
		snprintf(err, errlen, "no deadline can be computed for that "
		    "time");
		return -1;
	}
	if (cw_revq_submit(x->store, &r, now, &state, err, errlen) < 0)
		return -1;
	r.state = r.effective_at > now ? CW_REVQ_SCHEDULED : CW_REVQ_QUEUED;
	resp->data = dump(revocation_json(&r, now, x->warn_fraction));
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

static int
queue(const struct cw_revocation_ctx *x, struct cw_response *resp,
    char *err, size_t errlen)
{
	struct cw_revq_list l = { NULL, 0 };
	int64_t now = (int64_t)time(NULL);
	json_t *arr;
	size_t i;

	if (cw_revq_pending(x->store, &l, err, errlen) < 0)
		return -1;
	arr = json_array();
	for (i = 0; arr != NULL && i < l.count; i++)
		json_array_append_new(arr, revocation_json(&l.items[i], now,
		    x->warn_fraction));
	cw_revq_list_free(&l);
	resp->data = dump(json_pack("{s:I, s:o}", "now", (json_int_t)now,
	    "pending", arr));
	return 0;
}

struct month_ctx {
	json_t *arr;
	int64_t now;
	double warn_fraction;
};

static void
add_month_row(const struct cw_revocation *r, void *arg)
{
	struct month_ctx *m = arg;

	json_array_append_new(m->arr, revocation_json(r, m->now,
	    m->warn_fraction));
}

static int
report(const struct cw_revocation_ctx *x, const struct cw_request *req,
    struct cw_response *resp, char *err, size_t errlen)
{
	struct month_ctx m = { json_array(), (int64_t)time(NULL),
	    x->warn_fraction };

	if (cw_revq_month(x->store, req->month, add_month_row, &m, err,
	    errlen) < 0) {
		json_decref(m.arr);
		return -1;
	}
	resp->data = dump(json_pack("{s:s, s:I, s:o}", "month", req->month,
	    "now", (json_int_t)m.now, "revocations", m.arr));
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
		rc = queue(x, resp, err, errlen);
		break;
	case CW_OP_REPORT:
		rc = report(x, req, resp, err, errlen);
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
