/* SPDX-License-Identifier: MIT */
/*
 * sync_lead.h - exactly one sync leader among the daemons that sync
 * (store/lease.h): the mirror thread of each is a candidate for the lease
 * <prefix>sync:leader; only the holder runs the RFC 4533 session and
 * writes the directory data into Redis, every write fenced by its token.
 */
#ifndef CW_SYNC_LEAD_H
#define CW_SYNC_LEAD_H

#include <stdbool.h>

struct cw_sync;

/*
 * The lease's ttl.  A dead leader is replaced within about this long
 * (plus CW_SYNC_CANDIDATE_MS and the new leader's incremental refresh).
 * Renewed every third of it, so one renewal lost to the Redis client's
 * default 2 s timeout is made good by the next before the lease lapses.
 */
#define CW_SYNC_LEASE_MS 4000
/* How often a candidate asks for the lease. */
#define CW_SYNC_CANDIDATE_MS 250

/* Names the lease on the mirror's connection and fences the mirror's
 * store with it.  Called by cw_sync_start.  0 or -1. */
int cw_sync_lead_init(struct cw_sync *s);

/*
 * On the mirror thread, before each round: takes the lease when free
 * (candidate) or renews it when due (leader).  On losing it (taken over,
 * a write refused, or no renewal for a whole ttl) stops the sync session,
 * logs it and emits an audit event.  True while this daemon leads.
 */
bool cw_sync_lead(struct cw_sync *s);

/* A candidate's pause (CW_SYNC_CANDIDATE_MS, or until stopping); it
 * leaves the follow thread's pokes to the follow thread. */
void cw_sync_lead_wait(struct cw_sync *s);

/* On the mirror thread's way out: gives the lease up, so that another
 * central takes over at once rather than after the ttl. */
void cw_sync_lead_end(struct cw_sync *s);

#endif
