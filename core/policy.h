/* SPDX-License-Identifier: MIT */
/*
 * policy.h - the logon decision (contract section 2), as a pure function.
 *
 * No I/O, no clock, no globals: everything the decision depends on is in
 * struct cw_policy_input, so the same inputs always give the same answer,
 * in the daemon, in clearwayctl check and in the unit tests.
 */
#ifndef CW_POLICY_H
#define CW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

enum cw_mode {
	CW_MODE_LOGIN = 0,
	CW_MODE_ADMIN,          /* privileged services: sudo, su */
};

enum cw_verdict {
	CW_VERDICT_DENY = 0,    /* zero is the safe default */
	CW_VERDICT_ALLOW,
	CW_VERDICT_IGNORE,      /* exempt: let the rest of the stack decide */
	CW_VERDICT_UNAVAILABLE, /* no decision could be made: deny */
};

/* Reason codes, in the contract's order; names via cw_reason_name(). */
enum cw_reason {
	CW_REASON_POLICY_UNAVAILABLE = 0,
	CW_REASON_BREAKGLASS,
	CW_REASON_EXEMPT,
	CW_REASON_UNKNOWN_HOST_CLASS,
	CW_REASON_UNKNOWN_USER,
	CW_REASON_REVOKED,
	CW_REASON_SUSPENDED,    /* project extension: clearwayctl suspend */
	CW_REASON_RECORD_INVALID,
	CW_REASON_NOT_ACTIVE,
	CW_REASON_LEFT,
	CW_REASON_CHECKS_INCOMPLETE,
	CW_REASON_RIGHT_TO_WORK_EXPIRED,
	CW_REASON_CLEARANCE_INSUFFICIENT,
	CW_REASON_CLEARANCE_EXPIRED,
	CW_REASON_TRAINING_EXPIRED,
	CW_REASON_ELEVATION_REQUIRED,
	CW_REASON_NO_ROLE,
	CW_REASON_OK,
	CW_REASON_OK_ELEVATED,
	CW_REASON_COUNT
};

#define CW_TRAINING_VALIDITY_DAYS_DEFAULT 365

/*
 * A time-bound grant of a role: active while start <= now < end.  Who
 * approved it and why ride along for status and the audit trail; the
 * decision uses only role, start and end.
 */
struct cw_elevation {
	char role[CW_NAME_MAX + 1];
	int64_t start;
	int64_t end;
	char approver[CW_USER_MAX + 1];
	char reason[257];
	char ticket[65];
};

/* Role definitions sorted by name (cw_role_table_sort) for bsearch. */
struct cw_role_table {
	const struct cw_role_def *defs;
	size_t count;
};

struct cw_policy_input {
	const struct cw_staff *staff;           /* NULL: no staff record */
	const struct cw_host_class *host_class; /* NULL: not defined */
	struct cw_role_table roles;
	const struct cw_elevation *elevations;  /* the subject's, any state */
	size_t nelevations;
	bool revoked;           /* a revocation is queued, in progress or done */
	int64_t suspended_until;        /* denied while now < this (0: not) */
	bool breakglass;        /* subject is in breakglass_users */
	bool exempt;            /* subject is in exempt_users */
	enum cw_mode mode;
	int64_t now;
	unsigned training_validity_days;
	/*
	 * How old the data is, as the caller measured it (this function
	 * reads no clock): past [daemon] offline_grace without contact with
	 * the store, or (admin mode only) older than admin_max_staleness.
	 * Then what would be allowed is "unavailable" (policy_unavailable);
	 * every deny, revoked above all, stays, and break-glass still works.
	 */
	bool offline_expired;
	bool admin_stale;
};

struct cw_decision {
	enum cw_verdict verdict;
	enum cw_reason reason;
};

/* Decides; the first matching rule of contract section 2 wins. */
struct cw_decision cw_decide(const struct cw_policy_input *in);

/*
 * The first instant after in->now at which cw_decide's answer for in may
 * differ: the earliest of the instants its rules compare that is still
 * ahead (leaving date, right-to-work and clearance expiry, training's
 * lapse, a suspension's end, an elevation's start or end); INT64_MAX if
 * none.  The answer is the same at every instant of [now, the result).
 * The staleness flags are the caller's to bound: they are not instants.
 */
int64_t cw_decide_stable_until(const struct cw_policy_input *in);

/*
 * The person's own standing, the gates that do not depend on a host
 * (unknown, revoked, suspended until suspended_until, invalid,
 * employment, leaving date, checks, right to work, clearance expiry,
 * training): OK when all pass.  Used to decide
 * whether someone may act in a role (an approver with expired training
 * approves nothing) and whether someone may be elevated.
 */
struct cw_decision cw_decide_person(const struct cw_staff *staff,
    bool revoked, int64_t suspended_until, int64_t now,
    unsigned training_validity_days);

/* Sorts defs in place by name; call once when building a role table. */
void cw_role_table_sort(struct cw_role_def *defs, size_t count);
const struct cw_role_def *cw_role_table_find(const struct cw_role_table *t,
    const char *name);

const char *cw_reason_name(enum cw_reason r);
/* Exact name -> reason; -1 if unknown. */
int cw_reason_parse(const char *name, enum cw_reason *out);
const char *cw_verdict_name(enum cw_verdict v);
int cw_verdict_parse(const char *name, enum cw_verdict *out);
const char *cw_mode_name(enum cw_mode m);
int cw_mode_parse(const char *name, enum cw_mode *out);

#endif
