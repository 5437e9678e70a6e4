/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.h - a token bucket per uid, for requests from unprivileged
 * callers (issue 10): no one local user may make the daemon do more than
 * its share, whatever it sends.
 *
 * Pure logic: no I/O, no clock reads (time is an argument), no locking
 * (one thread owns a table).  The table is fixed in size; a uid not in it
 * takes the slot of the one seen longest ago, and starts with a full
 * bucket.
 */
#ifndef CW_RATELIMIT_H
#define CW_RATELIMIT_H

#include <stdbool.h>
#include <sys/types.h>

#define CW_RATELIMIT_SLOTS 256

struct cw_ratelimit {
	double per_ms;                  /* refill rate */
	double burst;                   /* bucket size */
	struct cw_rate_bucket {
		uid_t uid;
		bool used;
		double tokens;
		long long at_ms;        /* last refill */
	} slot[CW_RATELIMIT_SLOTS];
};

/* per_s requests a second on average, burst at once. */
void cw_ratelimit_init(struct cw_ratelimit *rl, double per_s, double burst);

/* Takes one token of uid's at now_ms; false when its bucket is empty. */
bool cw_ratelimit_take(struct cw_ratelimit *rl, uid_t uid, long long now_ms);

#endif
