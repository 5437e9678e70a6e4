/* SPDX-License-Identifier: MIT */
/*
 * pam_clearway.c - the PAM entry points (contract sections 2 and 3).
 *
 * This code runs inside sshd, login, sudo and su.  It asks the local
 * clearwayd for a decision and turns the answer into a PAM result; it
 * decides nothing itself except the two local overrides that must work
 * when the daemon is down (break-glass and exempt users).
 *
 * Rules that follow from living in someone else's process: no signal
 * handlers, no openlog (pam_syslog only), no environment changes, no
 * globals with state, no exit.  Each call keeps its state in a struct on
 * its own stack and frees it before returning.  Anything that came from
 * the PAM application (user names, rhost, tty, service) is hostile until
 * checked, and is checked before it is logged.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "client.h"
#include "config.h"
#include "config_file.h"
#include "duration.h"
#include "fast_answer.h"
#include "isotime.h"
#include "names.h"
#include "pam_args.h"
#include "policy.h"
#include "wire.h"
#include "wire_lite.h"

/* The module is built with hidden visibility; only these are exported. */
#define CW_PAM_EXPORT __attribute__((visibility("default")))

/* What the user sees on any refusal: never the reason (that is syslog's). */
#define DENIED_MESSAGE "Access denied by site policy."

/* Everything one PAM call needs, on that call's stack. */
struct call {
	pam_handle_t *pamh;
	int flags;
	struct cw_pam_args args;
	struct cw_config config;
	bool have_config;
	char user[CW_USER_MAX + 1];     /* validated subject */
	char service[CW_SERVICE_MAX + 1];
};

/*
 * Copies src into dst (size dstsz), truncated, with every byte outside
 * [lo, 0x7e] replaced by '?'.  Used for PAM items we pass on (lo 0x21, as
 * the wire format demands) and for daemon text we log (lo 0x20).
 */
static void
copy_clean(const char *src, char *dst, size_t dstsz, unsigned char lo)
{
	size_t i = 0;

	if (src != NULL) {
		for (; src[i] != '\0' && i + 1 < dstsz; i++) {
			unsigned char c = (unsigned char)src[i];

			dst[i] = (c >= lo && c <= 0x7e) ? (char)c : '?';
		}
	}
	dst[i] = '\0';
}

/* A string PAM item, cleaned for the wire; empty when unset. */
static void
get_item_clean(pam_handle_t *pamh, int item, char *dst, size_t dstsz)
{
	const void *value = NULL;

	if (pam_get_item(pamh, item, &value) != PAM_SUCCESS)
		value = NULL;
	copy_clean(value, dst, dstsz, 0x21);
}

/*
 * Reads and validates the subject (PAM_USER, or PAM_RUSER with
 * subject=ruser) into c->user.  The name is logged only once it is known
 * to be a well-formed login name; a bad one is described by its length.
 */
static int
get_subject(struct call *c)
{
	bool ruser = c->args.subject == CW_SUBJECT_RUSER;
	const char *item_name = ruser ? "PAM_RUSER" : "PAM_USER";
	const void *value = NULL;
	const char *name;
	size_t len;

	if (pam_get_item(c->pamh, ruser ? PAM_RUSER : PAM_USER, &value) !=
	    PAM_SUCCESS || value == NULL || *(const char *)value == '\0') {
		pam_syslog(c->pamh, LOG_ERR, "%s is not set; denying",
		    item_name);
		return PAM_PERM_DENIED;
	}
	name = value;
	len = strlen(name);
	if (!cw_user_name_valid(name, len)) {
		pam_syslog(c->pamh, LOG_NOTICE, "invalid user name (%zu bytes) "
		    "in %s; denying", len, item_name);
		return PAM_PERM_DENIED;
	}
	memcpy(c->user, name, len + 1);
	return PAM_SUCCESS;
}

static int
load_config(struct call *c)
{
	char err[512];

	if (cw_config_load(c->args.config, &c->config, err,
	    sizeof(err)) < 0) {
		pam_syslog(c->pamh, LOG_ERR, "cannot load configuration: %s",
		    err);
		return PAM_AUTHINFO_UNAVAIL;
	}
	c->have_config = true;
	return PAM_SUCCESS;
}

/*
 * The host class to decide against: the module's host_class= argument, a
 * per-stack override, else the configuration's [daemon] host_class (one
 * per host, so a generic pam-auth-update profile needs no argument).
 * Neither: nothing to decide against, so deny.
 */
static int
choose_host_class(struct call *c)
{
	const char *hc = c->config.daemon.host_class;

	if (c->args.host_class[0] != '\0')
		return PAM_SUCCESS;
	if (hc == NULL || strlen(hc) >= sizeof(c->args.host_class)) {
		pam_syslog(c->pamh, LOG_ERR, "no host class: neither the "
		    "host_class= argument nor [daemon] host_class in %s is "
		    "set; denying", c->args.config);
		return PAM_PERM_DENIED;
	}
	memcpy(c->args.host_class, hc, strlen(hc) + 1);
	return PAM_SUCCESS;
}

/*
 * Common start of every entry point: arguments, subject, configuration,
 * in that order so that nothing unchecked reaches a log line or a file
 * path.  Returns PAM_SUCCESS, or the account-phase result for the failure
 * (PAM_PERM_DENIED for a bad argument or subject, PAM_AUTHINFO_UNAVAIL
 * for an unusable configuration).
 */
static int
call_begin(struct call *c, pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	char err[256];
	int rc;

	memset(c, 0, sizeof(*c));
	c->pamh = pamh;
	c->flags = flags;
	if (cw_pam_args_parse(argc, argv, &c->args, err, sizeof(err)) < 0) {
		pam_syslog(pamh, LOG_ERR, "bad module arguments: %s; denying",
		    err);
		return PAM_PERM_DENIED;
	}
	get_item_clean(pamh, PAM_SERVICE, c->service, sizeof(c->service));
	if ((rc = get_subject(c)) != PAM_SUCCESS)
		return rc;
	if ((rc = load_config(c)) != PAM_SUCCESS)
		return rc;
	return choose_host_class(c);
}

static void
call_end(struct call *c)
{
	if (c->have_config)
		cw_config_free(&c->config);
	c->have_config = false;
}

static void
log_decision(const struct call *c, enum cw_verdict v, enum cw_reason r)
{
	int prio = v == CW_VERDICT_ALLOW || v == CW_VERDICT_IGNORE ?
	    LOG_INFO : v == CW_VERDICT_DENY ? LOG_NOTICE : LOG_ERR;

	pam_syslog(c->pamh, prio, "user=%s host_class=%s mode=%s decision=%s "
	    "reason=%s", c->user, c->args.host_class,
	    cw_mode_name(c->args.mode), cw_verdict_name(v), cw_reason_name(r));
}

/* The short, non-revealing refusal; PAM_SILENT means say nothing. */
static void
tell_user_denied(const struct call *c)
{
	if (c->flags & PAM_SILENT)
		return;
	/* Best effort: a missing conversation must not change the result. */
	(void)pam_error(c->pamh, "%s", DENIED_MESSAGE);
}

/*
 * "Your annual security training expires on 2026-11-23; ...": the date as
 * the user's own calendar shows it (Europe/London, where the policy's
 * working days are counted), UTC if that cannot be had.
 */
static void
tell_training_expires(const struct call *c, int64_t expires)
{
	char when[CW_ISO8601_BUFSZ];

	if (cw_iso8601_format_local(expires, when) < 0 &&
	    cw_iso8601_format_utc(expires, when) < 0)
		return;
	(void)pam_info(c->pamh, "Your annual security training expires on "
	    "%.10s; renew it to keep access.", when);
}

/*
 * "Elevated access ends in 1h29m (at 13:00 UTC)."  Whole minutes, rounded
 * down, so the message never promises time that is not there; the date
 * too when the end is a day or more away.
 */
static void
tell_elevation_ends(const struct call *c, int64_t ends, int64_t now)
{
	char left[CW_DURATION_BUFSZ], when[CW_ISO8601_BUFSZ];
	int64_t secs = ends - now;

	if (secs <= 0)
		return;
	if (secs >= 60)
		secs -= secs % 60;
	if (cw_duration_format(secs, left, sizeof(left)) < 0 ||
	    cw_iso8601_format_utc(ends, when) < 0)
		return;
	/* when is "YYYY-MM-DDTHH:MM:SSZ": date at 0, time of day at 11. */
	if (ends - now < 86400)
		(void)pam_info(c->pamh, "Elevated access ends in %s (at %.5s "
		    "UTC).", left, when + 11);
	else
		(void)pam_info(c->pamh, "Elevated access ends in %s (at %.10s "
		    "%.5s UTC).", left, when, when + 11);
}

/*
 * What the daemon says the user should know about an allowed logon.  Only
 * ever after an allow: a refusal's reason is syslog's, never the user's.
 * Best effort, like every message: a missing conversation changes no
 * result.
 */
static void
tell_user_allowed(const struct call *c, const struct cw_response *resp)
{
	if (c->flags & PAM_SILENT)
		return;
	if (resp->training_expires > 0)
		tell_training_expires(c, resp->training_expires);
	if (resp->elevation_ends > 0)
		tell_elevation_ends(c, resp->elevation_ends,
		    (int64_t)time(NULL));
}

static void
build_request(const struct call *c, enum cw_op op, struct cw_request *req)
{
	memset(req, 0, sizeof(*req));
	req->op = op;
	memcpy(req->user, c->user, sizeof(req->user));
	memcpy(req->host_class, c->args.host_class, sizeof(req->host_class));
	req->mode = c->args.mode;
	memcpy(req->service, c->service, sizeof(req->service));
	get_item_clean(c->pamh, PAM_RHOST, req->rhost, sizeof(req->rhost));
	get_item_clean(c->pamh, PAM_TTY, req->tty, sizeof(req->tty));
}

/*
 * One exchange with clearwayd.  Returns 0 only when a response with
 * status ok arrived; otherwise logs why (transport or daemon status).
 */
static int
ask_daemon(const struct call *c, const struct cw_request *req,
    struct cw_response *resp)
{
	char err[512], msg[CW_MESSAGE_MAX], frame[CW_WIRE_LITE_REQUEST_MAX];
	size_t len;

	if (c->args.debug)
		pam_syslog(c->pamh, LOG_DEBUG, "asking clearwayd at %s: user=%s "
		    "service=%s rhost=%s tty=%s", c->config.daemon.socket,
		    req->user, req->service, req->rhost, req->tty);
	memset(resp, 0, sizeof(*resp));
	resp->decision.verdict = CW_VERDICT_DENY;
	/* The module's own codec: no libjansson in sshd (wire_lite.h). */
	if (cw_wire_request_format(req, frame, sizeof(frame), &len) < 0) {
		pam_syslog(c->pamh, LOG_ERR, "cannot encode the request");
		return -1;
	}
	if (cw_client_exchange(c->config.daemon.socket,
	    c->config.daemon.client_timeout_ms, frame, len,
	    cw_wire_reply_parse, resp, err, sizeof(err)) < 0) {
		pam_syslog(c->pamh, LOG_ERR, "clearwayd unreachable: %s", err);
		return -1;
	}
	if (resp->status != CW_STATUS_OK) {
		copy_clean(resp->message, msg, sizeof(msg), 0x20);
		pam_syslog(c->pamh, LOG_ERR, "clearwayd answered %s: %s",
		    cw_status_name(resp->status), msg);
		return -1;
	}
	return 0;
}

static int
verdict_to_pam(enum cw_verdict v)
{
	switch (v) {
	case CW_VERDICT_ALLOW:
		return PAM_SUCCESS;
	case CW_VERDICT_DENY:
		return PAM_PERM_DENIED;
	case CW_VERDICT_IGNORE:
		return PAM_IGNORE;
	case CW_VERDICT_UNAVAILABLE:
		return PAM_AUTHINFO_UNAVAIL;
	}
	/* Not a verdict we know: refuse rather than guess. */
	return PAM_AUTHINFO_UNAVAIL;
}

/*
 * A break-glass user is let in locally, whatever the daemon says or
 * whether it runs at all: that is the point of break-glass.  It must be
 * loud, so it is an alert in syslog and, if the daemon can be reached,
 * an entry in the audit trail too.
 */
static int
account_breakglass(const struct call *c)
{
	struct cw_request req;
	struct cw_response resp;

	pam_syslog(c->pamh, LOG_ALERT, "break-glass logon by %s on host class "
	    "%s service %s", c->user, c->args.host_class,
	    c->service[0] != '\0' ? c->service : "?");
	log_decision(c, CW_VERDICT_ALLOW, CW_REASON_BREAKGLASS);
	build_request(c, CW_OP_BREAKGLASS, &req);
	if (ask_daemon(c, &req, &resp) < 0)
		pam_syslog(c->pamh, LOG_WARNING, "break-glass logon by %s not "
		    "recorded by clearwayd", c->user);
	cw_response_free(&resp);
	return PAM_SUCCESS;
}

/* The ordinary case: the daemon decides, we translate and log. */
static int
account_decide(const struct call *c)
{
	struct cw_fast_answer fast;
	struct cw_request req;
	struct cw_response resp;
	enum cw_verdict v = CW_VERDICT_UNAVAILABLE;
	enum cw_reason r = CW_REASON_POLICY_UNAVAILABLE;

	build_request(c, CW_OP_DECIDE, &req);
	memset(&resp, 0, sizeof(resp));
	if (c->config.daemon.answer_table &&
	    cw_fast_answer(c->config.daemon.socket, c->config.audit.spool_dir,
	    &req, &fast) == 0) {
		/* clearwayd's own earlier answer, still holding, and its
		 * record in the daemon's inbox (fast_answer.h). */
		if (c->args.debug)
			pam_syslog(c->pamh, LOG_DEBUG, "answered from the "
			    "table of %s", c->config.daemon.socket);
		v = fast.decision.verdict;
		r = fast.decision.reason;
		resp.training_expires = fast.training_expires;
		resp.elevation_ends = fast.elevation_ends;
	} else if (ask_daemon(c, &req, &resp) == 0) {
		v = resp.decision.verdict;
		r = resp.decision.reason;
	}
	/*
	 * An allow the daemon made is already on authpriv (its decision
	 * line) and sealed in the audit trail: a second line from here
	 * would double the journal's work on every logon (a datagram to
	 * journald and its wakeup, in the caller's time).  Everything else
	 * keeps the module's line, so that the host's auth log shows why a
	 * logon failed even when the daemon could not be reached.
	 */
	if (v != CW_VERDICT_ALLOW || c->args.debug)
		log_decision(c, v, r);
	if (v == CW_VERDICT_ALLOW)
		tell_user_allowed(c, &resp);
	cw_response_free(&resp);
	return verdict_to_pam(v);
}

static int
account(struct call *c, pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	int rc = call_begin(c, pamh, flags, argc, argv);

	if (rc != PAM_SUCCESS) {
		if (rc == PAM_AUTHINFO_UNAVAIL)
			log_decision(c, CW_VERDICT_UNAVAILABLE,
			    CW_REASON_POLICY_UNAVAILABLE);
		goto out;
	}
	/* Break-glass first: it must hold even for an exempt name. */
	if (cw_name_list_contains(&c->config.policy.breakglass_users,
	    c->user)) {
		rc = account_breakglass(c);
		goto out;
	}
	if (cw_name_list_contains(&c->config.policy.exempt_users, c->user)) {
		log_decision(c, CW_VERDICT_IGNORE, CW_REASON_EXEMPT);
		rc = PAM_IGNORE;
		goto out;
	}
	rc = account_decide(c);
out:
	if (rc == PAM_PERM_DENIED || rc == PAM_AUTHINFO_UNAVAIL)
		tell_user_denied(c);
	return rc;
}

CW_PAM_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct call c;
	int rc = account(&c, pamh, flags, argc, argv);

	call_end(&c);
	return rc;
}

#define SESSION_START_KEY "clearway_session_start"

static void
free_start(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/*
 * The session's length, for the audit trail (Annex 1, 8.1.2): the open
 * leaves its time on the handle, which sshd keeps until the close.
 */
static void
note_session_start(const struct call *c)
{
	int64_t *start = malloc(sizeof(*start));

	if (start == NULL)
		return;
	*start = (int64_t)time(NULL);
	if (pam_set_data(c->pamh, SESSION_START_KEY, start, free_start) !=
	    PAM_SUCCESS)
		free(start);
}

static int64_t
session_length(const struct call *c)
{
	const void *data = NULL;
	int64_t len;

	if (pam_get_data(c->pamh, SESSION_START_KEY, &data) != PAM_SUCCESS ||
	    data == NULL)
		return 0;
	len = (int64_t)time(NULL) - *(const int64_t *)data;
	if (len < 1)
		len = 1;                /* the wire's minimum: under a second */
	return len > CW_DURATION_MAX ? CW_DURATION_MAX : len;
}

/* Reports a session event; 0 when the daemon recorded it. */
static int
report_session(const struct call *c, enum cw_session_event event)
{
	const char *what = event == CW_SESSION_OPEN ? "open" : "close";
	struct cw_request req;
	struct cw_response resp;
	int rc;

	build_request(c, CW_OP_SESSION, &req);
	req.event = event;
	if (event == CW_SESSION_CLOSE)
		req.duration = session_length(c);
	rc = ask_daemon(c, &req, &resp);
	cw_response_free(&resp);
	if (rc < 0) {
		pam_syslog(c->pamh, LOG_ERR, "session %s for user=%s "
		    "host_class=%s not recorded", what, c->user,
		    c->args.host_class);
		return -1;
	}
	pam_syslog(c->pamh, LOG_INFO, "session %s for user=%s host_class=%s",
	    what, c->user, c->args.host_class);
	if (event == CW_SESSION_OPEN)
		note_session_start(c);
	return 0;
}

/*
 * Session open and close share everything but the failure policy: an
 * open that cannot be recorded fails (no unaudited sessions), except for
 * break-glass users, who must get in while the daemon is down; a close
 * never fails, since the session is over either way.
 */
static int
session(struct call *c, pam_handle_t *pamh, int flags, int argc,
    const char **argv, enum cw_session_event event)
{
	int fail = event == CW_SESSION_OPEN ? PAM_SESSION_ERR : PAM_SUCCESS;
	int rc = call_begin(c, pamh, flags, argc, argv);

	if (rc != PAM_SUCCESS) {
		rc = fail;
		goto out;
	}
	if (cw_name_list_contains(&c->config.policy.breakglass_users,
	    c->user)) {
		(void)report_session(c, event);
		rc = PAM_SUCCESS;
		goto out;
	}
	if (cw_name_list_contains(&c->config.policy.exempt_users, c->user)) {
		rc = PAM_IGNORE;
		goto out;
	}
	rc = report_session(c, event) == 0 ? PAM_SUCCESS : fail;
out:
	return rc;
}

CW_PAM_EXPORT int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct call c;
	int rc = session(&c, pamh, flags, argc, argv, CW_SESSION_OPEN);

	call_end(&c);
	return rc;
}

CW_PAM_EXPORT int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct call c;
	int rc = session(&c, pamh, flags, argc, argv, CW_SESSION_CLOSE);

	call_end(&c);
	return rc;
}

/*
 * Clearway has no say in authentication or passwords: these exist so
 * that a misplaced "auth" or "password" line is harmless.
 */
CW_PAM_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}

CW_PAM_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}

CW_PAM_EXPORT int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}
