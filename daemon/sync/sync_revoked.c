/* SPDX-License-Identifier: MIT */
/*
 * sync_revoked.c - the follow thread hands the revoked set, or its
 * changes, to the revoker's host thread (see sync.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/log.h"
#include "sync/sync.h"

struct news {
	struct cw_sync *s;
	bool changed;
	struct cw_strmap unsent;        /* the box was full */
};

static void
note_revoked(const char *uid, void *value, void *arg)
{
	struct news *n = arg;
	void *old;

	(void)value;
	if (cw_strmap_get(&n->s->last_revoked, uid) != NULL)
		return;
	n->changed = true;
	cw_log_auth(LOG_NOTICE, "revoked user %s: denied on this host from "
	    "now on", uid);
	if (cw_namebox_put(n->s->revoked_out, uid) < 0) {
		/* Not remembered as seen: handed over at the next change. */
		cw_err("revoked user %s: cannot hand over the end of their "
		    "sessions (the hand-off is full)", uid);
		(void)cw_strmap_put(&n->unsent, uid, (void *)1, &old);
	}
}

/*
 * The revoked set arrived (the guard has made it this host's deny-list,
 * and persisted it): end the sessions of anyone newly in it.
 */
void
cw_sync_revoked_set(struct cw_sync *s, const struct cw_strmap *revoked)
{
	struct news n;

	n.s = s;
	n.changed = revoked->count != s->last_revoked.count;
	cw_strmap_init(&n.unsent);
	/* First, so that a session end finishing now is journaled only for
	 * a user still revoked (the box hands the set over first). */
	cw_namebox_put_set(s->revoked_out, revoked);
	cw_strmap_foreach(revoked, note_revoked, &n);
	if (n.changed) {
		cw_strmap_clear(&s->last_revoked, NULL);
		(void)cw_strmap_add_keys(&s->last_revoked, revoked);
		cw_strmap_drop_keys(&s->last_revoked, &n.unsent);
	}
	cw_strmap_clear(&n.unsent, NULL);
}

/*
 * Only the changes of the revoked set arrived (the guard has applied
 * them to the deny-list): each user newly in it is handed over alone.
 * A user who left it (a reinstate: rare) makes the whole deny-list go
 * over, as the host thread then drops them from its journal.
 */
void
cw_sync_revoked_changes(struct cw_sync *s, const struct cw_delta *d)
{
	struct news n;

	if (d->revoked_del.count > 0) {
		struct cw_strmap all;

		cw_strmap_init(&all);
		if (cw_strmap_add_keys(&all, cw_guard_denied(&s->guard)) == 0)
			cw_sync_revoked_set(s, &all);
		cw_strmap_clear(&all, NULL);
		return;
	}
	n.s = s;
	n.changed = false;
	cw_strmap_init(&n.unsent);
	cw_strmap_foreach(&d->revoked_add, note_revoked, &n);
	if (n.changed) {
		(void)cw_strmap_add_keys(&s->last_revoked, &d->revoked_add);
		cw_strmap_drop_keys(&s->last_revoked, &n.unsent);
	}
	cw_strmap_clear(&n.unsent, NULL);
}
