/* SPDX-License-Identifier: MIT */
/*
 * requests.h - access requests, carried out by the control worker:
 * clearwayctl request (file one), requests (list them, page by page),
 * approve ID (grant the elevation it asks for, as elevate would), reject
 * ID --reason, and the expiry of requests nobody answered in time
 * ([policy] request_expiry_hours).  Every state change is audited
 * (access_requested, access_approved, access_rejected,
 * access_request_expired), which also notifies: approvers of a new
 * request, the requester of its answer.
 *
 * The server thread has already checked what needs the policy data (the
 * role, the duration, the requester's gates and clearance, the approver's
 * clearance, no self-approval) and put the grant in the job; the store's
 * script refuses unless the stored request is the one that was checked.
 */
#ifndef CW_REQUESTS_H
#define CW_REQUESTS_H

#include "control/control.h"
#include "store/store.h"

/*
 * Carries out j (request, requests, approve, reject) for actor, filling
 * resp.  Returns the generation to wait for (an approval's grant), 0,
 * or -1 with err when Redis failed.
 */
long long cw_requests_run(struct cw_store *st, const struct cw_config *cfg,
    const struct cw_control_job *j, const char *actor,
    struct cw_response *resp, char *err, size_t errlen);

/* Expires the requests whose time is up, auditing each.  How many, or -1
 * with err. */
int cw_requests_expire(struct cw_store *st, int64_t now, char *err,
    size_t errlen);

#endif
