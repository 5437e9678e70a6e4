/* SPDX-License-Identifier: MIT */
/*
 * status.h - what clearwayctl status shows: one person's synced record, or
 * the daemon's own state (sync, Redis, counts), as a JSON object.
 */
#ifndef CW_STATUS_H
#define CW_STATUS_H

#include <stdint.h>

#include "model/policy_db.h"
#include "sync/sync.h"

/*
 * uid NULL or "": the daemon's state.  Returns a malloc'd JSON object
 * text, or NULL on allocation failure.  db may be NULL (no data yet).
 */
char *cw_status_json(struct cw_db *db, const struct cw_sync_status *ss,
    const char *uid, int64_t now);

/*
 * How far behind the directory this host's answers may be, in seconds:
 * 0 while it follows Redis and (on a syncing host) the directory in
 * persist mode, caught up; otherwise the time since that was last
 * confirmed (the connection lost).  -1 when not known yet.
 */
int64_t cw_sync_lag_seconds(const struct cw_sync_status *ss, int64_t now);

#endif
