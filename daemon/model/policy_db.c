/* SPDX-License-Identifier: MIT */
/*
 * policy_db.c - the in-memory policy database (see policy_db.h).
 */
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "model/early.h"
#include "model/policy_db.h"
#include "revoke/revocation_steps.h"

struct cw_db *
cw_db_new(void)
{
	struct cw_db *db = calloc(1, sizeof(*db));

	if (db == NULL)
		return NULL;
	cw_sstore_init(&db->staff);
	cw_strmap_init(&db->others);
	cw_strmap_init(&db->revoked);
	cw_strmap_init(&db->elevations);
	cw_strmap_init(&db->suspended);
	cw_strmap_init(&db->early);
	return db;
}

void
cw_db_entry_free(struct cw_db_entry *e)
{
	if (e == NULL)
		return;
	if (e->kind == CW_KIND_STAFF)
		cw_staff_free(&e->rec.staff);
	else if (e->kind == CW_KIND_HOST_CLASS)
		cw_host_class_free(&e->rec.host_class);
	else
		cw_role_def_free(&e->rec.role);
	free(e->uuid);
	free(e->dn);
	free(e->modified);
	free(e);
}

static void
free_entry(void *e)
{
	cw_db_entry_free(e);
}

void
cw_db_free_elevations(void *p)
{
	struct cw_user_elevations *ue = p;

	if (ue == NULL)
		return;
	free(ue->list);
	free(ue);
}

void
cw_db_free(struct cw_db *db)
{
	if (db == NULL)
		return;
	cw_sstore_free(&db->staff);
	cw_strmap_clear(&db->others, free_entry);
	cw_strmap_clear(&db->revoked, NULL);
	cw_strmap_clear(&db->elevations, cw_db_free_elevations);
	cw_strmap_clear(&db->suspended, free);
	cw_early_clear(db);
	free(db->host_classes);
	free(db->roles);
	free(db);
}

static int
build_record(struct cw_db_entry *e, const struct cw_entry *raw, char *err,
    size_t errlen)
{
	switch (e->kind) {
	case CW_KIND_STAFF:
		return cw_staff_from_entry(raw, &e->rec.staff, err, errlen);
	case CW_KIND_HOST_CLASS:
		return cw_host_class_from_entry(raw, &e->rec.host_class, err,
		    errlen);
	default:
		return cw_role_def_from_entry(raw, &e->rec.role, err, errlen);
	}
}

struct cw_db_entry *
cw_db_entry_parse(enum cw_kind kind, const char *json, size_t len,
    int64_t now, char *err, size_t errlen)
{
	struct cw_db_entry *e = NULL;
	const struct cw_attr *mod, *lock;
	struct cw_entry raw;
	bool built = false;

	memset(&raw, 0, sizeof(raw));
	if (cw_entry_from_json(json, len, &raw, err, errlen) < 0)
		goto fail;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		goto oom;
	e->kind = kind;
	e->learned = now;
	if (build_record(e, &raw, err, errlen) < 0)
		goto fail;
	built = true;
	/* Locked for good, as a revocation step or an admin locks: a
	 * revocation's trace in the directory (entry_watch.c). */
	lock = cw_entry_attr(&raw, "pwdAccountLockedTime");
	e->locked = lock != NULL && lock->nvalues == 1 &&
	    strcmp(lock->values[0], CW_PPOLICY_LOCKED) == 0;
	mod = cw_entry_attr(&raw, "modifyTimestamp");
	if ((e->uuid = strdup(raw.uuid)) == NULL ||
	    (e->dn = strdup(raw.dn)) == NULL ||
	    (mod != NULL && mod->nvalues == 1 &&
	    (e->modified = strdup(mod->values[0])) == NULL))
		goto oom;
	cw_entry_free(&raw);
	return e;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	if (e != NULL && !built) {
		free(e);
		e = NULL;
	}
	cw_db_entry_free(e);
	cw_entry_free(&raw);
	return NULL;
}

void
cw_db_remove(struct cw_db *db, const char *uuid)
{
	struct cw_db_entry *e;

	if (cw_sstore_remove(&db->staff, uuid)) {
		db->counts[CW_KIND_STAFF]--;
		return;
	}
	if ((e = cw_strmap_remove(&db->others, uuid)) == NULL)
		return;
	db->tables_dirty = true;
	db->counts[e->kind]--;
	cw_db_entry_free(e);
}

int
cw_db_put(struct cw_db *db, struct cw_db_entry *e)
{
	void *old;
	int rc;

	cw_db_remove(db, e->uuid);
	if (e->kind == CW_KIND_STAFF) {
		/* Copied into the compact store: the entry itself goes. */
		rc = cw_sstore_put(&db->staff, e);
		cw_db_entry_free(e);
		if (rc < 0)
			return -1;
		db->counts[CW_KIND_STAFF]++;
		return 0;
	}
	if (cw_strmap_put(&db->others, e->uuid, e, &old) < 0) {
		cw_db_entry_free(e);
		return -1;
	}
	db->tables_dirty = true;
	db->counts[e->kind]++;
	return 0;
}

void
cw_db_set_revoked(struct cw_db *db, struct cw_strmap *revoked)
{
	cw_strmap_clear(&db->revoked, NULL);
	db->revoked = *revoked;
	cw_strmap_init(revoked);
}

void
cw_db_change_revoked(struct cw_db *db, const struct cw_strmap *add,
    const struct cw_strmap *del)
{
	/* Out of memory for an addition: the next full set brings it. */
	(void)cw_strmap_add_keys(&db->revoked, add);
	cw_strmap_drop_keys(&db->revoked, del);
}

void
cw_db_set_elevations(struct cw_db *db, struct cw_strmap *elevations)
{
	cw_strmap_clear(&db->elevations, cw_db_free_elevations);
	db->elevations = *elevations;
	cw_strmap_init(elevations);
}

struct keep_unnamed {
	struct cw_strmap *into;
	const struct cw_strmap *named;
};

/* A suspension of the old db that the new set lacks and no lift named. */
static void
keep_unnamed(const char *uid, void *value, void *arg)
{
	struct keep_unnamed *k = arg;
	struct cw_suspension *copy;
	void *old;

	if (cw_strmap_get(k->into, uid) != NULL ||
	    cw_strmap_get(k->named, uid) != NULL)
		return;
	/* Out of memory: it goes, as Redis says (logged by the caller's
	 * central re-setting it). */
	if ((copy = malloc(sizeof(*copy))) == NULL)
		return;
	*copy = *(const struct cw_suspension *)value;
	if (cw_strmap_put(k->into, uid, copy, &old) < 0)
		free(copy);
}

struct keep_grants {
	struct cw_db *old;
	struct cw_strmap *into;
};

/* uid, not named: memory's grants instead of the set's (none: none). */
static void
keep_grants_of(const char *uid, void *value, void *arg)
{
	struct keep_grants *k = arg;
	void *mine = cw_strmap_remove(&k->old->elevations, uid), *prev;

	(void)value;
	cw_db_free_elevations(cw_strmap_remove(k->into, uid));
	if (mine != NULL && cw_strmap_put(k->into, uid, mine, &prev) < 0)
		cw_db_free_elevations(mine);    /* out of memory: fewer */
}

/*
 * The users of the set `into` that the log did not name take memory's
 * grants (old's, moved): a grant Redis brought back is never taken.
 */
static void
keep_grants(struct cw_db *old, struct cw_strmap *into,
    const struct cw_strmap *named)
{
	struct keep_grants k = { old, into };
	struct cw_strmap unnamed;

	cw_strmap_init(&unnamed);
	if (cw_strmap_add_keys(&unnamed, into) < 0) {
		/* Out of memory: nothing the set has is taken. */
		cw_strmap_clear(into, cw_db_free_elevations);
		cw_strmap_clear(&unnamed, NULL);
		return;
	}
	cw_strmap_drop_keys(&unnamed, named);
	cw_strmap_foreach(&unnamed, keep_grants_of, &k);
	cw_strmap_clear(&unnamed, NULL);
}

void
cw_db_set_suspended(struct cw_db *db, struct cw_strmap *suspended)
{
	cw_strmap_clear(&db->suspended, free);
	db->suspended = *suspended;
	cw_strmap_init(suspended);
}

const struct cw_suspension *
cw_db_suspension(const struct cw_db *db, const char *uid)
{
	return cw_strmap_get(&db->suspended, uid);
}

int64_t
cw_db_suspended_until(const struct cw_db *db, const char *uid)
{
	const struct cw_suspension *s = cw_db_suspension(db, uid);

	return s != NULL ? s->until : 0;
}

struct table_build {
	struct cw_db *db;
	size_t nh, nr;
};

static void
collect(const char *key, void *value, void *arg)
{
	struct table_build *b = arg;
	struct cw_db_entry *e = value;

	(void)key;
	if (e->kind == CW_KIND_HOST_CLASS)
		b->db->host_classes[b->nh++] = e->rec.host_class;
	else if (e->kind == CW_KIND_ROLE)
		b->db->roles[b->nr++] = e->rec.role;
}

static int
host_class_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cw_host_class *)a)->name,
	    ((const struct cw_host_class *)b)->name);
}

#define MARK_DUPLICATE(rec, kind) do {                                  \
	(rec).invalid = true;                                           \
	snprintf((rec).invalid_why, sizeof((rec).invalid_why),         \
	    "%s '%s' is defined by more than one entry", kind,          \
	    (rec).name);                                                \
} while (0)

/*
 * Rebuilds the sorted host class and role arrays.  They hold shallow
 * copies of the records (the name lists stay owned by the entries), so a
 * duplicate can be marked invalid here without touching the entries.
 */
static void
rebuild_tables(struct cw_db *db)
{
	struct table_build b = { db, 0, 0 };
	size_t i;

	free(db->host_classes);
	free(db->roles);
	db->host_classes = calloc(db->counts[CW_KIND_HOST_CLASS] + 1,
	    sizeof(*db->host_classes));
	db->roles = calloc(db->counts[CW_KIND_ROLE] + 1, sizeof(*db->roles));
	db->nhost_classes = db->nroles = 0;
	if (db->host_classes == NULL || db->roles == NULL)
		return;         /* empty tables: everything denies */
	cw_strmap_foreach(&db->others, collect, &b);
	qsort(db->host_classes, b.nh, sizeof(*db->host_classes),
	    host_class_cmp);
	cw_role_table_sort(db->roles, b.nr);
	for (i = 1; i < b.nh; i++) {
		if (strcmp(db->host_classes[i - 1].name,
		    db->host_classes[i].name) == 0) {
			MARK_DUPLICATE(db->host_classes[i - 1], "host class");
			MARK_DUPLICATE(db->host_classes[i], "host class");
		}
	}
	for (i = 1; i < b.nr; i++) {
		if (strcmp(db->roles[i - 1].name, db->roles[i].name) == 0) {
			MARK_DUPLICATE(db->roles[i - 1], "role");
			MARK_DUPLICATE(db->roles[i], "role");
		}
	}
	db->nhost_classes = b.nh;
	db->nroles = b.nr;
	db->tables_dirty = false;
}

/* The next view of the ring, filled from record i. */
static const struct cw_db_entry *
view_of(struct cw_db *db, uint32_t i)
{
	struct cw_db_view *v = &db->views[db->next_view++ % CW_DB_VIEWS];
	const struct cw_srec *r = &db->staff.recs[i];

	memset(&v->e, 0, offsetof(struct cw_db_entry, rec));
	v->e.kind = CW_KIND_STAFF;
	/* Views are read-only: the casts only fit struct cw_db_entry. */
	v->e.uuid = (char *)cw_srec_uuid(&db->staff, i);
	v->e.dn = (char *)cw_srec_dn(&db->staff, i);
	v->e.modified = (char *)cw_srec_modified(&db->staff, i);
	v->e.learned = r->learned;
	v->e.locked = (r->flags & CW_SREC_LOCKED) != 0;
	cw_sstore_staff(&db->staff, i, &v->e.rec.staff, v->roles);
	return &v->e;
}

/* What a uid held by several entries reads as: invalid, named why. */
static const struct cw_staff *
ambiguous(struct cw_db *db, const char *uid, size_t count)
{
	struct cw_db_view *v = &db->views[db->next_view++ % CW_DB_VIEWS];
	struct cw_staff *s = &v->e.rec.staff;

	memset(s, 0, sizeof(*s));
	snprintf(s->uid, sizeof(s->uid), "%s", uid);
	s->invalid = true;
	snprintf(s->invalid_why, sizeof(s->invalid_why),
	    "uid '%s' is held by %zu entries", uid, count);
	return s;
}

const struct cw_staff *
cw_db_staff(struct cw_db *db, const char *uid)
{
	struct cw_db_entry *early;
	size_t count;
	uint32_t i;

	/* A change that denies, ahead of Redis (early.h). */
	if (cw_early_lookup(db, uid, &early))
		return early != NULL ? &early->rec.staff : NULL;
	if ((i = cw_sstore_find_uid(&db->staff, uid, &count)) == CW_SREC_NONE)
		return NULL;
	if (count > 1)
		return ambiguous(db, uid, count);
	return &view_of(db, i)->rec.staff;
}

const struct cw_db_entry *
cw_db_staff_entry(struct cw_db *db, const char *uid)
{
	struct cw_db_entry *early;
	size_t count;
	uint32_t i;

	if (cw_early_lookup(db, uid, &early))
		return early;
	i = cw_sstore_find_uid(&db->staff, uid, &count);
	return i != CW_SREC_NONE && count == 1 ? view_of(db, i) : NULL;
}

struct foreach_others {
	void (*fn)(const struct cw_db_entry *, void *);
	void *arg;
};

static void
each_other(const char *key, void *value, void *arg)
{
	struct foreach_others *f = arg;

	(void)key;
	f->fn(value, f->arg);
}

void
cw_db_foreach_entry(struct cw_db *db,
    void (*fn)(const struct cw_db_entry *e, void *arg), void *arg)
{
	struct foreach_others f = { fn, arg };
	size_t i;

	cw_strmap_foreach(&db->others, each_other, &f);
	for (i = 0; i < db->staff.nrecs; i++)
		if (db->staff.recs[i].flags & CW_SREC_LIVE)
			fn(view_of(db, (uint32_t)i), arg);
}

size_t
cw_db_staff_end(const struct cw_db *db)
{
	return db->staff.nrecs;
}

size_t
cw_db_staff_pages(struct cw_db *db, size_t cursor, size_t at_least,
    void (*fn)(const char *uid, void *value, void *arg), void *arg)
{
	char uid[CW_USER_MAX + 1];
	size_t passed = 0, count;

	for (; cursor < db->staff.nrecs && passed < at_least; cursor++) {
		if (!(db->staff.recs[cursor].flags & CW_SREC_LIVE))
			continue;
		snprintf(uid, sizeof(uid), "%s",
		    cw_srec_uid(&db->staff, (uint32_t)cursor));
		/* A uid once: at the first of its entries (the chain's head). */
		if (cw_sstore_find_uid(&db->staff, uid, &count) != cursor)
			continue;
		fn(uid, NULL, arg);
		passed++;
	}
	return cursor;
}

const struct cw_user_elevations *
cw_db_elevations(struct cw_db *db, const char *uid)
{
	return cw_strmap_get(&db->elevations, uid);
}

static const struct cw_host_class *
find_host_class(struct cw_db *db, const char *name)
{
	struct cw_host_class key;

	if (strlen(name) > CW_NAME_MAX || db->nhost_classes == 0)
		return NULL;
	memcpy(key.name, name, strlen(name) + 1);
	return bsearch(&key, db->host_classes, db->nhost_classes, sizeof(key),
	    host_class_cmp);
}

const struct cw_role_def *
cw_db_role(struct cw_db *db, const char *name)
{
	struct cw_role_table t;

	if (db->tables_dirty)
		rebuild_tables(db);
	t.defs = db->roles;
	t.count = db->nroles;
	return cw_role_table_find(&t, name);
}

void
cw_db_policy_input(struct cw_db *db, const char *uid, const char *hc,
    enum cw_mode mode, int64_t now, struct cw_policy_input *in)
{
	const struct cw_user_elevations *ue;

	if (db->tables_dirty)
		rebuild_tables(db);
	memset(in, 0, sizeof(*in));
	in->staff = cw_db_staff(db, uid);
	in->host_class = find_host_class(db, hc);
	in->roles.defs = db->roles;
	in->roles.count = db->nroles;
	in->revoked = cw_strmap_get(&db->revoked, uid) != NULL;
	in->suspended_until = cw_db_suspended_until(db, uid);
	if ((ue = cw_db_elevations(db, uid)) != NULL) {
		in->elevations = ue->list;
		in->nelevations = ue->count;
	}
	in->mode = mode;
	in->now = now;
}

struct cw_delta *
cw_delta_new(long long generation)
{
	struct cw_delta *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->generation = generation;
	cw_strmap_init(&d->revoked);
	cw_strmap_init(&d->elevations);
	cw_strmap_init(&d->suspended);
	cw_strmap_init(&d->revoked_add);
	cw_strmap_init(&d->revoked_del);
	cw_strmap_init(&d->suspended_named);
	cw_strmap_init(&d->elevations_named);
	return d;
}

int
cw_delta_add(struct cw_delta *d, const char *uuid, struct cw_db_entry *e)
{
	struct cw_change *p;
	char *copy;

	if (d->nchanges == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;

		if ((p = reallocarray(d->changes, ncap, sizeof(*p))) == NULL)
			return -1;
		d->changes = p;
		d->cap = ncap;
	}
	if ((copy = strdup(uuid)) == NULL)
		return -1;
	d->changes[d->nchanges].uuid = copy;
	d->changes[d->nchanges].entry = e;
	d->nchanges++;
	return 0;
}

void
cw_delta_free(struct cw_delta *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nchanges; i++) {
		free(d->changes[i].uuid);
		cw_db_entry_free(d->changes[i].entry);
	}
	free(d->changes);
	cw_strmap_clear(&d->revoked, NULL);
	cw_strmap_clear(&d->elevations, cw_db_free_elevations);
	cw_strmap_clear(&d->suspended, free);
	cw_strmap_clear(&d->revoked_add, NULL);
	cw_strmap_clear(&d->revoked_del, NULL);
	cw_strmap_clear(&d->suspended_named, NULL);
	cw_strmap_clear(&d->elevations_named, NULL);
	cw_db_free(d->replace);
	free(d);
}

void
cw_db_apply(struct cw_db **dbp, struct cw_delta *d)
{
	size_t i;

	if (d->origin != CW_DELTA_REDIS) {
		cw_early_apply(*dbp, d);
		cw_delta_free(d);
		return;
	}
	/* Before a replace drops the old db: what the log did not name
	 * stays as memory has it. */
	if (d->has_suspended && d->keep_unlogged && *dbp != NULL) {
		struct keep_unnamed k = { &d->suspended, &d->suspended_named };

		cw_strmap_foreach(&(*dbp)->suspended, keep_unnamed, &k);
	}
	if (d->has_elevations && d->keep_unlogged && *dbp != NULL)
		keep_grants(*dbp, &d->elevations, &d->elevations_named);
	if (d->replace != NULL) {
		if (*dbp != NULL)
			cw_early_move(*dbp, d->replace);
		cw_db_free(*dbp);
		*dbp = d->replace;
		d->replace = NULL;
		/* The old db and the load's buffers are gone: give the pages
		 * back, so that a reload does not leave the host at twice its
		 * size (glibc keeps freed heap otherwise). */
		malloc_trim(0);
	}
	for (i = 0; i < d->nchanges; i++) {
		struct cw_change *c = &d->changes[i];

		if (c->entry != NULL)
			cw_db_put(*dbp, c->entry);      /* takes it */
		else
			cw_db_remove(*dbp, c->uuid);
		c->entry = NULL;
	}
	if (d->has_revoked)
		cw_db_set_revoked(*dbp, &d->revoked);
	else if (d->revoked_changes)
		cw_db_change_revoked(*dbp, &d->revoked_add, &d->revoked_del);
	if (d->has_elevations)
		cw_db_set_elevations(*dbp, &d->elevations);
	if (d->has_suspended)
		cw_db_set_suspended(*dbp, &d->suspended);
	(*dbp)->generation = d->generation;
	cw_early_settle(*dbp, d);
	cw_delta_free(d);
}
