/* SPDX-License-Identifier: MIT */
/*
 * handlers.c - the meaning of each request (see handlers.h).
 *
 * Every request is authorized here first (authz.c), and every CLI request
 * and its outcome is logged to authpriv with the caller's identity.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit/events.h"
#include "clock.h"
#include "serve/handlers.h"
#include "serve/queries.h"
#include "serve/review.h"
#include "lib/log.h"
#include "serve/status.h"

#define SECONDS_PER_DAY 86400
/* Training expiring within this many days is mentioned at logon. */
#define TRAINING_NOTICE_DAYS 30

/* "1h30m" from seconds, for messages people read. */
static void
format_duration(int64_t s, char *buf, size_t len)
{
	int64_t h = s / 3600, m = s % 3600 / 60, sec = s % 60;
	int n = 0;

	buf[0] = '\0';
	if (h > 0)
		n += snprintf(buf + n, len - (size_t)n, "%lldh", (long long)h);
	if (m > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "%lldm", (long long)m);
	if ((sec > 0 || n == 0) && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%llds", (long long)sec);
}

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

/* Why a record is invalid, for the operator's log and clearwayctl. */
static const char *
invalid_detail(const struct cw_policy_input *in)
{
	if (in->staff != NULL && in->staff->invalid)
		return in->staff->invalid_why;
	if (in->host_class != NULL && in->host_class->invalid)
		return in->host_class->invalid_why;
	return "";
}

/*
 * When the subject's training lapses (*lapses) and the logon notice of it
 * starts (*notice); false when there is no training or no end to it.
 */
static bool
training_notice(const struct cw_policy_input *in, int64_t *lapses,
    int64_t *notice)
{
	if (in->staff == NULL || !in->staff->training.present ||
	    __builtin_add_overflow(in->staff->training.at,
	    (int64_t)in->training_validity_days * SECONDS_PER_DAY, lapses))
		return false;
	*notice = *lapses - TRAINING_NOTICE_DAYS * SECONDS_PER_DAY;
	return true;
}

/* What the PAM module may tell the user after an allow. */
static void
add_notices(const struct cw_policy_input *in, struct cw_response *resp)
{
	const struct cw_name_list *allowed;
	int64_t lapses, notice;
	size_t i;

	if (resp->decision.verdict != CW_VERDICT_ALLOW || in->staff == NULL)
		return;
	if (training_notice(in, &lapses, &notice) && in->now >= notice)
		resp->training_expires = lapses;
	if (resp->decision.reason != CW_REASON_OK_ELEVATED)
		return;
	allowed = in->mode == CW_MODE_ADMIN ? &in->host_class->admin_roles :
	    &in->host_class->login_roles;
	for (i = 0; i < in->nelevations; i++) {
		const struct cw_elevation *e = &in->elevations[i];

		if (e->start <= in->now && in->now < e->end &&
		    cw_name_list_contains(allowed, e->role) &&
		    e->end > resp->elevation_ends)
			resp->elevation_ends = e->end;
	}
}

/*
 * Publishes a logon's answer for the module to take again without asking
 * (serve/answers.h), with the bounds it holds within: until an instant
 * the rules compare or the training notice starts, and for an allow while
 * the data is fresh enough to allow from (offline_grace, and for mode
 * admin admin_max_staleness, counted from the last contact at the
 * latest).  Only root's plain logon decisions, decided on this host's own
 * clock (not Redis's: the module reads this host's), an allow or a deny
 * with nothing more to say.
 */
static void
publish_answer(const struct cw_handler_ctx *h, const struct cw_caller *caller,
    const struct cw_request *req, const struct cw_response *resp,
    const struct cw_policy_input *in, const struct cw_staleness *st)
{
	struct cw_answer_pub p;
	long long now_ms = cw_now_ms();
	int64_t lapses, notice;

	if (h->answers == NULL || caller->uid != 0 || h->db == NULL ||
	    req->op != CW_OP_DECIDE || req->at != 0 || st->age_s < 0 ||
	    resp->status != CW_STATUS_OK || resp->message[0] != '\0' ||
	    in->breakglass || in->exempt || st->now != (int64_t)time(NULL) ||
	    (resp->decision.verdict != CW_VERDICT_ALLOW &&
	    resp->decision.verdict != CW_VERDICT_DENY))
		return;
	memset(&p, 0, sizeof(p));
	p.key.user = req->user;
	p.key.host_class = req->host_class;
	p.key.mode = req->mode;
	p.decision = resp->decision;
	p.now = st->now;
	p.valid_until = cw_decide_stable_until(in);
	p.mono_until_ms = INT64_MAX;
	p.training_expires = resp->training_expires;
	p.elevation_ends = resp->elevation_ends;
	if (training_notice(in, &lapses, &notice) && notice > p.now &&
	    notice < p.valid_until)
		p.valid_until = notice;         /* the notice starts then */
	if (resp->decision.verdict == CW_VERDICT_ALLOW) {
		/* Fresh enough to allow from until (sync/staleness.h). */
		if (st->offline_until_ms > 0)
			p.mono_until_ms = st->offline_until_ms;
		else if (st->offline_at > 0 && st->offline_at < p.valid_until)
			p.valid_until = st->offline_at;
		if (req->mode == CW_MODE_ADMIN &&
		    st->admin_until_ms < p.mono_until_ms)
			p.mono_until_ms = st->admin_until_ms;
	}
	if (p.valid_until > p.now && p.mono_until_ms > now_ms)
		cw_answers_put(h->answers, &p);
}

static void
decide(const struct cw_handler_ctx *h, const struct cw_caller *caller,
    const struct cw_request *req, struct cw_response *resp)
{
	struct cw_policy_input in;
	struct cw_staleness st;
	const char *detail;

	/* The data's age is measured here, the policy stays pure; its now
	 * is Redis's when this host's clock is off (staleness.h). */
	cw_sync_staleness(h->sync, &st);
	/* check --at asks about another instant (wire.c lets only check). */
	cw_query_input(h, req->user, req->host_class, req->mode,
	    req->at > 0 ? req->at : st.now, &in);
	in.offline_expired = st.offline_expired;
	in.admin_stale = st.admin_stale;
	if (h->db == NULL && !in.breakglass && !in.exempt &&
	    h->denylist != NULL && cw_strmap_get(h->denylist, req->user)) {
		/* No data, but we know this one was revoked: deny wins. */
		resp->decision.verdict = CW_VERDICT_DENY;
		resp->decision.reason = CW_REASON_REVOKED;
	} else if (h->db == NULL && !in.breakglass && !in.exempt) {
		refuse(resp, CW_STATUS_UNAVAILABLE, "no policy data loaded yet");
		resp->decision.verdict = CW_VERDICT_UNAVAILABLE;
		resp->decision.reason = CW_REASON_POLICY_UNAVAILABLE;
	} else {
		resp->decision = cw_decide(&in);
		add_notices(&in, resp);
		if (resp->decision.reason == CW_REASON_POLICY_UNAVAILABLE)
			snprintf(resp->message, sizeof(resp->message), "%s",
			    in.offline_expired ? "no contact with Redis for "
			    "longer than offline_grace: data too old to allow" :
			    "data older than admin_max_staleness: too old for "
			    "mode admin");
	}
	detail = invalid_detail(&in);
	if (detail[0] == '\0')
		publish_answer(h, caller, req, resp, &in, &st);
	if (req->op == CW_OP_DECIDE)
		cw_ev_decision(req, resp->decision, detail, caller->uid,
		    caller->pid, 0);
	else if (detail[0] != '\0')
		/* Only a detail of its own: "no policy data" must survive. */
		snprintf(resp->message, sizeof(resp->message), "%s", detail);
}

/*
 * A session or break-glass report from the PAM stack (cw_caller_may lets
 * only root send one).  A break-glass record raises an alert, so one is
 * written only for a user the configuration names in breakglass_users:
 * anything else is refused, whoever sends it.
 */
static void
record_event(const struct cw_handler_ctx *h, const struct cw_caller *caller,
    const struct cw_request *req, struct cw_response *resp)
{
	if (req->op == CW_OP_BREAKGLASS &&
	    !cw_name_list_contains(&h->cfg->policy.breakglass_users,
	    req->user)) {
		refuse(resp, CW_STATUS_REFUSED, "%s is not in breakglass_users: "
		    "no break-glass record written", req->user);
		cw_log_auth(LOG_WARNING, "breakglass report refused: user=%s "
		    "is not in breakglass_users caller_uid=%u caller_pid=%d",
		    req->user, (unsigned)caller->uid, (int)caller->pid);
		return;
	}
	cw_ev_session(req, caller->uid, caller->pid);
	if (req->op == CW_OP_BREAKGLASS) {
		cw_log_auth(LOG_ALERT, "breakglass user=%s host_class=%s "
		    "service=%s rhost=%s tty=%s caller_uid=%u caller_pid=%d",
		    req->user, req->host_class, req->service, req->rhost,
		    req->tty, (unsigned)caller->uid, (int)caller->pid);
		return;
	}
	cw_log_auth(LOG_INFO, "session %s user=%s host_class=%s service=%s "
	    "rhost=%s tty=%s duration_s=%lld caller_uid=%u caller_pid=%d",
	    req->event == CW_SESSION_OPEN ? "open" : "close", req->user,
	    req->host_class, req->service, req->rhost, req->tty,
	    (long long)req->duration, (unsigned)caller->uid, (int)caller->pid);
}

static void
status(const struct cw_handler_ctx *h, const struct cw_request *req,
    struct cw_response *resp)
{
	struct cw_answers_stats as;
	struct cw_sync_status ss;
	struct cw_staleness st;

	cw_sync_get_status(h->sync, &ss);
	cw_sync_staleness(h->sync, &st);
	cw_answers_get_stats(h->answers, &as);
	resp->data = cw_status_json(h->db, &ss, &st, &as, h->cfg, req->user,
	    st.now);
	if (resp->data == NULL)
		resp->status = CW_STATUS_INTERNAL;
}

/*
 * Checks an elevation against the role's definition and the subject's own
 * standing; on success fills the grant to write.  Issue 5's refusals, in
 * words that say what to do.
 */
static bool
check_elevation(const struct cw_handler_ctx *h, const struct cw_caller *caller,
    const struct cw_request *r, struct cw_elevation *g,
    struct cw_response *resp)
{
	int64_t now = (int64_t)time(NULL);
	const struct cw_role_def *def;
	const struct cw_staff *s;
	struct cw_decision d;
	char max[32], asked[32];

	if (h->db == NULL) {
		refuse(resp, CW_STATUS_UNAVAILABLE, "no policy data loaded yet");
		return false;
	}
	def = cw_db_role(h->db, r->role);
	if (def == NULL || def->invalid || !def->elevatable) {
		refuse(resp, CW_STATUS_REFUSED, def == NULL ? "role '%s' is not "
		    "defined in the directory" : def->invalid ? "role '%s' has "
		    "an invalid definition" : "role '%s' has no cwMaxElevation: "
		    "it cannot be granted by elevation", r->role);
		return false;
	}
	if (r->duration > def->max_elevation) {
		format_duration(def->max_elevation, max, sizeof(max));
		format_duration(r->duration, asked, sizeof(asked));
		refuse(resp, CW_STATUS_REFUSED, "role '%s' allows at most %s; "
		    "asked %s", r->role, max, asked);
		return false;
	}
	s = cw_db_staff(h->db, r->user);
	d = cw_decide_person(s, cw_strmap_get(&h->db->revoked, r->user) != NULL,
	    cw_db_suspended_until(h->db, r->user), now,
	    (unsigned)h->cfg->policy.training_validity_days);
	if (d.verdict != CW_VERDICT_ALLOW) {
		refuse(resp, CW_STATUS_REFUSED, "%s cannot be elevated: %s",
		    r->user, cw_reason_name(d.reason));
		return false;
	}
	if (s->clearance < def->required) {
		refuse(resp, CW_STATUS_REFUSED, "role '%s' requires %s "
		    "clearance; %s holds %s", r->role,
		    cw_clearance_name(def->required), r->user,
		    cw_clearance_name(s->clearance));
		return false;
	}
	memset(g, 0, sizeof(*g));
	snprintf(g->role, sizeof(g->role), "%s", r->role);
	g->start = now;
	g->end = now + r->duration;
	snprintf(g->approver, sizeof(g->approver), "%s",
	    caller->root ? "root" : caller->name);
	snprintf(g->reason, sizeof(g->reason), "%s", r->reason);
	snprintf(g->ticket, sizeof(g->ticket), "%s", r->ticket);
	return true;
}

struct listing {
	json_t *arr;
	int64_t now;
};

static void
list_user(const char *uid, const struct cw_user_elevations *ue,
    struct listing *l)
{
	size_t i;

	for (i = 0; ue != NULL && i < ue->count; i++) {
		const struct cw_elevation *e = &ue->list[i];

		if (e->end <= l->now)
			continue;
		json_array_append_new(l->arr, json_pack("{s:s, s:s, s:I, s:I, "
		    "s:s, s:s, s:s}", "user", uid, "role", e->role, "start",
		    (json_int_t)e->start, "end", (json_int_t)e->end,
		    "approver", e->approver, "reason", e->reason, "ticket",
		    e->ticket));
	}
}

static void
list_one(const char *uid, void *value, void *arg)
{
	list_user(uid, value, arg);
}

static void
elevations(const struct cw_handler_ctx *h, const struct cw_request *req,
    struct cw_response *resp)
{
	struct listing l = { json_array(), (int64_t)time(NULL) };
	json_t *o;

	if (h->db != NULL && req->user[0] != '\0')
		list_user(req->user, cw_db_elevations(h->db, req->user), &l);
	else if (h->db != NULL)
		cw_strmap_foreach(&h->db->elevations, list_one, &l);
	o = json_pack("{s:o, s:I}", "elevations", l.arr, "now",
	    (json_int_t)l.now);
	resp->data = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (resp->data == NULL)
		resp->status = CW_STATUS_INTERNAL;
}

static bool
is_cli_op(enum cw_op op)
{
	return op != CW_OP_DECIDE && op != CW_OP_SESSION &&
	    op != CW_OP_BREAKGLASS;
}

static const char *const op_label[] = {
	"decide", "check", "session", "breakglass", "status", "elevate",
	"drop", "elevations", "leaver", "revoke", "reinstate", "queue",
	"report", "export", "erase", "retry", "who", "expiring", "suspend",
	"unsuspend", "audit_verify", "audit_export", "request", "requests",
	"approve", "reject", "review"
};

static void
log_request(const struct cw_caller *caller, const struct cw_request *req,
    const struct cw_response *resp)
{
	char who[96];

	cw_log_auth(resp->status == CW_STATUS_OK ? LOG_INFO : LOG_NOTICE,
	    "request op=%s caller=%s subject=%s outcome=%s%s%s",
	    op_label[req->op], cw_caller_label(caller, who, sizeof(who)),
	    req->user[0] ? req->user : "-", cw_status_name(resp->status),
	    resp->message[0] ? " detail=" : "", resp->message);
	cw_ev_request(who, op_label[req->op], req->user, resp->status,
	    resp->message, caller->uid, caller->pid);
}

static struct cw_control_job *
new_job(const struct cw_caller *caller, const struct cw_request *req,
    struct cw_response *resp)
{
	struct cw_control_job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		refuse(resp, CW_STATUS_INTERNAL, "out of memory");
		return NULL;
	}
	j->fd = -1;
	j->req = *req;
	j->caller = *caller;
	return j;
}

/* The person's cached directory entry, by entryUUID, if there is one. */
static void
job_set_entry(const struct cw_handler_ctx *h, struct cw_control_job *j)
{
	const struct cw_db_entry *e;

	if (h->db != NULL && j->req.user[0] != '\0' &&
	    (e = cw_db_staff_entry(h->db, j->req.user)) != NULL)
		snprintf(j->entry_uuid, sizeof(j->entry_uuid), "%s", e->uuid);
}

/*
 * request, approve: checked as an elevation of the request's user would
 * be (the role, its cwMaxElevation, the user's gates and clearance);
 * approve also needs the approver to hold the role's clearance.  reject,
 * requests: the caller's clearance rides along for the listing.  The
 * control worker (control/requests.c) does the rest.
 */
static struct cw_control_job *
access_request_job(const struct cw_handler_ctx *h,
    const struct cw_caller *caller, const struct cw_request *req,
    struct cw_response *resp)
{
	const struct cw_role_def *def = NULL;
	const struct cw_staff *me = NULL;
	struct cw_control_job *job;
	struct cw_elevation grant;

	memset(&grant, 0, sizeof(grant));
	if ((req->op == CW_OP_REQUEST || req->op == CW_OP_APPROVE) &&
	    !check_elevation(h, caller, req, &grant, resp))
		return NULL;
	if (h->db != NULL) {
		def = cw_db_role(h->db, req->role);
		me = caller->named ? cw_db_staff(h->db, caller->name) : NULL;
	}
	if (req->op == CW_OP_APPROVE && !caller->root && def != NULL &&
	    (me == NULL || me->clearance < def->required)) {
		refuse(resp, CW_STATUS_FORBIDDEN, "approving role '%s' needs "
		    "its clearance, %s; %s holds %s", req->role,
		    cw_clearance_name(def->required), caller->name,
		    cw_clearance_name(me != NULL ? me->clearance :
		    CW_CLEARANCE_NONE));
		return NULL;
	}
	if ((job = new_job(caller, req, resp)) == NULL)
		return NULL;
	job->grant = grant;
	job->caller_clearance = me != NULL ? (int)me->clearance : -1;
	if (def != NULL)
		snprintf(job->role_clearance, sizeof(job->role_clearance), "%s",
		    cw_clearance_name(def->required));
	return job;
}

/*
 * A write the CLI asks of a host-role daemon: refused, naming where it is
 * served.  A host's Redis user cannot write the queue, the elevations or
 * the revoked set (etc/redis-acl.conf.example), so the request would
 * only fail later and less clearly; and nothing is forwarded from a host
 * (its root must not be able to change other hosts' decisions).
 */
static bool
served_centrally(const struct cw_handler_ctx *h, const struct cw_request *req,
    struct cw_response *resp)
{
	switch (req->op) {
	case CW_OP_ELEVATE:
	case CW_OP_DROP:
	case CW_OP_LEAVER:
	case CW_OP_REVOKE:
	case CW_OP_REINSTATE:
	case CW_OP_RETRY:
	case CW_OP_SUSPEND:
	case CW_OP_UNSUSPEND:
	case CW_OP_ERASE:
	case CW_OP_REPORT:      /* builds its month index in Redis */
	case CW_OP_REQUEST:
	case CW_OP_APPROVE:
	case CW_OP_REJECT:
		break;
	default:
		return false;
	}
	if (h->cfg->daemon.role != CW_ROLE_HOST)
		return false;
	refuse(resp, CW_STATUS_REFUSED, "%s is served by a central daemon: "
	    "this clearwayd has [daemon] role = host, whose Redis user may "
	    "not write; nothing was recorded.  Run clearwayctl %s on a "
	    "machine whose clearwayd has role = central (or both)",
	    op_label[req->op], op_label[req->op]);
	return true;
}

struct cw_control_job *
cw_handle_request(const struct cw_handler_ctx *h,
    const struct cw_caller *caller, const struct cw_request *req,
    struct cw_response *resp)
{
	struct cw_control_job *job = NULL;
	struct cw_elevation grant;
	char why[CW_MESSAGE_MAX];

	if (!cw_caller_may(caller, req, h->cfg, why, sizeof(why))) {
		refuse(resp, CW_STATUS_FORBIDDEN, "%s", why);
		goto out;
	}
	if (served_centrally(h, req, resp))
		goto out;
	switch (req->op) {
	case CW_OP_DECIDE:
	case CW_OP_CHECK:
		decide(h, caller, req, resp);
		break;
	case CW_OP_SESSION:
	case CW_OP_BREAKGLASS:
		record_event(h, caller, req, resp);
		break;
	case CW_OP_STATUS:
		status(h, req, resp);
		break;
	case CW_OP_ELEVATIONS:
		elevations(h, req, resp);
		break;
	case CW_OP_ELEVATE:
		if (check_elevation(h, caller, req, &grant, resp) &&
		    (job = new_job(caller, req, resp)) != NULL)
			job->grant = grant;
		break;
	case CW_OP_DROP:
	case CW_OP_LEAVER:
	case CW_OP_REVOKE:
	case CW_OP_REINSTATE:
	case CW_OP_QUEUE:
	case CW_OP_REPORT:
	case CW_OP_RETRY:
	case CW_OP_SUSPEND:
	case CW_OP_UNSUSPEND:
	case CW_OP_AUDIT_VERIFY:
	case CW_OP_AUDIT_EXPORT:
		/* Redis or file work: the control worker answers
		 * (revocations.c, suspensions.c, audit_query.c). */
		job = new_job(caller, req, resp);
		break;
	case CW_OP_REQUEST:
	case CW_OP_REQUESTS:
	case CW_OP_APPROVE:
	case CW_OP_REJECT:
		job = access_request_job(h, caller, req, resp);
		break;
	case CW_OP_REVIEW:
		cw_query_review(h, req, resp);
		break;
	case CW_OP_WHO:
		cw_query_who(h, req, resp);
		break;
	case CW_OP_EXPIRING:
		cw_query_expiring(h, req, resp);
		break;
	case CW_OP_EXPORT:
	case CW_OP_ERASE:
		/* Redis work (export.c); the entry's key comes from here. */
		if ((job = new_job(caller, req, resp)) != NULL)
			job_set_entry(h, job);
		break;
	}
out:
	/* Changes are logged by the worker, with their outcome. */
	if (job == NULL && (is_cli_op(req->op) ||
	    resp->status == CW_STATUS_FORBIDDEN))
		log_request(caller, req, resp);
	return job;
}
