/* SPDX-License-Identifier: MIT */
/*
 * anomaly.h - anomaly alerts (9.5.2) from the stream of PAM decisions.
 *
 * Pure: no I/O, no clock (now is an argument, monotonic milliseconds), no
 * locking (the caller serializes).  It says which alerts a decision
 * raises; the caller logs them (LOG_ALERT) and records them (anomaly_alert
 * events).
 *
 * Kinds and what raises them (one decision may raise several):
 *   revoked_logon  reason "revoked": the user has a revocation
 *   leaver_logon   reason "left" or "not_active": a leaver (cwLeavingDate
 *                  passed, or cwEmploymentStatus not active: the daemon's
 *                  decision does not say leaver or suspended, and an
 *                  attempt by either is worth an alert)
 *   breakglass     reason "breakglass", or a breakglass event
 *   user_denials   at least user_denials denials of one user within the
 *                  window
 *   host_denials   at least host_denials denials from one remote host
 *                  within the window (local logons, with no rhost, are
 *                  not counted per host)
 *   forged_host    (the writer's, never from a decision) an event in one
 *                  host's audit stream claimed to be another host's
 * Only verdict "deny" counts as a denial ("unavailable" is our failure,
 * not the user's).  Each (kind, user or host) raises at most one alert per
 * window: a burst of 500 denials is one alert, and the same burst still
 * going on a window later is one more.
 *
 * Counting is in tenths of the window (a ring of 10 buckets per key), so
 * "within the window" means within the last 90 to 100% of it; memory is
 * fixed (CW_ANOMALY_SLOTS keys; when they are all busy the least recently
 * seen key nearby is forgotten, never the decision).
 */
#ifndef CW_ANOMALY_H
#define CW_ANOMALY_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"

#define CW_ANOMALY_SLOTS 4096
#define CW_ANOMALY_MAX_ALERTS 3         /* per decision */
#define CW_ANOMALY_REASON_MAX 32

enum cw_alert_kind {
	CW_ALERT_REVOKED_LOGON = 0,
	CW_ALERT_LEAVER_LOGON,
	CW_ALERT_BREAKGLASS,
	CW_ALERT_USER_DENIALS,
	CW_ALERT_HOST_DENIALS,
	/* Raised by the central writer, not by decisions: an event in host
	 * h's audit stream claimed another host (audit_writer_read.c). */
	CW_ALERT_FORGED_HOST,
	CW_ALERT_KIND_COUNT
};

struct cw_anomaly_config {
	int user_denials;
	int host_denials;
	int window_s;
};

struct cw_alert {
	enum cw_alert_kind kind;
	/* user, or the remote host for host_denials: text made safe for a
	 * log line (printable ASCII; anything else '?') */
	char subject[CW_AUDIT_TEXT_MAX + 1];
	char user[CW_AUDIT_TEXT_MAX + 1];
	char rhost[CW_AUDIT_TEXT_MAX + 1];
	char reason[CW_ANOMALY_REASON_MAX + 1];
	int64_t count;          /* denials in the window (1 for the others) */
	int window_s;
};

struct cw_anomaly;

const char *cw_alert_kind_name(enum cw_alert_kind k);

/* NULL on allocation failure; thresholds below 1 count as 1. */
struct cw_anomaly *cw_anomaly_new(const struct cw_anomaly_config *c);
void cw_anomaly_free(struct cw_anomaly *a);

/*
 * One decision.  user and rhost may be NULL or "".  Fills out[] with the
 * alerts it raises and returns how many (0..CW_ANOMALY_MAX_ALERTS).
 */
size_t cw_anomaly_decision(struct cw_anomaly *a, const char *user,
    const char *rhost, const char *verdict, const char *reason,
    int64_t now_ms, struct cw_alert out[CW_ANOMALY_MAX_ALERTS]);

/* A break-glass use seen as an event.  Returns 0 or 1 (rate-limited). */
size_t cw_anomaly_breakglass(struct cw_anomaly *a, const char *user,
    const char *rhost, int64_t now_ms, struct cw_alert *out);

#endif
