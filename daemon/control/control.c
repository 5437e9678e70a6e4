/* SPDX-License-Identifier: MIT */
/*
 * control.c - the change worker (see control.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config_file.h"
#include "control/control.h"
#include "audit/events.h"
#include "control/audit_query.h"
#include "control/export.h"
#include "control/requests.h"
#include "control/suspensions.h"
#include "lib/log.h"
#include "revoke/revocation_queue.h"
#include "control/revocations.h"
#include "revoke/revocation_audit.h"
#include "store/store.h"
#include "lib/wake.h"

/* How long a client may wait for its change to take effect here. */
#define APPLY_WAIT_MS 3000
/* How long we try to hand a client its answer. */
#define ANSWER_WAIT_MS 2000
/*
 * Bounds on what callers can make the worker hold (issue 10): each job
 * holds a client's socket until it is answered.  Callers without a duty
 * (HR, approver, auditor) can only drop their own elevations and file
 * access requests (at most CW_REQUESTS_PER_USER pending each), so they
 * share a small part of the queue and the rest stays free for root and
 * the duty holders (an HR leaver must get through a flood).
 */
#define QUEUE_MAX_NO_DUTY 16
#define JOBS_PER_UID 2

struct cw_control {
	const struct cw_config *cfg;
	struct cw_store store;
	struct cw_calendar calendar;    /* revocation deadlines */
	struct cw_control_links links;  /* peers' doorbells (control.h) */
	pthread_t thread;
	struct cw_wake wake;            /* its lock also guards the queue */
	struct cw_control_job *head, *tail;
	/* The job running, which counts against its uid too (a copy: the
	 * job itself is freed without the lock). */
	bool running;
	uid_t running_uid;
	bool running_no_duty;
	size_t queued;                  /* jobs in head..tail */
};

/* Writes the whole frame before the deadline; the client may be gone. */
static void
answer(int fd, const struct cw_response *resp)
{
	long long deadline = cw_now_ms() + ANSWER_WAIT_MS;
	unsigned char hdr[CW_WIRE_HEADER];
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	char *payload, *buf;
	size_t len, off = 0;
	ssize_t n;

	if ((payload = cw_response_encode(resp, &len)) == NULL)
		return;
	if ((buf = malloc(len + sizeof(hdr))) == NULL)
		goto out;
	cw_frame_header((uint32_t)len, hdr);
	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), payload, len);
	while (off < len + sizeof(hdr)) {
		n = send(fd, buf + off, len + sizeof(hdr) - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (cw_now_ms() >= deadline ||
		    poll(&p, 1, (int)(deadline - cw_now_ms())) <= 0)
			break;
	}
	free(buf);
out:
	free(payload);
}

/*
 * Asks the follow thread to re-read Redis now, then waits (bounded) until
 * this host's server thread has applied generation gen: it signals the
 * mark when it applies one, so no one polls.
 */
static bool
wait_applied(struct cw_control *c, long long gen)
{
	long long deadline = cw_now_ms() + APPLY_WAIT_MS;

	if (c->links.reread != NULL)
		cw_wake_poke(c->links.reread);
	return cw_mark_wait(c->links.applied, gen, deadline);
}

/* Revocation work is queued in Redis: the revoker looks now. */
static void
ring_revoker(struct cw_control *c)
{
	if (c->links.revq != NULL)
		cw_wake_poke(c->links.revq);
}

static char *
grant_json(const char *user, const struct cw_elevation *e)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "user",
	    user, "role", e->role, "start", (json_int_t)e->start, "end",
	    (json_int_t)e->end, "approver", e->approver, "reason", e->reason,
	    "ticket", e->ticket);
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

static void
do_elevate(struct cw_control *c, struct cw_control_job *j,
    struct cw_response *resp, long long *gen, char *err, size_t errlen)
{
	*gen = cw_store_elevate(&c->store, j->req.user, &j->grant,
	    (int64_t)time(NULL), err, errlen);
	if (*gen < 0)
		return;
	resp->data = grant_json(j->req.user, &j->grant);
}

static void
do_drop(struct cw_control *c, struct cw_control_job *j,
    struct cw_response *resp, long long *gen, const char *actor,
    char *err, size_t errlen)
{
	int64_t now = (int64_t)time(NULL);
	json_t *o;

	*gen = cw_store_drop(&c->store, j->req.user, j->req.role, actor, now,
	    err, errlen);
	if (*gen < 0)
		return;
	if (*gen > 0 && c->links.dropped != NULL)
		c->links.dropped(c->links.filed_arg, j->req.user, j->req.role);
	if (*gen == 0) {
		resp->status = CW_STATUS_REFUSED;
		snprintf(resp->message, sizeof(resp->message), "%s has no "
		    "running elevation to %s", j->req.user, j->req.role);
		return;
	}
	o = json_pack("{s:s, s:s, s:I}", "user", j->req.user, "role",
	    j->req.role, "ended", (json_int_t)now);
	resp->data = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
}

/* suspend, unsuspend (suspensions.c); the sync remembers them for a loss. */
static long long
do_suspension(struct cw_control *c, struct cw_control_job *j,
    struct cw_response *resp, char *err, size_t errlen)
{
	struct cw_suspension set;
	long long gen;

	gen = cw_suspension_request(&c->store, j, j->caller.root ? "root" :
	    j->caller.name, resp, &set, err, errlen);
	if (gen > 0 && c->links.suspended != NULL)
		c->links.suspended(c->links.filed_arg, j->req.user,
		    j->req.op == CW_OP_SUSPEND ? &set : NULL);
	return gen;
}

/* leaver, revoke, reinstate, retry, queue, report (revocations.c). */
static long long
do_revocation(struct cw_control *c, struct cw_control_job *j,
    struct cw_response *resp, char *err, size_t errlen)
{
	struct cw_revocation_ctx x = { &c->store, &c->calendar,
	    c->cfg->daemon.deadline_warning_percent / 100.0, c->links.filed,
	    c->links.filed_arg };
	bool changes = j->req.op == CW_OP_LEAVER || j->req.op == CW_OP_REVOKE ||
	    j->req.op == CW_OP_REINSTATE;
	long long gen = 0;

	if (cw_revocation_request(&x, &j->req, j->caller.root ? "root" :
	    j->caller.name, resp, err, errlen) < 0)
		return -1;
	if (j->req.op == CW_OP_RETRY && resp->status == CW_STATUS_OK)
		ring_revoker(c);
	if (!changes || resp->status != CW_STATUS_OK)
		return 0;
	ring_revoker(c);
	/* Answer once this host denies: wait for the generation it made. */
	if (cw_store_generation(&c->store, &gen, err, errlen) < 0)
		return 0;
	return gen;
}

/*
 * An elevation that ended (expired or dropped) is a revocation of a
 * privilege too (Annex 1, 6.5): filed, queued and reported like the
 * others, so its timeliness can be proved.  It does not deny the person.
 */
static void
file_elevation_end(struct cw_control *c, enum cw_revocation_kind kind,
    const char *user, const char *role, const char *actor)
{
	int64_t now = (int64_t)time(NULL);
	struct cw_revocation r;
	enum cw_revq_state state;
	char err[256];

	memset(&r, 0, sizeof(r));
	snprintf(r.uid, sizeof(r.uid), "%s", user);
	snprintf(r.role, sizeof(r.role), "%s", role);
	r.kind = kind;
	snprintf(r.reason, sizeof(r.reason), "elevation to %s %s", role,
	    kind == CW_REV_ELEVATION_EXPIRED ? "expired" : "dropped");
	snprintf(r.actor, sizeof(r.actor), "%s", actor);
	r.requested_at = r.effective_at = now;
	r.deadline = cw_revocation_deadline(&c->calendar, now);
	if (cw_revq_submit(&c->store, &r, now, &state, err, sizeof(err)) < 0)
		cw_warn("elevation of %s to %s: cannot file its revocation: %s",
		    user, role, err);
	else
		cw_revocation_audit_requested(&c->store, &r, now);
	ring_revoker(c);
}

/* The audit record of what a successful change did. */
static void
record_change(struct cw_control *c, const struct cw_control_job *j,
    const struct cw_response *resp)
{
	const char *actor = j->caller.root ? "root" : j->caller.name;

	if (resp->status != CW_STATUS_OK)
		return;
	switch (j->req.op) {
	case CW_OP_ELEVATE:
		cw_ev_elevation(CW_AUDIT_ELEVATION_GRANTED, actor, j->req.user,
		    j->req.role, &j->grant);
		break;
	case CW_OP_DROP:
		cw_ev_elevation(CW_AUDIT_ELEVATION_DROPPED, actor, j->req.user,
		    j->req.role, NULL);
		file_elevation_end(c, CW_REV_ELEVATION_DROPPED, j->req.user,
		    j->req.role, actor);
		break;
	/* leaver, revoke: revocations.c audits each revocation once. */
	default:
		break;
	}
}

static const char *
job_name(enum cw_op op)
{
	return op == CW_OP_ELEVATE ? "elevate" : op == CW_OP_DROP ? "drop" :
	    op == CW_OP_LEAVER ? "leaver" : op == CW_OP_REVOKE ? "revoke" :
	    op == CW_OP_REINSTATE ? "reinstate" : op == CW_OP_QUEUE ?
	    "queue" : op == CW_OP_REPORT ? "report" : op == CW_OP_EXPORT ?
	    "export" : op == CW_OP_RETRY ? "retry" : op == CW_OP_SUSPEND ?
	    "suspend" : op == CW_OP_UNSUSPEND ? "unsuspend" :
	    op == CW_OP_AUDIT_VERIFY ? "audit_verify" :
	    op == CW_OP_AUDIT_EXPORT ? "audit_export" : op == CW_OP_REQUEST ?
	    "request" : op == CW_OP_REQUESTS ? "requests" : op ==
	    CW_OP_APPROVE ? "approve" : op == CW_OP_REJECT ? "reject" :
	    "erase";
}

/* Requests that change something (the rest only read). */
static bool
job_writes(enum cw_op op)
{
	return op != CW_OP_QUEUE && op != CW_OP_REPORT && op != CW_OP_EXPORT &&
	    op != CW_OP_AUDIT_VERIFY && op != CW_OP_AUDIT_EXPORT &&
	    op != CW_OP_REQUESTS;
}

/*
 * Why a job failed on Redis, in words that say what to do.  A write whose
 * script was sent but whose reply never came (a stall past [redis]
 * timeout_ms, a reset) may have been carried out: saying "not recorded"
 * then would make an operator file it again, so it says it does not know.
 * Re-running is safe: leaver and revoke return the revocation they made,
 * the rest find their work done.
 */
static void
redis_failure(struct cw_control *c, const struct cw_control_job *j,
    const char *err, struct cw_response *resp)
{
	if (!job_writes(j->req.op)) {
		resp->status = CW_STATUS_UNAVAILABLE;
		snprintf(resp->message, sizeof(resp->message), "cannot read "
		    "from Redis: %.200s", err);
	} else if (cw_redis_unanswered(c->store.redis)) {
		resp->status = CW_STATUS_UNKNOWN;
		snprintf(resp->message, sizeof(resp->message), "outcome "
		    "unknown: the change reached Redis but no reply came back "
		    "(%.90s); it may have been recorded; re-run to confirm; "
		    "re-running is safe", err);
	} else {
		resp->status = CW_STATUS_UNAVAILABLE;
		snprintf(resp->message, sizeof(resp->message), "not recorded: "
		    "%.200s", err);
	}
}

/*
 * A request that grants or gives back (elevate, approve, reinstate,
 * unsuspend) whose client has hung up before it ran.  The client told its
 * user "outcome unknown" when it gave up; carrying the grant out later
 * (a daemon paused, then resumed, runs its queue) gave privileges nobody
 * was waiting for (the fleet fault suite: elevations the approver had
 * seen fail, running after the SIGSTOPped central woke).  Requests that
 * take away still run: a leaver filed once is never lost by a timeout.
 */
static bool
abandoned_grant(const struct cw_control_job *j)
{
	struct pollfd p = { .fd = j->fd, .events = POLLRDHUP };

	if (j->req.op != CW_OP_ELEVATE && j->req.op != CW_OP_APPROVE &&
	    j->req.op != CW_OP_REINSTATE && j->req.op != CW_OP_UNSUSPEND)
		return false;
	return poll(&p, 1, 0) == 1 &&
	    (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

static void
run_job(struct cw_control *c, struct cw_control_job *j)
{
	struct cw_response resp;
	char err[256], who[96];
	long long gen = 0;

	memset(&resp, 0, sizeof(resp));
	err[0] = '\0';
	cw_caller_label(&j->caller, who, sizeof(who));
	if (abandoned_grant(j)) {
		cw_log_auth(LOG_WARNING, "request op=%s caller=%s subject=%s "
		    "role=%s outcome=abandoned detail=its client hung up "
		    "before it ran: nothing done", job_name(j->req.op), who,
		    j->req.user[0] ? j->req.user : "-", j->req.role);
		cw_ev_request(who, job_name(j->req.op), j->req.user,
		    CW_STATUS_UNAVAILABLE, "abandoned: its client hung up "
		    "before it ran; nothing done", j->caller.uid,
		    j->caller.pid);
		close(j->fd);
		free(j);
		return;
	}
	switch (j->req.op) {
	case CW_OP_ELEVATE:
		do_elevate(c, j, &resp, &gen, err, sizeof(err));
		break;
	case CW_OP_DROP:
		do_drop(c, j, &resp, &gen, j->caller.root ? "root" :
		    j->caller.name, err, sizeof(err));
		break;
	case CW_OP_EXPORT:
	case CW_OP_ERASE:
		gen = cw_export_request(&c->store, j, &resp, err,
		    sizeof(err)) < 0 ? -1 : 0;
		break;
	case CW_OP_AUDIT_VERIFY:
	case CW_OP_AUDIT_EXPORT:
		cw_audit_query(c->cfg, j, &resp);
		break;
	case CW_OP_REQUEST:
	case CW_OP_REQUESTS:
	case CW_OP_APPROVE:
	case CW_OP_REJECT:
		gen = cw_requests_run(&c->store, c->cfg, j, j->caller.root ?
		    "root" : j->caller.name, &resp, err, sizeof(err));
		break;
	case CW_OP_SUSPEND:
	case CW_OP_UNSUSPEND:
		gen = do_suspension(c, j, &resp, err, sizeof(err));
		break;
	default:
		gen = do_revocation(c, j, &resp, err, sizeof(err));
		break;
	}
	if (gen < 0) {
		free(resp.data);
		resp.data = NULL;
		redis_failure(c, j, err, &resp);
	} else if (gen > 0 && !wait_applied(c, gen)) {
		snprintf(resp.message, sizeof(resp.message), "recorded; this "
		    "host will apply it within a few seconds");
	}
	cw_log_auth(resp.status == CW_STATUS_OK ? LOG_NOTICE : LOG_WARNING,
	    "request op=%s caller=%s subject=%s role=%s duration=%lld "
	    "ticket=%s outcome=%s%s%s", job_name(j->req.op), who,
	    j->req.user[0] ? j->req.user : "-", j->req.role,
	    (long long)j->req.duration, j->req.ticket,
	    cw_status_name(resp.status), resp.message[0] ? " detail=" : "",
	    resp.message);
	cw_ev_request(who, job_name(j->req.op), j->req.user, resp.status,
	    resp.message, j->caller.uid, j->caller.pid);
	record_change(c, j, &resp);
	answer(j->fd, &resp);
	cw_response_free(&resp);
	close(j->fd);
	free(j);
}

static void
log_expired(const char *uid_role, void *arg)
{
	struct cw_control *c = arg;
	char user[CW_USER_MAX + 1];
	const char *colon = strchr(uid_role, ':');

	cw_log_auth(LOG_NOTICE, "elevation_expired %s", uid_role);
	if (colon == NULL || (size_t)(colon - uid_role) > CW_USER_MAX)
		return;
	snprintf(user, sizeof(user), "%.*s", (int)(colon - uid_role), uid_role);
	cw_ev_elevation(CW_AUDIT_ELEVATION_EXPIRED, "clearwayd", user,
	    colon + 1, NULL);
	file_elevation_end(c, CW_REV_ELEVATION_EXPIRED, user, colon + 1,
	    "clearwayd");
}

static bool
has_duty(const struct cw_control_job *j)
{
	return j->caller.root || j->caller.duties != 0;
}

/*
 * Unlinks the next job to run: the oldest from root or a duty holder (an
 * HR leaver, an approver's revoke) if any, else the oldest.  Callers with
 * no duty can only drop their own elevations; a flood of those must not
 * hold up the changes that matter.  Lock held.
 */
static struct cw_control_job *
take_job(struct cw_control *c)
{
	struct cw_control_job *j, *prev = NULL;

	for (j = c->head; j != NULL && !has_duty(j); j = j->next)
		prev = j;
	if (j == NULL) {
		j = c->head;
		prev = NULL;
	}
	if (j == NULL)
		return NULL;
	if (prev != NULL)
		prev->next = j->next;
	else
		c->head = j->next;
	if (c->tail == j)
		c->tail = prev;
	return j;
}

/* Takes the next job, waiting at most ms; NULL on timeout or stop. */
static struct cw_control_job *
next_job(struct cw_control *c, int ms, bool *stop)
{
	struct cw_control_job *j;
	long long until;

	until = cw_now_ms() + ms;
	pthread_mutex_lock(&c->wake.lock);
	c->running = false;             /* the last one is done */
	while (!c->wake.stop && c->head == NULL)
		if (!cw_wake_wait_until(&c->wake.cond, &c->wake.lock, until))
			break;
	if ((j = take_job(c)) != NULL)
		c->queued--;
	if (j != NULL) {
		c->running = true;
		c->running_uid = j->caller.uid;
		c->running_no_duty = !has_duty(j);
	}
	*stop = c->wake.stop;
	pthread_mutex_unlock(&c->wake.lock);
	return j;
}

static void *
control_main(void *arg)
{
	struct cw_control *c = arg;
	struct cw_control_job *j;
	long long next_expiry = 0;
	char err[256];
	bool stop = false;

	pthread_setname_np(pthread_self(), "cw-control");
	while (!stop) {
		if ((j = next_job(c, 250, &stop)) != NULL) {
			run_job(c, j);
			continue;
		}
		/* Once a second, end the elevations and the access requests
		 * whose time is up (the central role's: a host's Redis user
		 * may not write, and its decisions already ignore an
		 * elevation past its end). */
		if (cw_now_ms() >= next_expiry &&
		    c->cfg->daemon.role != CW_ROLE_HOST) {
			next_expiry = cw_now_ms() + 1000;
			if (cw_store_expire_elevations(&c->store,
			    (int64_t)time(NULL), log_expired, c, err,
			    sizeof(err)) < 0)
				cw_debug("elevation expiry: %s", err);
			if (cw_requests_expire(&c->store, (int64_t)time(NULL),
			    err, sizeof(err)) < 0)
				cw_debug("request expiry: %s", err);
		}
	}
	while ((j = next_job(c, 0, &stop)) != NULL) {
		close(j->fd);           /* the client denies/fails on EOF */
		free(j);
	}
	return NULL;
}

struct cw_control *
cw_control_start(const struct cw_config *cfg, struct cw_redis *redis,
    const struct cw_control_links *links, char *err, size_t errlen)
{
	struct cw_control *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->cfg = cfg;
	c->links = *links;
	if (cw_store_init(&c->store, redis, cfg->redis.key_prefix) < 0) {
		snprintf(err, errlen, "bad [redis] key_prefix");
		free(c);
		return NULL;
	}
	c->store.read_only = cfg->daemon.role == CW_ROLE_HOST;
	if (cw_calendar_load(cfg->policy.bank_holidays_file,
	    cfg->policy.division, &c->calendar, err, errlen) < 0) {
		free(c);
		return NULL;
	}
	cw_wake_init(&c->wake);
	if ((rc = pthread_create(&c->thread, NULL, control_main, c)) != 0) {
		snprintf(err, errlen, "cannot start the control worker: %s",
		    strerror(rc));
		cw_wake_destroy(&c->wake);
		cw_calendar_free(&c->calendar);
		free(c);
		return NULL;
	}
	return c;
}

/* Jobs of uid queued or running, and of callers with no duty; lock held. */
static void
count_jobs(const struct cw_control *c, uid_t uid, size_t *of_uid,
    size_t *no_duty)
{
	const struct cw_control_job *j;

	*of_uid = *no_duty = 0;
	if (c->running) {
		*of_uid += c->running_uid == uid;
		*no_duty += c->running_no_duty;
	}
	for (j = c->head; j != NULL; j = j->next) {
		*of_uid += j->caller.uid == uid;
		*no_duty += !has_duty(j);
	}
}

int
cw_control_submit(struct cw_control *c, struct cw_control_job *job)
{
	const struct cw_caller *who = &job->caller;
	size_t of_uid, no_duty;
	int rc = -1;

	job->next = NULL;
	pthread_mutex_lock(&c->wake.lock);
	count_jobs(c, who->uid, &of_uid, &no_duty);
	if (c->queued >= CW_CONTROL_QUEUE_MAX || (!who->root &&
	    (of_uid >= JOBS_PER_UID ||
	    (who->duties == 0 && no_duty >= QUEUE_MAX_NO_DUTY))))
		goto out;
	if (c->tail != NULL)
		c->tail->next = job;
	else
		c->head = job;
	c->tail = job;
	c->queued++;
	pthread_cond_signal(&c->wake.cond);
	rc = 0;
out:
	pthread_mutex_unlock(&c->wake.lock);
	return rc;
}

size_t
cw_control_jobs_of(struct cw_control *c, uid_t uid)
{
	size_t of_uid, no_duty;

	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->wake.lock);
	count_jobs(c, uid, &of_uid, &no_duty);
	pthread_mutex_unlock(&c->wake.lock);
	return of_uid;
}

void
cw_control_stop(struct cw_control *c)
{
	if (c == NULL)
		return;
	cw_wake_stop(&c->wake);
	pthread_join(c->thread, NULL);
	cw_wake_destroy(&c->wake);
	cw_calendar_free(&c->calendar);
	free(c);
}
