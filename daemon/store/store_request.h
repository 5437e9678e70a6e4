/* SPDX-License-Identifier: MIT */
/*
 * store_request.h - access requests in Redis (keys.h: requests ...):
 * clearwayctl request files one, approve / reject answer it (an approval
 * grants the elevation in the same script), and unanswered ones expire.
 * Each state change is one Lua script (store/lua/request_*.lua), so the
 * record, its indexes and the grant never disagree.
 *
 * Bounds: at most CW_REQUESTS_PER_USER pending of one person and
 * CW_REQUESTS_PENDING_MAX in all (a request over either is refused with
 * a clear message), one pending per person and role, and at most
 * CW_REQUESTS_LOG_MAX records kept (the oldest answered ones are
 * forgotten first; the audit trail keeps every step).
 */
#ifndef CW_STORE_REQUEST_H
#define CW_STORE_REQUEST_H

#include <stdint.h>

#include "store/store.h"
#include "wire.h"

#define CW_REQUESTS_PER_USER 5
#define CW_REQUESTS_PENDING_MAX 1000
#define CW_REQUESTS_LOG_MAX 10000

struct cw_access_request {
	char id[CW_REVID_MAX + 1];
	char user[CW_USER_MAX + 1];
	char role[CW_NAME_MAX + 1];
	int64_t duration;               /* seconds asked for */
	char reason[CW_REASON_TEXT_MAX + 1];
	char ticket[CW_TICKET_MAX + 1];
	int64_t created, expires;
	char clearance[16];             /* the role's, when filed */
	char state[CW_STATE_MAX + 1];   /* pending approved rejected expired */
	char by[CW_USER_MAX + 1];       /* who answered ("clearwayd": expired) */
	char note[CW_REASON_TEXT_MAX + 1];      /* a rejection's reason */
	int64_t answered;
};

enum cw_request_outcome {
	CW_REQ_OK = 0,
	CW_REQ_USER_FULL,       /* submit: the person's pending are at the cap */
	CW_REQ_TOTAL_FULL,      /* submit: all pending are at the cap */
	CW_REQ_DUPLICATE,       /* submit: one for this role is pending (id) */
	CW_REQ_MISSING,         /* answer: no such request (or forgotten) */
	CW_REQ_ANSWERED,        /* answer: not pending any more (state) */
	CW_REQ_EXPIRED,         /* answer: its time is up */
	CW_REQ_MISMATCH,        /* answer: not the request that was checked */
};

/*
 * Files r (user role duration reason ticket created expires clearance
 * set).  On CW_REQ_OK, out is the stored record (with its id); on
 * CW_REQ_DUPLICATE, out->id is the pending one's; on *_FULL, out->id
 * holds the count.  The outcome, or -1 with err.
 */
int cw_store_request_submit(struct cw_store *st,
    const struct cw_access_request *r, struct cw_access_request *out,
    char *err, size_t errlen);

/*
 * Approves (grant non-NULL: the elevation to write, checked against the
 * policy data for user, role and duration) or rejects (grant NULL) the
 * pending request id of user, by `by`, with note.  On CW_REQ_OK out is
 * the answered record and *gen the generation the grant made (0 for a
 * rejection); on CW_REQ_ANSWERED out->state is its state.  The outcome,
 * or -1 with err.
 */
int cw_store_request_answer(struct cw_store *st, const char *id,
    const char *user, const struct cw_elevation *grant, int64_t duration,
    const char *by, const char *note, int64_t now,
    struct cw_access_request *out, long long *gen, char *err,
    size_t errlen);

/* Expires up to limit requests due at now, calling expired() for each.
 * How many, or -1 with err. */
int cw_store_request_expire(struct cw_store *st, int64_t now, int limit,
    void (*expired)(const struct cw_access_request *r, void *arg),
    void *arg, char *err, size_t errlen);

/*
 * One page of the log: up to count records with ids after `after` (0:
 * from the first), each passed to row(); *last is the last id scanned (0
 * when none: the log is exhausted).  0, or -1 with err.
 */
int cw_store_request_page(struct cw_store *st, long long after, int count,
    void (*row)(const struct cw_access_request *r, void *arg), void *arg,
    long long *last, char *err, size_t errlen);

/* One request by id: 1 found, 0 not, -1 with err. */
int cw_store_request_get(struct cw_store *st, const char *id,
    struct cw_access_request *out, char *err, size_t errlen);

/* Parses a stored record: 0, or -1 when it is not one. */
int cw_access_request_parse(const char *json, size_t len,
    struct cw_access_request *out);

#endif
