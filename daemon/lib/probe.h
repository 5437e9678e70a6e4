/* SPDX-License-Identifier: MIT */
/*
 * probe.h - the slot of a key in a fixed table that forgets: open
 * addressing from the key's hash over a short probe, and when the key is
 * not there, the slot the caller may reuse (a free one, else the one least
 * worth keeping: the least recently used).
 *
 * For tables whose memory must never grow, whatever keys a caller (or an
 * attacker) sends: a lookup costs a hash and at most probe compares.  The
 * table is the caller's (any slot type); the caller locks it if shared.
 */
#ifndef CW_PROBE_H
#define CW_PROBE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * What keep() returns for a slot that is empty, and for one that holds a
 * key but is as good as free (expired): reused after the empty ones.
 */
#define CW_PROBE_FREE LLONG_MIN
#define CW_PROBE_STALE (LLONG_MIN + 1)

struct cw_probe {
	size_t nslots;                  /* a power of two */
	size_t probe;                   /* slots looked at, from the hash */
	/* Whether slot i holds key (never true for an empty slot). */
	bool (*holds)(void *arg, size_t i, const char *key);
	/*
	 * How much slot i is worth keeping (its last use): the lowest is
	 * reused first, the first of equals; CW_PROBE_FREE when empty.
	 */
	long long (*keep)(void *arg, size_t i);
};

/*
 * The index of the slot holding key (*found true), or of the slot to
 * reuse for it (*found false: the caller clears and fills it).
 */
size_t cw_probe_slot(const struct cw_probe *p, void *arg, const char *key,
    bool *found);

#endif
