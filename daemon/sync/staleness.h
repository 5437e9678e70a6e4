/* SPDX-License-Identifier: MIT */
/*
 * staleness.h - how old this host's data is: the time since it last
 * heard from Redis, and what that means for decisions ([daemon]
 * offline_grace and admin_max_staleness, docs/deployment.md).
 *
 * Contact is a successful read that leaves the host up to date: the
 * store's identity and generation read (with any change it shows
 * applied), or an XREAD BLOCK on the change log that returned, news or
 * not (an empty reply after the block is Redis saying "nothing new").
 * The follow thread records it (cw_sync_contact); the server measures
 * from it at each decision, and core/policy.c is told the result.
 */
#ifndef CW_STALENESS_H
#define CW_STALENESS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/*
 * A host clock further than this from Redis's is not trusted: decisions
 * read Redis's time instead, carried forward from the last look on the
 * monotonic clock (which a step does not move).  A clock stepped by hand
 * or by a broken NTP must not end a suspension early, stretch a grant or
 * move a date on one host of the fleet, not even between two looks.
 */
#define CW_CLOCK_TOLERANCE_S 30

/* The last contact, as the follow thread recorded it. */
struct cw_contact {
	long long mono_ms;      /* cw_now_ms() of the contact; 0: never */
	int64_t at;             /* the same instant, Unix s (decision clock) */
	int64_t offline_at;     /* offline_grace ends (Unix s); 0: never */
	/* Redis's TIME at the last look (ms; 0: never) and cw_now_ms()
	 * then.  Kept through outages. */
	long long clock_redis_ms, clock_mono_ms;
};

struct cw_staleness {
	int64_t now;            /* the decision clock, Unix s */
	int64_t age_s;          /* since the last contact; -1: never */
	int64_t offline_at;     /* Unix s; 0: no contact yet */
	bool offline_expired;   /* past offline_grace: no allow from data */
	bool admin_stale;       /* older than admin_max_staleness */
	/*
	 * When the data stops being fresh enough without another contact,
	 * on cw_now_ms()'s clock: a configured offline_grace (0: the default
	 * one, which ends at offline_at), and admin_max_staleness (0: no
	 * contact yet).  The answer table bounds its allows with them.
	 */
	long long offline_until_ms, admin_until_ms;
};

/*
 * From the last contact to now (now_ms on cw_now_ms()'s clock, now in
 * Unix s).  A configured offline_grace is measured on the monotonic
 * clock; the default (one working day) ends at c->offline_at.  Before
 * any contact nothing is stale: there is no data to be old (the server
 * answers "unavailable" without data anyway).
 */
void cw_staleness_eval(const struct cw_config *cfg,
    const struct cw_contact *c, long long now_ms, int64_t now,
    struct cw_staleness *out);

/*
 * The decision clock at now_ms (cw_now_ms()): wall (this host's, Unix s)
 * unless it is more than CW_CLOCK_TOLERANCE_S from Redis's time carried
 * forward from c's last look; then that.  Pure.
 */
int64_t cw_staleness_now(const struct cw_contact *c, long long now_ms,
    int64_t wall);

#endif
