/* SPDX-License-Identifier: MIT */
/*
 * suspensions.c - suspend and unsuspend (see suspensions.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/events.h"
#include "control/suspensions.h"

/* The longest suspension: a year, as the longest elevation. */
#define SUSPEND_MAX (366LL * 86400)

long long
cw_suspension_request(struct cw_store *st, const struct cw_control_job *j,
    const char *actor, struct cw_response *resp, struct cw_suspension *set,
    char *err, size_t errlen)
{
	const struct cw_request *r = &j->req;
	int64_t now = (int64_t)time(NULL);
	struct cw_suspension s;
	long long gen;
	json_t *o;

	if (r->op == CW_OP_SUSPEND && (r->until <= now ||
	    r->until > now + SUSPEND_MAX)) {
		resp->status = CW_STATUS_REFUSED;
		snprintf(resp->message, sizeof(resp->message), "--until must "
		    "be in the future and at most 366 days ahead");
		return 0;
	}
	if (r->op == CW_OP_UNSUSPEND) {
		if ((gen = cw_store_unsuspend(st, r->user, err, errlen)) == 0) {
			resp->status = CW_STATUS_REFUSED;
			snprintf(resp->message, sizeof(resp->message), "%s is "
			    "not suspended (in Redis: a daemon that kept one "
			    "Redis lost lets it go)", r->user);
		} else if (gen > 0) {
			cw_ev_suspension(CW_AUDIT_UNSUSPENDED, actor, r->user,
			    0, r->reason);
			o = json_pack("{s:s, s:I, s:s, s:s}", "user", r->user,
			    "ended", (json_int_t)now, "by", actor, "reason",
			    r->reason);
			resp->data = o != NULL ? json_dumps(o, JSON_COMPACT) :
			    NULL;
			json_decref(o);
		}
		return gen;
	}
	memset(&s, 0, sizeof(s));
	s.until = r->until;
	s.since = now;
	snprintf(s.by, sizeof(s.by), "%s", actor);
	snprintf(s.reason, sizeof(s.reason), "%s", r->reason);
	if ((gen = cw_store_suspend(st, r->user, &s, err, errlen)) <= 0)
		return gen < 0 ? -1 : 0;
	*set = s;
	cw_ev_suspension(CW_AUDIT_SUSPENDED, actor, r->user, s.until,
	    s.reason);
	o = json_pack("{s:s, s:I, s:I, s:s, s:s}", "user", r->user, "until",
	    (json_int_t)s.until, "since", (json_int_t)s.since, "by", s.by,
	    "reason", s.reason);
	resp->data = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return gen;
}
