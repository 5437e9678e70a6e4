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
	/* Told of every revocation filed (cw_sync_filed), or NULL. */
	void (*filed)(void *arg, const struct cw_revocation *r);
	void *filed_arg;
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

#endif
