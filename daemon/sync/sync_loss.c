/* SPDX-License-Identifier: MIT */
/*
 * sync_loss.c - what the follow thread does when Redis went back to older
 * data: the repair started (the mirror refreshes from LDAP, early drops
 * made again), memory kept until the refill is in, and with no memory
 * nothing answered from the old data (refill.h keeps what is known
 * across restarts).  Follow thread only.
 */
#include <stdlib.h>
#include <string.h>

#include "ldap_cookie.h"
#include "lib/log.h"
#include "sync/sync.h"

/*
 * The store's sync cookie now (*cookie NULL: none), which says how new
 * its directory data is (refill.h).  0, or -1 with err.
 */
int
cw_sync_store_cookie(struct cw_sync *s, char **cookie, char *err,
    size_t errlen)
{
	size_t len;

	if (cw_store_cookie(&s->follow_store, cookie, &len, err, errlen) < 0)
		return -1;
	if (*cookie != NULL && len != strlen(*cookie)) {
		free(*cookie);          /* a NUL inside: no cookie of slapd's */
		*cookie = NULL;
	}
	return 0;
}

bool
cw_sync_reused(const struct cw_sync *s, const char *cookie)
{
	if (s->refill.loss || s->refill.known == NULL ||
	    !cw_cookie_plausible(cookie) || strcmp(cookie, s->refill.known) == 0)
		return false;
	cw_log(LOG_ALERT, "redis: generation %lld came back with other "
	    "directory data (its sync cookie changed): Redis went back and "
	    "was refilled up to the same number; loading everything",
	    s->generation);
	return true;
}

/*
 * A loss: Redis went back to older data (an old AOF, a failover that
 * lost writes), so its entries, elevations and suspensions are older
 * than memory's.  Handing them over undid every change since Redis's
 * copy (a user suspended in LDAP since was allowed again for 9 s in the
 * fault suite), so memory stays and only the revoked set (the guard's
 * union of both) is taken.  Later changes apply on top; everything is
 * taken again once the mirror's refill is in (refill.h).
 */
void
cw_sync_keep_memory(struct cw_delta *d)
{
	cw_db_free(d->replace);
	d->replace = NULL;
	d->has_elevations = false;
	d->has_suspended = false;
	cw_log(LOG_ALERT, "redis: the store went back to older data: "
	    "answering from the policy data in memory (newer) until the "
	    "directory is refilled from LDAP; only its revoked users are "
	    "taken");
}

/*
 * Before a reload, with the store's cookie: a loss the guard has just
 * seen (*full), or, at the first load since this daemon started,
 * directory data older than it last answered from (a loss while it was
 * stopped), starts the repair (the mirror refreshes from LDAP, early
 * drops made again); once the refill is in, the next reload takes
 * everything (*full, *check).  A running daemon does not compare: a
 * full refresh the mirror had to make (a cookie slapd refused) may
 * legitimately bring an older cookie, and what it wrote is the truth.
 */
void
cw_sync_after_loss(struct cw_sync *s, const char *cookie, bool *full,
    bool *check)
{
	if (!*full && !s->have_db && cw_refill_behind(&s->refill, cookie)) {
		cw_log(LOG_ALERT, "redis: the store's directory data is older "
		    "than this daemon last answered from (its sync cookie "
		    "does not cover %s): Redis lost data", s->refill.known);
		*full = *check = true;
	}
	if (*full) {
		cw_watch_forget(&s->watch);
		s->redrop_pending = s->cfg->daemon.role != CW_ROLE_HOST;
		cw_sync_mirror_restart(s);
		cw_refill_loss(&s->refill, cookie);
		s->empty_logged = false;
	} else if (s->refill.loss && s->have_db &&
	    cw_refill_current(&s->refill, cookie)) {
		/* Drops from memory what the lost store no longer holds. */
		*full = *check = true;
	}
	/* Until every early drop is in again (NOREPLICAS right after a
	 * restart is common): each reload tries again. */
	if (s->redrop_pending && cw_sync_redrop(s) == 0)
		s->redrop_pending = false;
}

/*
 * No policy data in memory and Redis's is older than the directory (a
 * loss not yet refilled): nothing is answered from it.  Logons fail
 * closed ("unavailable"; the deny-list still names the revoked) until
 * the mirror's refill is in.
 */
void
cw_sync_wait_refill(struct cw_sync *s)
{
	if (!s->empty_logged)
		cw_log(LOG_ALERT, "redis: no policy data in memory and the "
		    "store's is older than the directory (a loss not yet "
		    "refilled from LDAP): logons fail closed until a central "
		    "daemon's mirror has refilled it");
	s->empty_logged = true;
}
