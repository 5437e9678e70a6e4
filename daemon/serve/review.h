/* SPDX-License-Identifier: MIT */
/*
 * review.h - clearwayctl review --host-class H (issue 17, Annex 1 7.1,
 * least privilege): who may log on to the class now and through what:
 * the standing roles that give login access (cwRole in cwLoginRole,
 * whose clearance the person meets), and running elevations to the
 * class's login or admin roles.  Answered by the server thread from
 * memory, a page of whole staff-index buckets at a time, as who is
 * (queries.h); clearwayctl joins it with each person's last logon from
 * the audit trail and flags standing roles unused for N days.
 */
#ifndef CW_REVIEW_H
#define CW_REVIEW_H

#include "serve/handlers.h"
#include "wire.h"

void cw_query_review(const struct cw_handler_ctx *h,
    const struct cw_request *req, struct cw_response *resp);

#endif
