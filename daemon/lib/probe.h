/* SPDX-License-Identifier: MIT */
/*
 * probe.h - a bounded lookup in a fixed table of slots keyed by strings,
 * for the daemon's tables that must never grow, whatever keys arrive
 * (audit/anomaly.c: keys being counted; audit/audit_dedup.c: hosts'
 * marks).  A key lives within `probe` slots of its hash; when it is not
 * there, one of those slots is given up for it, the one the table would
 * rather forget.  The walk is never longer than `probe`, so keys an
 * attacker chooses can only evict each other, not slow a lookup down.
 */
#ifndef CW_PROBE_H
#define CW_PROBE_H

#include <stdbool.h>
#include <stddef.h>

struct cw_probe {
	void *slots;            /* n slots of size bytes */
	size_t n;               /* a power of two */
	size_t size;
	size_t probe;           /* slots looked at: 1..n */
	/* Whether slot holds key (a free slot holds none). */
	bool (*holds)(const void *slot, const char *key);
	/*
	 * Whether slot is better to give up than victim, the best so far
	 * (ctx is the caller's, e.g. the time for an expiry).
	 */
	bool (*better_victim)(const void *slot, const void *victim,
	    const void *ctx);
};

/*
 * The slot that holds key (*found = true), or the one to give it
 * (*found = false: the caller clears and fills it).  Never NULL.
 */
void *cw_probe_find(const struct cw_probe *t, const char *key,
    const void *ctx, bool *found);

#endif
