/* SPDX-License-Identifier: MIT */
/*
 * wire.h - the local socket protocol between clearwayd and its clients
 * (pam_clearway.so, clearwayctl).
 *
 * A frame is a 4-byte big-endian length followed by that many bytes of one
 * JSON object.  Both sides refuse a frame over CW_WIRE_MAX_FRAME.  Every
 * request carries "v" (CW_WIRE_VERSION) and "op".  The parsers here are
 * the only code that reads bytes from a peer; they do no I/O.
 */
#ifndef CW_WIRE_H
#define CW_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "policy.h"

#define CW_WIRE_VERSION 1
#define CW_WIRE_MAX_FRAME (64 * 1024)
#define CW_WIRE_HEADER 4

#define CW_SERVICE_MAX 64
#define CW_RHOST_MAX 255
#define CW_TTY_MAX 64
/* Free text an operator types (--reason) and a ticket reference. */
#define CW_REASON_TEXT_MAX 256
#define CW_TICKET_MAX 64
/* A revocation id (retry), and a page cursor "<score>:<id>" (queue, report). */
#define CW_REVID_MAX 64
#define CW_AFTER_MAX 96         /* >= CW_REVQ_CURSOR_MAX */
/* requests --state: the longest state name. */
#define CW_STATE_MAX 16
/* leaver --effective: how far from now a leaving time may be. */
#define CW_EFFECTIVE_PAST_MAX (366LL * 86400)
#define CW_EFFECTIVE_AHEAD_MAX (3660LL * 86400)
/* The longest elevation anyone can ask for: a year. */
#define CW_DURATION_MAX (366LL * 86400)
#define CW_WITHIN_MAX (366LL * 86400)    /* expiring --within */

enum cw_op {
	CW_OP_DECIDE = 0,       /* PAM account phase: decide and record */
	CW_OP_CHECK,            /* clearwayctl check: decide, log nothing */
	CW_OP_SESSION,          /* PAM session open/close, for the trail */
	CW_OP_BREAKGLASS,       /* PAM allowed a break-glass user locally */
	CW_OP_STATUS,           /* clearwayctl status [USER] */
	CW_OP_ELEVATE,          /* clearwayctl elevate USER --role --for ... */
	CW_OP_DROP,             /* clearwayctl drop USER --role R */
	CW_OP_ELEVATIONS,       /* clearwayctl elevations [USER] */
	CW_OP_LEAVER,           /* clearwayctl leaver USER --reason [--effective] */
	CW_OP_REVOKE,           /* clearwayctl revoke USER --reason */
	CW_OP_REINSTATE,        /* clearwayctl reinstate USER --reason */
	CW_OP_QUEUE,            /* clearwayctl queue */
	CW_OP_REPORT,           /* clearwayctl report --month YYYY-MM */
	CW_OP_EXPORT,           /* clearwayctl export [USER], page by page */
	CW_OP_ERASE,            /* clearwayctl erase USER */
	CW_OP_RETRY,            /* clearwayctl retry ID (a dead letter) */
	CW_OP_WHO,              /* clearwayctl who --host-class H, paged */
	CW_OP_EXPIRING,         /* clearwayctl expiring --within D, paged */
	CW_OP_SUSPEND,          /* clearwayctl suspend USER --until --reason */
	CW_OP_UNSUSPEND,        /* clearwayctl unsuspend USER --reason */
	CW_OP_AUDIT_VERIFY,     /* clearwayctl audit verify, as an auditor */
	CW_OP_AUDIT_EXPORT,     /* clearwayctl audit export, paged */
	CW_OP_REQUEST,          /* clearwayctl request --role --for --reason */
	CW_OP_REQUESTS,         /* clearwayctl requests, paged */
	CW_OP_APPROVE,          /* clearwayctl approve ID */
	CW_OP_REJECT,           /* clearwayctl reject ID --reason */
	CW_OP_REVIEW,           /* clearwayctl review --host-class H, paged */
};

enum cw_session_event {
	CW_SESSION_OPEN = 0,
	CW_SESSION_CLOSE,
};

struct cw_request {
	enum cw_op op;
	char user[CW_USER_MAX + 1];
	char host_class[CW_NAME_MAX + 1];
	enum cw_mode mode;
	enum cw_session_event event;
	char service[CW_SERVICE_MAX + 1];
	char rhost[CW_RHOST_MAX + 1];
	char tty[CW_TTY_MAX + 1];
	/* elevate / drop */
	char role[CW_NAME_MAX + 1];
	int64_t duration;               /* seconds, elevate only */
	char reason[CW_REASON_TEXT_MAX + 1];
	char ticket[CW_TICKET_MAX + 1];
	/* leaver: when it takes effect (Unix s; 0 = now) */
	int64_t effective;
	/* check: the instant to decide at (Unix s; 0 = now) */
	int64_t at;
	/* expiring: the window ahead, seconds (1 s to 366 days) */
	int64_t within;
	/* suspend: when the suspension ends (Unix s, in the future);
	 * audit export: the end of the range (0: none) */
	int64_t until;
	/* audit export: the start of the range (Unix s; 0: none), and the
	 * filters (user above; "" any) and the format */
	int64_t since;
	char audit_type[CW_NAME_MAX + 1];
	char host[CW_RHOST_MAX + 1];
	bool csv;
	/* report: "YYYY-MM" */
	char month[8];
	/* export of everything: where the next page starts ("" = first) */
	char cursor[32];
	/* queue, report: the last row of the previous page ("" = first) */
	char after[CW_AFTER_MAX + 1];
	/* retry: the revocation; approve, reject, requests: the request */
	char id[CW_REVID_MAX + 1];
	/* requests: pending, approved, rejected, expired or any ("" =
	 * pending) */
	char state[CW_STATE_MAX + 1];
};

enum cw_status {
	CW_STATUS_OK = 0,
	CW_STATUS_BAD_REQUEST,  /* malformed, oversize, wrong version */
	CW_STATUS_FORBIDDEN,    /* the caller may not ask this */
	CW_STATUS_UNAVAILABLE,  /* no policy data yet */
	CW_STATUS_INTERNAL,
	CW_STATUS_REFUSED,      /* allowed to ask, but the answer is no */
	/*
	 * A change was sent to Redis but its reply was lost (timeout, reset):
	 * it may or may not have been recorded.  Re-running is safe (leaver
	 * and revoke return the open revocation); the CLI says so, exit 3.
	 */
	CW_STATUS_UNKNOWN,
	/*
	 * Turned away before anything was done: the caller is over one of its
	 * per-uid bounds or the daemon's queues are full.  Safe to retry; the
	 * CLI does so within its deadline.
	 */
	CW_STATUS_BUSY,
};

#define CW_MESSAGE_MAX 256

struct cw_response {
	enum cw_status status;
	struct cw_decision decision;    /* meaningful when status is OK */
	char message[CW_MESSAGE_MAX];   /* for humans; never a secret */
	char *data;     /* status, elevations: a JSON object (malloc'd) */
	/* decide: what the PAM module may tell the user (0 = nothing) */
	int64_t training_expires;       /* within 30 days */
	int64_t elevation_ends;         /* the elevation that allowed this */
};

/* Frees resp->data; the struct itself is the caller's. */
void cw_response_free(struct cw_response *r);

/* Length from a frame header; -1 when 0 or over CW_WIRE_MAX_FRAME. */
int cw_frame_length(const unsigned char hdr[CW_WIRE_HEADER], uint32_t *len);
void cw_frame_header(uint32_t len, unsigned char hdr[CW_WIRE_HEADER]);

/*
 * Parse one frame's payload (len bytes, not NUL-terminated).  Every field
 * is checked: names with cw_*_name_valid, free text for length and
 * printable ASCII.  On error err names the field.  Returns 0 or -1.
 * decide, check, session and breakglass need user and host_class; status
 * and elevations may leave user empty (the daemon, or everyone); elevate
 * needs user, role, duration (1..CW_DURATION_MAX) and a non-empty reason
 * (printable ASCII); drop needs user and role; leaver, revoke and
 * reinstate need user and reason (leaver may add effective); report needs
 * month; queue needs nothing (both may add after, a page cursor); retry
 * needs id.  request needs user, role, duration and reason; approve needs
 * id, user, role and duration (the request's, which the daemon checks
 * against the stored one); reject needs id, user and reason; requests
 * may add id, user, state, month; review needs host_class.
 */
int cw_request_parse(const char *buf, size_t len, struct cw_request *out,
    char *err, size_t errlen);
int cw_response_parse(const char *buf, size_t len, struct cw_response *out,
    char *err, size_t errlen);

/* Encode to a malloc'd JSON payload (no header); NULL on failure. */
char *cw_request_encode(const struct cw_request *r, size_t *len);
char *cw_response_encode(const struct cw_response *r, size_t *len);

const char *cw_status_name(enum cw_status s);

#endif
