/* SPDX-License-Identifier: MIT */
/*
 * early.h - staff changes that deny, applied before Redis has them.
 *
 * The mirror thread sees a directory change (syncrepl) some milliseconds
 * before the follow thread can read it back from Redis (the batch's
 * write, with appendfsync always an fsync, then the change log).  When
 * the change makes a person denied by their own gates (leaver, clearance
 * removed or expired, leaving date passed, a record that no longer
 * parses) or removes the entry, the sync hands the new record over at
 * once as an "early" delta (sync/early_deny.c), and the server thread
 * puts it in an overlay of the db: the person's record is read from the
 * overlay, not from the db, until Redis has caught up.  Only the
 * fail-closed direction travels this way; loosening changes go through
 * Redis as before.
 *
 * An overlay entry must never be undone by a delta read from Redis before
 * the change was written there (a stale delta: older data).  So it stays
 * until the server has applied a Redis delta at or past the generation
 * the mirror's write of that change produced ("written" notice), and a
 * later early change of the same person re-arms it.  When the mirror
 * stops leading before it wrote the change (lease lost: another daemon's
 * mirror writes it), the notice is "orphaned": the entry is kept until a
 * Redis delta past the generation then applied names the entry again
 * (the new leader's write), or a full load.
 *
 * Owned by the server thread, like the db (no locks).
 */
#ifndef CW_EARLY_H
#define CW_EARLY_H

#include <stdbool.h>

#include "model/policy_db.h"

/* One person's overlay (db->early: uid -> struct cw_early_entry). */
struct cw_early_entry {
	struct cw_db_entry *entry;      /* the new record; NULL: gone */
	char uuid[40];                  /* entryUUID text (36) */
	long long release_gen;          /* 0: not written to Redis yet */
	long long orphan_after;         /* > 0: written by another mirror */
};

/*
 * The overlay's answer for uid: true when it has one, with *entry the
 * record to read (NULL: the person is unknown now).
 */
bool cw_early_lookup(struct cw_db *db, const char *uid,
    struct cw_db_entry **entry);

/* Applies an early, written or orphaned delta (d->origin). */
void cw_early_apply(struct cw_db *db, struct cw_delta *d);

/*
 * After a Redis delta d was applied to db: drops the entries Redis has
 * caught up with.  d may be NULL (after a notice: db's generation).
 */
void cw_early_settle(struct cw_db *db, const struct cw_delta *d);

/* Moves the overlay from one db to its replacement. */
void cw_early_move(struct cw_db *from, struct cw_db *to);

void cw_early_clear(struct cw_db *db);

#endif
