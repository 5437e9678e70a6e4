/* SPDX-License-Identifier: MIT */
/*
 * status.h - what clearwayctl status shows: one person's synced record, or
 * the daemon's own state (sync, Redis, counts), as a JSON object.
 */
#ifndef CW_STATUS_H
#define CW_STATUS_H

#include <stdint.h>

#include "model/policy_db.h"
#include "serve/answers.h"
#include "sync/sync.h"

/*
 * uid NULL or "": the daemon's state (with its role, the staleness of
 * its data, st, and the answer table's counts, as).  Returns a malloc'd
 * JSON object text, or NULL on allocation failure.  db may be NULL (no
 * data yet).
 */
char *cw_status_json(struct cw_db *db, const struct cw_sync_status *ss,
    const struct cw_staleness *st, const struct cw_answers_stats *as,
    const struct cw_config *cfg, const char *uid, int64_t now);

#endif
