/* SPDX-License-Identifier: MIT */
/*
 * early_deny.h - the mirror's changes that deny, handed to the server
 * before they are written to Redis (model/early.h says how the server
 * keeps them; sync.c hands deltas over).
 *
 * The mirror thread calls cw_early_change for every change of its persist
 * phase and of a refresh from a cookie (what changed while it was away,
 * e.g. after a failed write; a full refresh is bulk, left to Redis), and
 * cw_early_written after each batch reached Redis.  A staff change that
 * makes the person denied by their own gates, or a removal, is handed
 * over at once as an early delta; its uuid is remembered, with the
 * number of the batch that carries it, until that batch is written, and
 * then a written delta with that generation follows, so that the server
 * keeps the early record until Redis has caught up.  An earlier batch
 * written meanwhile (the mirror's writer works while it reads on) does
 * not end it: that batch may hold an older record of the same person.  cw_early_orphan is called when this daemon stops leading:
 * the changes it had not written are another mirror's to write.
 *
 * Owned by the mirror thread.
 */
#ifndef CW_EARLY_DENY_H
#define CW_EARLY_DENY_H

#include <stdbool.h>

#include "model/policy_db.h"
#include "lib/strmap.h"

struct cw_sync;
struct cw_store_change;

struct cw_early_deny {
	struct cw_sync *sync;           /* to hand deltas over */
	unsigned training_days;         /* [policy], as at start */
	bool on;                        /* [daemon] role serves decisions */
	struct cw_strmap sent;          /* uuid -> its batch: not written */
	unsigned long handed;           /* early deltas, for the log */
	unsigned long batches;          /* the mirror's batches, all sessions */
};

void cw_early_deny_init(struct cw_early_deny *ed, struct cw_sync *sync,
    unsigned training_days, bool on);
void cw_early_deny_free(struct cw_early_deny *ed);

/* A change the mirror is about to write in batch number batch (json
 * NULL: the entry is gone). */
void cw_early_change(void *arg, unsigned long batch, enum cw_kind kind,
    const char *uuid, const char *json);

/* The mirror wrote batch number batch, changes c[0..n), at generation
 * gen. */
void cw_early_written(void *arg, unsigned long batch, long long gen,
    const struct cw_store_change *c, size_t n);

/* This daemon's mirror stopped leading: what it did not write is
 * another's to write. */
void cw_early_orphan(struct cw_early_deny *ed);

#endif
