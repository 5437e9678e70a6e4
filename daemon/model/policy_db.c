/* SPDX-License-Identifier: MIT */
/*
 * policy_db.c - the in-memory policy database (see policy_db.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "model/policy_db.h"
#include "revoke/revocation_steps.h"

/* All the entries that carry one uid: normally exactly one. */
struct uid_slot {
	size_t count, cap;
	struct cw_db_entry **entries;
	struct cw_staff ambiguous;      /* returned when count > 1 */
};

struct cw_db *
cw_db_new(void)
{
	struct cw_db *db = calloc(1, sizeof(*db));

	if (db == NULL)
		return NULL;
	cw_strmap_init(&db->by_uuid);
	cw_strmap_init(&db->staff_by_uid);
	cw_strmap_init(&db->revoked);
	cw_strmap_init(&db->elevations);
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

static void
free_slot(void *p)
{
	struct uid_slot *slot = p;

	free(slot->entries);
	free(slot);
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
	cw_strmap_clear(&db->staff_by_uid, free_slot);
	cw_strmap_clear(&db->by_uuid, free_entry);
	cw_strmap_clear(&db->revoked, NULL);
	cw_strmap_clear(&db->elevations, cw_db_free_elevations);
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

static void
slot_mark(struct uid_slot *slot, const char *uid)
{
	memset(&slot->ambiguous, 0, sizeof(slot->ambiguous));
	snprintf(slot->ambiguous.uid, sizeof(slot->ambiguous.uid), "%s", uid);
	slot->ambiguous.invalid = true;
	snprintf(slot->ambiguous.invalid_why,
	    sizeof(slot->ambiguous.invalid_why),
	    "uid '%s' is held by %zu entries", uid, slot->count);
}

static int
index_staff(struct cw_db *db, struct cw_db_entry *e)
{
	const char *uid = e->rec.staff.uid;
	struct uid_slot *slot = cw_strmap_get(&db->staff_by_uid, uid);
	struct cw_db_entry **p;
	void *old;

	if (slot == NULL) {
		if ((slot = calloc(1, sizeof(*slot))) == NULL ||
		    cw_strmap_put(&db->staff_by_uid, uid, slot, &old) < 0) {
			free(slot);
			return -1;
		}
	}
	if (slot->count == slot->cap) {
		size_t ncap = slot->cap ? slot->cap * 2 : 1;

		if ((p = reallocarray(slot->entries, ncap, sizeof(*p))) == NULL)
			return -1;
		slot->entries = p;
		slot->cap = ncap;
	}
	slot->entries[slot->count++] = e;
	slot_mark(slot, uid);
	return 0;
}

static void
unindex_staff(struct cw_db *db, struct cw_db_entry *e)
{
	const char *uid = e->rec.staff.uid;
	struct uid_slot *slot = cw_strmap_get(&db->staff_by_uid, uid);
	size_t i;

	if (slot == NULL)
		return;
	for (i = 0; i < slot->count; i++) {
		if (slot->entries[i] == e) {
			slot->entries[i] = slot->entries[--slot->count];
			break;
		}
	}
	if (slot->count == 0)
		free_slot(cw_strmap_remove(&db->staff_by_uid, uid));
	else
		slot_mark(slot, uid);
}

/* Detaches e from every index; the caller frees it. */
static void
unlink_entry(struct cw_db *db, struct cw_db_entry *e)
{
	if (e->kind == CW_KIND_STAFF)
		unindex_staff(db, e);
	else
		db->tables_dirty = true;
	db->counts[e->kind]--;
}

void
cw_db_remove(struct cw_db *db, const char *uuid)
{
	struct cw_db_entry *e = cw_strmap_remove(&db->by_uuid, uuid);

	if (e == NULL)
		return;
	unlink_entry(db, e);
	cw_db_entry_free(e);
}

int
cw_db_put(struct cw_db *db, struct cw_db_entry *e)
{
	void *old;

	cw_db_remove(db, e->uuid);
	if (e->kind == CW_KIND_STAFF && index_staff(db, e) < 0)
		goto fail;
	if (cw_strmap_put(&db->by_uuid, e->uuid, e, &old) < 0) {
		if (e->kind == CW_KIND_STAFF)
			unindex_staff(db, e);
		goto fail;
	}
	if (e->kind != CW_KIND_STAFF)
		db->tables_dirty = true;
	db->counts[e->kind]++;
	return 0;
fail:
	cw_db_entry_free(e);
	return -1;
}

void
cw_db_set_revoked(struct cw_db *db, struct cw_strmap *revoked)
{
	cw_strmap_clear(&db->revoked, NULL);
	db->revoked = *revoked;
	cw_strmap_init(revoked);
}

void
cw_db_set_elevations(struct cw_db *db, struct cw_strmap *elevations)
{
	cw_strmap_clear(&db->elevations, cw_db_free_elevations);
	db->elevations = *elevations;
	cw_strmap_init(elevations);
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
	cw_strmap_foreach(&db->by_uuid, collect, &b);
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

const struct cw_staff *
cw_db_staff(struct cw_db *db, const char *uid)
{
	struct uid_slot *slot = cw_strmap_get(&db->staff_by_uid, uid);

	if (slot == NULL)
		return NULL;
	if (slot->count > 1)
		return &slot->ambiguous;
	return &slot->entries[0]->rec.staff;
}

const struct cw_db_entry *
cw_db_staff_entry(struct cw_db *db, const char *uid)
{
	struct uid_slot *slot = cw_strmap_get(&db->staff_by_uid, uid);

	return slot != NULL && slot->count == 1 ? slot->entries[0] : NULL;
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
	cw_db_free(d->replace);
	free(d);
}

void
cw_db_apply(struct cw_db **dbp, struct cw_delta *d)
{
	size_t i;

	if (d->replace != NULL) {
		cw_db_free(*dbp);
		*dbp = d->replace;
		d->replace = NULL;
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
	if (d->has_elevations)
		cw_db_set_elevations(*dbp, &d->elevations);
	(*dbp)->generation = d->generation;
	cw_delta_free(d);
}
