/* SPDX-License-Identifier: MIT */
/*
 * events.c - the daemon's audit events (see events.h).
 *
 * One place builds every event the daemon emits, so that the schema of
 * docs/audit.md is kept in one file and call sites stay one line.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/events.h"
#include "lib/log.h"

/* The daemon's one pipeline; set once at start, before the threads. */
static struct cw_audit_log *audit_log;
static _Atomic long long last_drop_log;

void
cw_events_init(struct cw_audit_log *log)
{
	audit_log = log;
}

/* Emits ev; a drop is logged at LOG_CRIT (at most once a second). */
static void
emit(struct cw_audit_event *ev)
{
	long long now = cw_now_ms(), last = atomic_load(&last_drop_log);

	if (audit_log == NULL || cw_audit_emit(audit_log, ev) == 0)
		return;
	if (now - last >= 1000 &&
	    atomic_compare_exchange_strong(&last_drop_log, &last, now))
		cw_log(LOG_CRIT, "audit: event %d dropped (spool and its "
		    "memory backlog full, or pipeline stopping)", (int)ev->type);
}

static bool
start(struct cw_audit_event *ev, enum cw_audit_type type, const char *actor,
    const char *subject, const char *outcome)
{
	return audit_log != NULL &&
	    cw_audit_event_init(ev, type, 0, actor, subject, outcome) == 0;
}

static void
add_request_place(struct cw_audit_event *ev, const struct cw_request *r)
{
	cw_audit_event_add_string(ev, "host_class", r->host_class);
	cw_audit_event_add_string(ev, "service", r->service);
	cw_audit_event_add_string(ev, "rhost", r->rhost);
	cw_audit_event_add_string(ev, "tty", r->tty);
}

/* Who really sent it, from the socket (SO_PEERCRED): never the client's say. */
static void
add_caller(struct cw_audit_event *ev, uid_t uid, pid_t pid)
{
	cw_audit_event_add_int(ev, "caller_uid", (int64_t)uid);
	cw_audit_event_add_int(ev, "caller_pid", (int64_t)pid);
}

/* The decision's one log line (its audit record is the other trace). */
static void
log_decision(const struct cw_request *r, struct cw_decision d,
    const char *detail, uid_t caller_uid, pid_t caller_pid)
{
	int prio = d.verdict == CW_VERDICT_ALLOW ? LOG_INFO :
	    d.verdict == CW_VERDICT_UNAVAILABLE ? LOG_WARNING : LOG_NOTICE;

	if (d.reason == CW_REASON_BREAKGLASS)
		prio = LOG_ALERT;
	cw_log_decision(prio, "decision user=%s host_class=%s mode=%s service=%s "
	    "rhost=%s tty=%s verdict=%s reason=%s%s%s caller_uid=%u "
	    "caller_pid=%d", r->user, r->host_class,
	    cw_mode_name(r->mode), r->service, r->rhost, r->tty,
	    cw_verdict_name(d.verdict), cw_reason_name(d.reason),
	    detail[0] ? " detail=" : "", detail, (unsigned)caller_uid,
	    (int)caller_pid);
}

void
cw_ev_decision(const struct cw_request *r, struct cw_decision d,
    const char *detail, uid_t caller_uid, pid_t caller_pid, int64_t time_us)
{
	struct cw_audit_event ev;

	if (detail == NULL)
		detail = "";
	log_decision(r, d, detail, caller_uid, caller_pid);
	if (audit_log == NULL)
		return;
	cw_audit_note_decision(audit_log, r->user, r->rhost,
	    cw_verdict_name(d.verdict), cw_reason_name(d.reason));
	if (cw_audit_event_init(&ev, d.reason == CW_REASON_BREAKGLASS ?
	    CW_AUDIT_BREAKGLASS : CW_AUDIT_PAM_DECISION, time_us, r->user,
	    r->user, d.reason == CW_REASON_BREAKGLASS ? "alert" :
	    cw_verdict_name(d.verdict)) < 0)
		return;
	add_request_place(&ev, r);
	cw_audit_event_add_string(&ev, "mode", cw_mode_name(r->mode));
	cw_audit_event_add_string(&ev, "decision", cw_verdict_name(d.verdict));
	cw_audit_event_add_string(&ev, "reason", cw_reason_name(d.reason));
	if (detail[0] != '\0')
		cw_audit_event_add_string(&ev, "detail", detail);
	add_caller(&ev, caller_uid, caller_pid);
	emit(&ev);
}

void
cw_ev_session(const struct cw_request *r, uid_t caller_uid,
    pid_t caller_pid)
{
	struct cw_audit_event ev;

	if (!start(&ev, r->op == CW_OP_BREAKGLASS ? CW_AUDIT_BREAKGLASS :
	    r->event == CW_SESSION_OPEN ? CW_AUDIT_SESSION_OPEN :
	    CW_AUDIT_SESSION_CLOSE, r->user, r->user,
	    r->op == CW_OP_BREAKGLASS ? "alert" : "info"))
		return;
	add_request_place(&ev, r);
	if (r->op == CW_OP_SESSION && r->event == CW_SESSION_CLOSE &&
	    r->duration > 0)
		cw_audit_event_add_int(&ev, "duration_s", r->duration);
	add_caller(&ev, caller_uid, caller_pid);
	emit(&ev);
}

void
cw_ev_request(const char *caller, const char *command, const char *subject,
    enum cw_status status, const char *detail, uid_t caller_uid,
    pid_t caller_pid)
{
	struct cw_audit_event ev;

	if (!start(&ev, CW_AUDIT_CLI_REQUEST, caller, subject,
	    status == CW_STATUS_OK ? "success" : status ==
	    CW_STATUS_FORBIDDEN ? "forbidden" : "failure"))
		return;
	cw_audit_event_add_string(&ev, "command", command);
	cw_audit_event_add_string(&ev, "status", cw_status_name(status));
	if (detail[0] != '\0')
		cw_audit_event_add_string(&ev, "detail", detail);
	add_caller(&ev, caller_uid, caller_pid);
	emit(&ev);
}

void
cw_ev_elevation(enum cw_audit_type type, const char *actor, const char *user,
    const char *role, const struct cw_elevation *grant)
{
	struct cw_audit_event ev;

	if (!start(&ev, type, actor, user, "success"))
		return;
	cw_audit_event_add_string(&ev, "role", role);
	if (grant != NULL) {
		cw_audit_event_add_int(&ev, "start", grant->start);
		cw_audit_event_add_int(&ev, "end", grant->end);
		cw_audit_event_add_string(&ev, "reason", grant->reason);
		if (grant->ticket[0] != '\0')
			cw_audit_event_add_string(&ev, "ticket", grant->ticket);
	}
	emit(&ev);
}

void
cw_ev_access_request(enum cw_audit_type type, const char *actor,
    const char *user, const char *id, const char *role, int64_t duration,
    const char *reason, const char *note, const char *notify)
{
	struct cw_audit_event ev;

	if (!start(&ev, type, actor, user, "success"))
		return;
	cw_audit_event_add_string(&ev, "id", id);
	cw_audit_event_add_string(&ev, "role", role);
	cw_audit_event_add_int(&ev, "duration_s", duration);
	cw_audit_event_add_string(&ev, "reason", reason);
	if (note != NULL && note[0] != '\0')
		cw_audit_event_add_string(&ev, "note", note);
	cw_audit_event_add_string(&ev, "notify", notify);
	emit(&ev);
}

void
cw_ev_suspension(enum cw_audit_type type, const char *actor,
    const char *user, int64_t until, const char *reason)
{
	struct cw_audit_event ev;

	if (!start(&ev, type, actor, user, "success"))
		return;
	if (until > 0)
		cw_audit_event_add_int(&ev, "until", until);
	cw_audit_event_add_string(&ev, "reason", reason);
	emit(&ev);
}

void
cw_ev_revocation(enum cw_audit_type type, const char *actor,
    const char *user, const char *id, const char *outcome, int64_t deadline,
    const char *detail)
{
	struct cw_audit_event ev;

	if (!start(&ev, type, actor, user, outcome))
		return;
	cw_audit_event_add_string(&ev, "id", id);
	if (deadline > 0)
		cw_audit_event_add_int(&ev, "deadline", deadline);
	if (detail[0] != '\0')
		cw_audit_event_add_string(&ev, "detail", detail);
	emit(&ev);
}

void
cw_ev_sync_state(const char *what, const char *state, const char *error)
{
	struct cw_audit_event ev;

	if (!start(&ev, CW_AUDIT_SYNC_STATE, "clearwayd", what, "info"))
		return;
	cw_audit_event_add_string(&ev, "state", state);
	if (error != NULL && error[0] != '\0')
		cw_audit_event_add_string(&ev, "error", error);
	emit(&ev);
}

void
cw_ev_store_loss(const char *why, const char *old_epoch, const char *epoch,
    long long old_gen, long long gen, const char *users, long long nusers,
    long long nrevocations)
{
	struct cw_audit_event ev;

	if (!start(&ev, CW_AUDIT_STORE_LOSS, "clearwayd", "redis", "alert"))
		return;
	cw_audit_event_add_string(&ev, "why", why);
	cw_audit_event_add_string(&ev, "old_epoch", old_epoch);
	cw_audit_event_add_string(&ev, "epoch", epoch);
	cw_audit_event_add_int(&ev, "old_gen", old_gen);
	cw_audit_event_add_int(&ev, "gen", gen);
	cw_audit_event_add_int(&ev, "users", nusers);
	cw_audit_event_add_int(&ev, "revocations", nrevocations);
	if (users != NULL && users[0] != '\0')
		cw_audit_event_add_string(&ev, "reasserted", users);
	emit(&ev);
}

void
cw_ev_daemon(enum cw_audit_type type, const char *version)
{
	struct cw_audit_event ev;

	if (!start(&ev, type, "clearwayd", "", "info"))
		return;
	cw_audit_event_add_string(&ev, "version", version);
	emit(&ev);
}

void
cw_ev_gauge(const char *name, double value)
{
	if (audit_log != NULL)
		cw_audit_set_gauge(audit_log, name, value);
}

void
cw_ev_config_reload(const char *path, const char *outcome,
    const char *detail)
{
	struct cw_audit_event ev;

	if (!start(&ev, CW_AUDIT_CONFIG_RELOAD, "clearwayd", path, outcome))
		return;
	if (detail[0] != '\0')
		cw_audit_event_add_string(&ev, "detail", detail);
	emit(&ev);
}
