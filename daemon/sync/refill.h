/* SPDX-License-Identifier: MIT */
/*
 * refill.h - never answer from directory data older than this daemon has
 * already answered from, across restarts.
 *
 * Redis can go back to older data (an old AOF, a failover that lost
 * writes); its LDAP entries are then older than the directory, and a
 * user suspended or gone since looks allowed again.  A daemon that still
 * holds newer data keeps answering from memory until the mirror has
 * refilled Redis from LDAP (sync.c, keep_memory).  A daemon that starts
 * during that time has no memory: it must not take Redis's data either.
 * So what it knows survives a restart, in <state_dir>/directory.state
 * (JSON, mode 0600, replaced atomically, parsed here only):
 *
 *   {"version": 1, "cookie": <the sync cookie of the newest data this
 *    daemon answered from, or null>, "loss": <a loss awaits its refill>,
 *    "loss_cookie": <the cookie Redis held when the loss was seen, or
 *    null>}
 *
 * The store is refilled when its cookie shows it: another cookie than
 * at the loss (the mirror writes one only with the changes it covers,
 * and only on top of its own last write: a refresh from the old cookie
 * has run), or one that covers the newest this daemon answered from
 * (ldap_cookie.h: a refill done while it was stopped).  Owned by the
 * follow thread.
 */
#ifndef CW_REFILL_H
#define CW_REFILL_H

#include <stdbool.h>
#include <stddef.h>

struct cw_refill {
	char path[512];
	char *known;            /* cookie answered from; NULL: none known */
	bool loss;              /* a loss awaits the mirror's refill */
	char *loss_cookie;      /* Redis's cookie at the loss; NULL: none */
};

/*
 * Loads <state_dir>/directory.state (none: nothing known, no loss).  A
 * damaged file is an error: guessing could answer from old data.  0, or
 * -1 with err.
 */
int cw_refill_init(struct cw_refill *r, const char *state_dir, char *err,
    size_t errlen);
void cw_refill_free(struct cw_refill *r);

/*
 * Whether a store whose cookie is store_cookie (NULL: none) may be
 * answered from: no loss is pending, or the store is refilled.  Also
 * true when nothing is known yet.  Pure.
 */
bool cw_refill_current(const struct cw_refill *r, const char *store_cookie);

/*
 * Whether a store that is not in a known loss holds older directory data
 * than this daemon answered from (its cookie does not cover the known
 * one): at a start, a loss while it was stopped.  A store without a
 * cookie, or with one that is not slapd's, is not behind: a full
 * refresh is under way or due (each entry it writes is newer), or
 * nothing syncs.  Pure.
 */
bool cw_refill_behind(const struct cw_refill *r, const char *store_cookie);

/* A loss is seen while Redis holds store_cookie: persisted at once. */
void cw_refill_loss(struct cw_refill *r, const char *store_cookie);

/*
 * Data stamped with store_cookie is answered from (the loss, if any, is
 * over): persisted when anything changed.
 */
void cw_refill_answered(struct cw_refill *r, const char *store_cookie);

#endif
