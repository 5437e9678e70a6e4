/* SPDX-License-Identifier: MIT */
/*
 * entry_watch.h - what the sync thread notices in entries as they change:
 *   - a value that fails validation is logged once per entry and reason,
 *     naming both (the record itself denies as record_invalid);
 *   - a leaver (cwEmploymentStatus leaver, or a cwLeavingDate that has
 *     passed) is recorded and handed to the revocation queue as a
 *     sync_leaver revocation, once per person (idempotent in Redis, so a
 *     fleet files it once); [daemon] revoke_leavers = no only records it;
 *   - so is an account locked for good in the directory
 *     (pwdAccountLockedTime 000001010000Z, as the revocation step locks)
 *     whom the revoked set lacks and no reinstate freed: after Redis lost
 *     data, the directory still says who was revoked.
 */
#ifndef CW_ENTRY_WATCH_H
#define CW_ENTRY_WATCH_H

#include <stdint.h>

#include "calendar.h"
#include "model/policy_db.h"
#include "store/store.h"
#include "lib/strmap.h"

struct cw_entry_watch {
	struct cw_store *store;
	const struct cw_calendar *calendar;     /* for the deadline */
	bool revoke_leavers;
	struct cw_strmap invalid;       /* uuid -> reason last logged */
	struct cw_strmap leaving;       /* uid -> leaving date (future) */
	struct cw_strmap recorded;      /* uid -> 1: leaver event written */
	struct cw_strmap pending;       /* uid -> leaver to file at the tick */
	bool (*stopping)(void *);       /* the owner is stopping (or NULL) */
	void *stopping_arg;
};

void cw_watch_init(struct cw_entry_watch *w, struct cw_store *store,
    const struct cw_calendar *calendar, bool revoke_leavers);

/*
 * While stopping(arg) says the owner is stopping, no more leavers are
 * filed (each is a Redis write: thousands would hold up a SIGTERM); those
 * left are filed at the next start, when every entry is seen again.
 */
void cw_watch_set_stopping(struct cw_entry_watch *w, bool (*stopping)(void *),
    void *arg);

void cw_watch_free(struct cw_entry_watch *w);

/*
 * Looks at every entry a delta brings (before it is handed over).  The
 * leavers it finds are only noted: cw_watch_tick files them (Redis
 * writes), after the delta reached the server, so that a leaver is denied
 * without waiting for the filing.
 */
void cw_watch_delta(struct cw_entry_watch *w, const struct cw_delta *d,
    int64_t now);

/*
 * Forgets which leavers were filed: after Redis lost data, every leaver
 * the directory still shows is filed again (idempotent by id).
 */
void cw_watch_forget(struct cw_entry_watch *w);

/* Files the leavers the last deltas brought, then those whose leaving
 * date has now passed. */
void cw_watch_tick(struct cw_entry_watch *w, int64_t now);

#endif
