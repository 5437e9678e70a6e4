/* SPDX-License-Identifier: MIT */
/*
 * store_guard.h - a Redis that loses data must never un-revoke anyone.
 *
 * The follow thread (sync.c) passes every reload that carries the revoked
 * set through the guard: a full load, a delta whose change log names a
 * revocation or a reinstate, and every check the guard asks for
 * (cw_guard_identity sets the store's load_sets: after an outage, a loss,
 * a change in open revocations, and at least once a minute):
 *
 *   - Identity.  The store carries an epoch (keys.h), made once with the
 *     data.  An epoch that is missing or not the one this host knew
 *     (FLUSHALL, a restart without its files, a failover to another
 *     server), or a generation lower than the highest this host saw in
 *     that epoch (an older AOF/RDB, a lagging replica), is a loss, never
 *     news.
 *   - Content.  The host's deny-list only grows from what Redis says.  A
 *     user on it whom Redis no longer lists as revoked is taken off only
 *     when Redis holds a reinstate marker newer (same epoch, higher
 *     generation) than the host's stamp for the user: `reinstate` is the
 *     one way out.  Otherwise Redis forgot, which is a loss too; this
 *     also catches old data come back at the same epoch and generation.
 *   - Re-assertion.  On a loss the host puts back into Redis what it
 *     knows: the users of its deny-list, and the open revocations it
 *     keeps copies of (hoststate.h), submitted again under their own ids
 *     so that they are queued and their steps still run.  Every host does
 *     the same, idempotently.  The loss is logged at LOG_ALERT and
 *     audited (store_loss).
 *
 * Whatever Redis says, the revoked set handed to the server is the
 * host's deny-list, which is also what <state_dir>/revoked.list holds.
 * Owned by the follow thread; not thread-safe.
 */
#ifndef CW_STORE_GUARD_H
#define CW_STORE_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "model/hoststate.h"
#include "model/policy_db.h"
#include "store/store.h"

struct cw_guard {
	struct cw_store *store;
	char denylist_path[512];
	char state_path[512];
	struct cw_hoststate hs;
	bool verify;            /* compare everything at the next reload */
	bool loss;              /* a loss is being repaired */
	bool dirty;             /* a new epoch to persist */
	char loss_why[200];
	char loss_old_epoch[CW_EPOCH_LEN + 1];
	long long loss_old_gen;
	int64_t records_checked;        /* when open copies were refreshed */
	size_t last_count;              /* revoked users Redis listed */
	long long last_open;            /* revocations open in Redis */
	bool records_due;               /* refresh the copies now */
	/* role = host: reads only (a read_only store, store.h).  A loss
	 * is still seen and its users still denied here; putting them
	 * back in Redis is left to the central role, whose user may
	 * write. */
	bool read_only;
};

/*
 * Loads the deny-list and the state file of state_dir.  A damaged file
 * is an error (guessing could let a leaver in).  0 or -1 with err.
 */
int cw_guard_init(struct cw_guard *g, struct cw_store *st,
    const char *state_dir, char *err, size_t errlen);
void cw_guard_free(struct cw_guard *g);

/* The deny-list (uid -> stamp), for the caller to read. */
const struct cw_strmap *cw_guard_denied(const struct cw_guard *g);

/*
 * Before a reload: the store's identity and generation.  *full is set
 * when everything must be loaded (a loss: logged now, repaired by the
 * next cw_guard_revoked), *check when the reload must happen even if the
 * generation did not change (after an outage or a loss).  0, or -1 when
 * Redis cannot be read (a check is then due when it answers again).
 */
int cw_guard_identity(struct cw_guard *g, long long *gen, bool *full,
    bool *check, char *err, size_t errlen);

/* Redis stopped answering or the connection broke: check on return. */
void cw_guard_suspect(struct cw_guard *g);

/*
 * Reconciles a loaded revoked set with the deny-list: new users are
 * added (stamped), users reinstated since are removed, forgotten ones
 * are put back into Redis; lost open revocations are submitted again.
 * Then d->revoked becomes the deny-list, which is persisted.  Returns
 * true when a loss was repaired in this call.
 */
bool cw_guard_revoked(struct cw_guard *g, struct cw_delta *d);

/*
 * The same for a delta that carries only the changes of the revoked set
 * (d->revoked_changes: the users its log names, in or out of it now):
 * users now in it are added (stamped); users out of it leave the
 * deny-list only with a newer reinstate marker, otherwise they are put
 * back into Redis and stay denied.  Then d->revoked_add and revoked_del
 * are the deny-list's changes (del keeps only those it lost), persisted.
 * The whole set is compared at the guard's next check (a minute at most,
 * or after any outage or loss).
 */
void cw_guard_revoked_changes(struct cw_guard *g, struct cw_delta *d);

#endif
