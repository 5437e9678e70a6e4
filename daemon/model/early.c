/* SPDX-License-Identifier: MIT */
/*
 * early.c - the overlay of staff changes that deny (see early.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/early.h"

static void
free_early(void *p)
{
	struct cw_early_entry *x = p;

	if (x == NULL)
		return;
	cw_db_entry_free(x->entry);
	free(x);
}

void
cw_early_clear(struct cw_db *db)
{
	cw_strmap_clear(&db->early, free_early);
}

void
cw_early_move(struct cw_db *from, struct cw_db *to)
{
	cw_early_clear(to);
	to->early = from->early;
	cw_strmap_init(&from->early);
}

bool
cw_early_lookup(struct cw_db *db, const char *uid, struct cw_db_entry **entry)
{
	struct cw_early_entry *x;

	if (db->early.count == 0 ||
	    (x = cw_strmap_get(&db->early, uid)) == NULL)
		return false;
	*entry = x->entry;
	return true;
}

/*
 * uid denied from now on with entry (NULL: unknown), re-armed: whatever
 * notice an earlier change of theirs had is for older data.  Takes entry.
 * Out of memory: nothing changes (the Redis path still brings it).
 */
static void
put_early(struct cw_db *db, const char *uid, const char *uuid,
    struct cw_db_entry *entry)
{
	struct cw_early_entry *x;
	void *old;

	if (uid == NULL || uid[0] == '\0' ||
	    (x = calloc(1, sizeof(*x))) == NULL) {
		cw_db_entry_free(entry);
		return;
	}
	x->entry = entry;
	snprintf(x->uuid, sizeof(x->uuid), "%s", uuid);
	if (cw_strmap_put(&db->early, uid, x, &old) < 0) {
		free_early(x);
		return;
	}
	free_early(old);
}

/*
 * One early change: the entry's new record (or its removal).  The uid
 * the db holds for this uuid now, when it is another (a rename, a
 * removal), is unknown from now on too.
 */
static void
early_change(struct cw_db *db, struct cw_change *c)
{
	uint32_t i = cw_sstore_find_uuid(&db->staff, c->uuid);
	const char *had = i != CW_SREC_NONE ? cw_srec_uid(&db->staff, i) : NULL;
	char old_uid[CW_USER_MAX + 1] = "";
	struct cw_db_entry *e = c->entry;

	if (had != NULL)
		snprintf(old_uid, sizeof(old_uid), "%s", had);
	c->entry = NULL;
	if (e != NULL && e->kind != CW_KIND_STAFF) {
		cw_db_entry_free(e);    /* the sync sends only staff */
		return;
	}
	if (e != NULL)
		put_early(db, e->rec.staff.uid, c->uuid, e);
	if (old_uid[0] != '\0' && (e == NULL ||
	    strcmp(old_uid, e->rec.staff.uid) != 0))
		put_early(db, old_uid, c->uuid, NULL);
}

struct mark {
	const struct cw_delta *d;
	long long db_gen;
};

/* Whether d carries a change of uuid. */
static bool
names(const struct cw_delta *d, const char *uuid)
{
	size_t i;

	for (i = 0; i < d->nchanges; i++)
		if (strcmp(d->changes[i].uuid, uuid) == 0)
			return true;
	return false;
}

/* A notice for the overlay entries of the uuids d names. */
static void
mark_one(const char *uid, void *value, void *arg)
{
	struct cw_early_entry *x = value;
	struct mark *m = arg;

	(void)uid;
	if (!names(m->d, x->uuid))
		return;
	if (m->d->origin == CW_DELTA_WRITTEN) {
		x->release_gen = m->d->generation;
		x->orphan_after = 0;
	} else if (x->release_gen == 0) {
		/* Another mirror writes it: after what is applied now. */
		x->orphan_after = m->db_gen > 0 ? m->db_gen : 1;
	}
}

void
cw_early_apply(struct cw_db *db, struct cw_delta *d)
{
	struct mark m = { d, db->generation };
	size_t i;

	if (d->origin == CW_DELTA_EARLY) {
		for (i = 0; i < d->nchanges; i++)
			early_change(db, &d->changes[i]);
		return;
	}
	if (db->early.count > 0)
		cw_strmap_foreach(&db->early, mark_one, &m);
	cw_early_settle(db, NULL);
}

struct settle {
	struct cw_db *db;
	const struct cw_delta *d;
	char **drop;
	size_t n;
};

static void
settle_one(const char *uid, void *value, void *arg)
{
	struct cw_early_entry *x = value;
	struct settle *s = arg;
	bool done;

	if (x->release_gen > 0)
		done = s->db->generation >= x->release_gen;
	else if (x->orphan_after > 0 && s->d != NULL)
		done = s->d->generation > x->orphan_after &&
		    (s->d->replace != NULL || names(s->d, x->uuid));
	else
		done = false;
	if (done)
		s->drop[s->n++] = (char *)uid;
}

void
cw_early_settle(struct cw_db *db, const struct cw_delta *d)
{
	struct settle s = { db, d, NULL, 0 };
	size_t i;

	if (db->early.count == 0)
		return;
	/* Out of memory: kept (denied) until the next delta. */
	if ((s.drop = calloc(db->early.count, sizeof(*s.drop))) == NULL)
		return;
	cw_strmap_foreach(&db->early, settle_one, &s);
	for (i = 0; i < s.n; i++) {
		char uid[CW_USER_MAX + 1];

		/* The key goes with the removal: copy it first. */
		snprintf(uid, sizeof(uid), "%s", s.drop[i]);
		free_early(cw_strmap_remove(&db->early, uid));
	}
	free(s.drop);
}
