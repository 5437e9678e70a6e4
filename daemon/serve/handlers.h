/* SPDX-License-Identifier: MIT */
/*
 * handlers.h - what each request on the socket means.
 *
 * The server thread (server.c) owns the connections; for each parsed
 * request it identifies the caller and calls cw_handle_request(), which
 * answers from the in-memory policy data or, for a change, prepares a job
 * for the control worker (control.c), which then owns the connection.
 */
#ifndef CW_HANDLERS_H
#define CW_HANDLERS_H

#include "serve/answers.h"
#include "serve/authz.h"
#include "config.h"
#include "control/control.h"
#include "model/policy_db.h"
#include "sync/sync.h"
#include "wire.h"

struct cw_handler_ctx {
	const struct cw_config *cfg;
	struct cw_db *db;               /* NULL until the first load */
	struct cw_sync *sync;
	const struct cw_strmap *denylist;       /* used while db is NULL */
	struct cw_answers *answers;     /* NULL: none published */
};

/*
 * Fills resp and returns NULL, or returns a job (resp untouched) whose fd
 * the caller must set before submitting it to the control worker.
 */
struct cw_control_job *cw_handle_request(const struct cw_handler_ctx *h,
    const struct cw_caller *caller, const struct cw_request *req,
    struct cw_response *resp);

#endif
