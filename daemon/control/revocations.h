/* SPDX-License-Identifier: MIT */
/*
 * revocations.h - clearwayctl's revocation requests (leaver, revoke,
 * reinstate, queue, report), carried out by the control worker.
 */
#ifndef CW_REVOCATIONS_H
#define CW_REVOCATIONS_H

#include "calendar.h"
#include "revoke/revocation_queue.h"
#include "store/store.h"
#include "wire.h"

struct cw_revocation_ctx {
	struct cw_store *store;
	const struct cw_calendar *calendar;
	double warn_fraction;
};

/*
 * Carries out req (leaver, revoke, reinstate, queue, report, retry) for
 * actor, filling resp (data, or a refusal).  Returns 0, or -1 with err
 * when Redis could not be used: nothing was recorded, unless the store's
 * connection says the reply was lost after sending (cw_redis_unanswered).
 */
int cw_revocation_request(const struct cw_revocation_ctx *x,
    const struct cw_request *req, const char *actor,
    struct cw_response *resp, char *err, size_t errlen);

/*
 * Emits r's revocation_requested audit record unless it is out already
 * (r->audited, or marked in Redis by someone else first): exactly one per
 * revocation, whoever files it (CLI, sync) or finds it unaudited (a
 * revoker claiming it after its filer lost the reply).
 */
void cw_revocation_audit_requested(struct cw_store *st,
    const struct cw_revocation *r, int64_t now);

#endif
