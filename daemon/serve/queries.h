/* SPDX-License-Identifier: MIT */
/*
 * queries.h - the questions operators ask of the policy data, answered
 * by the server thread from memory, a page at a time so that no answer
 * holds the decision loop for long:
 *
 *   who --host-class H [--mode M]   everyone with a record, and the
 *                                   decision for each here and now
 *   expiring --within D             each dated gate that lapses within D,
 *                                   and the host classes whose access it
 *                                   ends (core/forecast.h)
 *
 * A page covers whole buckets of the staff index (at least
 * CW_QUERY_PAGE people) and names where the next starts ("next"), with
 * the data's generation: pages of one generation cover everyone once.
 */
#ifndef CW_QUERIES_H
#define CW_QUERIES_H

#include "serve/handlers.h"
#include "wire.h"

#define CW_QUERY_PAGE 200

/* Fills a person's policy input as a decision here would (the
 * configuration's break-glass and exempt users included). */
void cw_query_input(const struct cw_handler_ctx *h, const char *uid,
    const char *host_class, enum cw_mode mode, int64_t now,
    struct cw_policy_input *in);

void cw_query_who(const struct cw_handler_ctx *h, const struct cw_request *req,
    struct cw_response *resp);
void cw_query_expiring(const struct cw_handler_ctx *h,
    const struct cw_request *req, struct cw_response *resp);

#endif
