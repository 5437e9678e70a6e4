/* SPDX-License-Identifier: MIT */
/*
 * namebox.h - a hand-off of names from one thread to another: a bounded
 * FIFO in which each name waits at most once, and the latest whole set
 * the names belong to.
 *
 * The wiring (daemon.c) connects a producer to a consumer with one: the
 * follow thread puts the users it sees newly revoked, and the revoked set
 * as it now is; the revoker's host thread takes them.  The producer never
 * calls into the consumer: it puts, and the box rings the consumer's
 * doorbell (wake.h).
 */
#ifndef CW_NAMEBOX_H
#define CW_NAMEBOX_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/strmap.h"
#include "lib/wake.h"

struct cw_namebox_item;

struct cw_namebox {
	pthread_mutex_t lock;
	struct cw_wake *bell;           /* the consumer's: rung on each put */
	size_t max;                     /* names waiting, at most */
	struct cw_namebox_item *head, *tail;    /* under lock */
	struct cw_strmap waiting;       /* under lock: the names in the list */
	struct cw_strmap set;           /* under lock: the latest set */
	struct cw_strmap kept;          /* under lock: in every set waiting */
	bool have_set, set_complete;    /* under lock */
};

/* An empty box holding at most max names, ringing bell on each put. */
void cw_namebox_init(struct cw_namebox *b, struct cw_wake *bell, size_t max);

/* Frees what is still waiting. */
void cw_namebox_free(struct cw_namebox *b);

/*
 * Queues a copy of name, unless it is waiting already.  0, or -1 when the
 * box is full or out of memory (nothing queued: the producer keeps it).
 */
int cw_namebox_put(struct cw_namebox *b, const char *name);

/*
 * The oldest waiting name into out (outlen bytes); false when none, and
 * while a set waits: the consumer takes the set first, so that it never
 * sees a name before the set that was put before it.
 */
bool cw_namebox_take(struct cw_namebox *b, char *out, size_t outlen);

/*
 * Replaces the waiting set with a copy of set's keys.  The names that were
 * in every set put since the last take are kept too (a name that left a
 * set for a while is not in them).  When memory runs out the copy is
 * marked incomplete (the consumer is told).
 */
void cw_namebox_put_set(struct cw_namebox *b, const struct cw_strmap *set);

/*
 * Moves the waiting set, if any, into latest, and the names in every set
 * put since the last take into kept (both initialised maps, cleared
 * first); *complete says whether both were copied whole.  false when no
 * set waits.
 */
bool cw_namebox_take_set(struct cw_namebox *b, struct cw_strmap *latest,
    struct cw_strmap *kept, bool *complete);

#endif
