/* SPDX-License-Identifier: MIT */
/*
 * staff_store.c - compact staff records (see staff_store.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/policy_db.h"
#include "model/staff_store.h"
#include "text.h"

#define SLOT_EMPTY UINT32_MAX
#define SLOT_TOMB (UINT32_MAX - 1)
/* Compact the arena once this much of it is garbage, and more than live. */
#define GARBAGE_MIN (1u << 20)
/* Record numbers and arena offsets are uint32; stay well below. */
#define STORE_MAX (UINT32_MAX / 4)

typedef const char *(*key_fn)(const struct cw_sstore *, uint32_t);

void
cw_sstore_init(struct cw_sstore *s)
{
	memset(s, 0, sizeof(*s));
	s->free_head = CW_SREC_NONE;
	s->garbage_min = GARBAGE_MIN;
}

void
cw_sstore_free(struct cw_sstore *s)
{
	size_t i;

	for (i = 0; i < s->nrole_names; i++)
		free(s->role_names[i]);
	free(s->role_names);
	free(s->role_ids.slots);
	free(s->by_uuid.slots);
	free(s->by_uid.slots);
	free(s->recs);
	free(s->arena);
	cw_sstore_init(s);
}

const char *
cw_srec_uid(const struct cw_sstore *s, uint32_t i)
{
	return s->arena + s->recs[i].blob;
}

const char *
cw_srec_uuid(const struct cw_sstore *s, uint32_t i)
{
	const char *uid = cw_srec_uid(s, i);

	return uid + strlen(uid) + 1;
}

const char *
cw_srec_dn(const struct cw_sstore *s, uint32_t i)
{
	const char *uuid = cw_srec_uuid(s, i);

	return uuid + strlen(uuid) + 1;
}

/* The string after the DN: modifyTimestamp when flagged, else the why. */
static const char *
after_dn(const struct cw_sstore *s, uint32_t i)
{
	const char *dn = cw_srec_dn(s, i);

	return dn + strlen(dn) + 1;
}

const char *
cw_srec_modified(const struct cw_sstore *s, uint32_t i)
{
	return (s->recs[i].flags & CW_SREC_HAS_MODIFIED) ? after_dn(s, i) :
	    NULL;
}

static const char *
srec_why(const struct cw_sstore *s, uint32_t i)
{
	const char *p = after_dn(s, i);

	if (!(s->recs[i].flags & CW_SREC_INVALID))
		return "";
	if (s->recs[i].flags & CW_SREC_HAS_MODIFIED)
		p += strlen(p) + 1;
	return p;
}

/* The role ids: the last 2 * nroles bytes of the blob. */
static const unsigned char *
srec_roles(const struct cw_sstore *s, uint32_t i)
{
	const struct cw_srec *r = &s->recs[i];

	return (const unsigned char *)s->arena + r->blob + r->bloblen -
	    2 * (size_t)r->nroles;
}

static const char *
role_key(const struct cw_sstore *s, uint32_t id)
{
	return s->role_names[id];
}

/* The slot holding key, or the first empty slot of its probe (*found
 * false).  The table has at least one empty slot (load <= 1/2). */
static size_t
ix_probe(const struct cw_sstore *s, const struct cw_sindex *ix, key_fn key,
    const char *k, bool *found)
{
	size_t mask = ix->nslots - 1, p = cw_fnv1a(k) & mask;
	size_t tomb = SIZE_MAX;

	*found = false;
	for (;; p = (p + 1) & mask) {
		uint32_t v = ix->slots[p];

		if (v == SLOT_EMPTY)
			return tomb != SIZE_MAX ? tomb : p;
		if (v == SLOT_TOMB) {
			if (tomb == SIZE_MAX)
				tomb = p;
			continue;
		}
		if (strcmp(key(s, v), k) == 0) {
			*found = true;
			return p;
		}
	}
}

static uint32_t
ix_get(const struct cw_sstore *s, const struct cw_sindex *ix, key_fn key,
    const char *k)
{
	bool found;
	size_t p;

	if (ix->nslots == 0)
		return CW_SREC_NONE;
	p = ix_probe(s, ix, key, k, &found);
	return found ? ix->slots[p] : CW_SREC_NONE;
}

/* Makes room for one more key: rehashes into a table 4x the live keys
 * when live + tombstones would pass half.  0 or -1. */
static int
ix_reserve(const struct cw_sstore *s, struct cw_sindex *ix, key_fn key,
    size_t live)
{
	struct cw_sindex n;
	size_t i, want = 16;
	bool found;

	if (ix->nslots != 0 && (ix->used + 1) * 2 <= ix->nslots)
		return 0;
	while (want < (live + 1) * 4)
		want *= 2;
	if ((n.slots = malloc(want * sizeof(*n.slots))) == NULL)
		return -1;
	memset(n.slots, 0xff, want * sizeof(*n.slots));
	n.nslots = want;
	n.used = 0;
	for (i = 0; i < ix->nslots; i++) {
		uint32_t v = ix->slots[i];

		if (v == SLOT_EMPTY || v == SLOT_TOMB)
			continue;
		n.slots[ix_probe(s, &n, key, key(s, v), &found)] = v;
		n.used++;
	}
	free(ix->slots);
	*ix = n;
	return 0;
}

/* Puts v (whose key is not in ix) into ix, which has room. */
static void
ix_insert(const struct cw_sstore *s, struct cw_sindex *ix, key_fn key,
    uint32_t v)
{
	bool found;
	size_t p = ix_probe(s, ix, key, key(s, v), &found);

	if (ix->slots[p] == SLOT_EMPTY)
		ix->used++;
	ix->slots[p] = v;
}

/* The id of a role name, interning it.  -1 when out of memory. */
static long
role_id(struct cw_sstore *s, const char *name)
{
	uint32_t id = ix_get(s, &s->role_ids, role_key, name);
	char **p;

	if (id != CW_SREC_NONE)
		return (long)id;
	if (s->nrole_names >= UINT16_MAX)
		return -1;
	if (s->nrole_names == s->caprole_names) {
		size_t ncap = s->caprole_names ? s->caprole_names * 2 : 64;

		if ((p = reallocarray(s->role_names, ncap, sizeof(*p))) == NULL)
			return -1;
		s->role_names = p;
		s->caprole_names = ncap;
	}
	if (ix_reserve(s, &s->role_ids, role_key, s->nrole_names) < 0 ||
	    (s->role_names[s->nrole_names] = strdup(name)) == NULL)
		return -1;
	ix_insert(s, &s->role_ids, role_key, (uint32_t)s->nrole_names);
	return (long)s->nrole_names++;
}

/* Copies every live blob into a new arena with a little room to grow. */
static int
arena_compact(struct cw_sstore *s)
{
	size_t cap = (s->arena_len - s->garbage) + (s->arena_len -
	    s->garbage) / 4 + 4096, len = 0, i;
	char *a = malloc(cap);

	if (a == NULL)
		return -1;
	for (i = 0; i < s->nrecs; i++) {
		struct cw_srec *r = &s->recs[i];

		if (!(r->flags & CW_SREC_LIVE))
			continue;
		memcpy(a + len, s->arena + r->blob, r->bloblen);
		r->blob = (uint32_t)len;
		len += r->bloblen;
	}
	s->compactions++;
	free(s->arena);
	s->arena = a;
	s->arena_len = len;
	s->arena_cap = cap;
	s->garbage = 0;
	return 0;
}

/* Room for need more bytes in the arena. 0 or -1. */
static int
arena_reserve(struct cw_sstore *s, size_t need)
{
	size_t ncap;
	char *a;

	if (s->garbage > s->garbage_min && s->garbage > s->arena_len / 2 &&
	    arena_compact(s) < 0)
		return -1;
	if (s->arena_len + need <= s->arena_cap)
		return 0;
	ncap = s->arena_cap ? s->arena_cap : 1u << 16;
	while (ncap < s->arena_len + need)
		ncap *= 2;
	if (ncap > STORE_MAX || (a = realloc(s->arena, ncap)) == NULL)
		return -1;
	s->arena = a;
	s->arena_cap = ncap;
	return 0;
}

/* A free record number (not yet marked live), or NONE. */
static uint32_t
rec_reserve(struct cw_sstore *s)
{
	struct cw_srec *p;

	if (s->free_head != CW_SREC_NONE)
		return s->free_head;
	if (s->nrecs == s->caprecs) {
		size_t ncap = s->caprecs ? s->caprecs * 2 : 1024;

		if (ncap > STORE_MAX ||
		    (p = reallocarray(s->recs, ncap, sizeof(*p))) == NULL)
			return CW_SREC_NONE;
		s->recs = p;
		s->caprecs = ncap;
	}
	return (uint32_t)s->nrecs;
}

/* The record's blob into the arena (which has room); its length. */
static size_t
write_blob(struct cw_sstore *s, const struct cw_db_entry *e,
    const uint16_t *ids, size_t nroles)
{
	const struct cw_staff *st = &e->rec.staff;
	char *p = s->arena + s->arena_len, *start = p;
	const char *parts[5] = { st->uid, e->uuid, e->dn, e->modified,
	    st->invalid ? st->invalid_why : NULL };
	size_t k, len;

	for (k = 0; k < 5; k++) {
		if (parts[k] == NULL && k >= 3)
			continue;
		len = parts[k] != NULL ? strlen(parts[k]) : 0;
		memcpy(p, parts[k] != NULL ? parts[k] : "", len);
		p[len] = '\0';
		p += len + 1;
	}
	memcpy(p, ids, 2 * nroles);
	p += 2 * nroles;
	return (size_t)(p - start);
}

static size_t
blob_size(const struct cw_db_entry *e)
{
	const struct cw_staff *st = &e->rec.staff;

	return strlen(st->uid) + strlen(e->uuid) + strlen(e->dn) + 3 +
	    (e->modified != NULL ? strlen(e->modified) + 1 : 0) +
	    (st->invalid ? strlen(st->invalid_why) + 1 : 0) +
	    2 * st->roles.count;
}

static void
fill_rec(struct cw_srec *r, const struct cw_db_entry *e)
{
	const struct cw_staff *st = &e->rec.staff;
	const struct cw_when *w[CW_SREC_NDATES] = { &st->leaving,
	    &st->identity_check, &st->criminal_record_check,
	    &st->right_to_work_check, &st->right_to_work_expiry,
	    &st->clearance_expiry, &st->training };
	size_t k;

	r->present = 0;
	for (k = 0; k < CW_SREC_NDATES; k++) {
		r->at[k] = w[k]->at;
		if (w[k]->present)
			r->present |= (uint8_t)(1u << k);
	}
	r->learned = e->learned;
	r->nroles = (uint16_t)st->roles.count;
	r->employment = (uint8_t)st->employment;
	r->clearance = (uint8_t)st->clearance;
	r->flags = CW_SREC_LIVE | (st->invalid ? CW_SREC_INVALID : 0) |
	    (e->locked ? CW_SREC_LOCKED : 0) |
	    (e->modified != NULL ? CW_SREC_HAS_MODIFIED : 0);
	r->uid_next = CW_SREC_NONE;
}

/* Links record i into the uid index (which has room), after any others
 * with its uid. */
static void
link_uid(struct cw_sstore *s, uint32_t i)
{
	uint32_t h = ix_get(s, &s->by_uid, cw_srec_uid, cw_srec_uid(s, i));

	if (h == CW_SREC_NONE) {
		ix_insert(s, &s->by_uid, cw_srec_uid, i);
		return;
	}
	while (s->recs[h].uid_next != CW_SREC_NONE)
		h = s->recs[h].uid_next;
	s->recs[h].uid_next = i;
}

int
cw_sstore_put(struct cw_sstore *s, const struct cw_db_entry *e)
{
	const struct cw_staff *st = &e->rec.staff;
	uint16_t *ids = NULL;
	size_t k, need = blob_size(e);
	long id;
	uint32_t i;
	int rc = -1;

	if (st->roles.count > UINT16_MAX || need > (1u << 20) ||
	    (ids = calloc(st->roles.count + 1, sizeof(*ids))) == NULL)
		goto out;
	for (k = 0; k < st->roles.count; k++) {
		if ((id = role_id(s, st->roles.names[k])) < 0)
			goto out;
		ids[k] = (uint16_t)id;
	}
	/* Everything that can fail, before anything changes. */
	if (arena_reserve(s, need) < 0 ||
	    (i = rec_reserve(s)) == CW_SREC_NONE ||
	    ix_reserve(s, &s->by_uuid, cw_srec_uuid, s->live) < 0 ||
	    ix_reserve(s, &s->by_uid, cw_srec_uid, s->live) < 0)
		goto out;
	if (i == s->free_head)
		s->free_head = s->recs[i].uid_next;
	else
		s->nrecs++;
	fill_rec(&s->recs[i], e);
	s->recs[i].blob = (uint32_t)s->arena_len;
	s->recs[i].bloblen = (uint32_t)write_blob(s, e, ids, st->roles.count);
	s->arena_len += s->recs[i].bloblen;
	ix_insert(s, &s->by_uuid, cw_srec_uuid, i);
	link_uid(s, i);
	s->live++;
	rc = 0;
out:
	free(ids);
	return rc;
}

/* Takes record i out of the uid index or its uid's chain. */
static void
unlink_uid(struct cw_sstore *s, uint32_t i)
{
	bool found;
	size_t p = ix_probe(s, &s->by_uid, cw_srec_uid, cw_srec_uid(s, i),
	    &found);
	uint32_t h;

	if (!found)
		return;
	h = s->by_uid.slots[p];
	if (h == i) {
		s->by_uid.slots[p] = s->recs[i].uid_next != CW_SREC_NONE ?
		    s->recs[i].uid_next : SLOT_TOMB;
		return;
	}
	while (s->recs[h].uid_next != CW_SREC_NONE &&
	    s->recs[h].uid_next != i)
		h = s->recs[h].uid_next;
	if (s->recs[h].uid_next == i)
		s->recs[h].uid_next = s->recs[i].uid_next;
}

bool
cw_sstore_remove(struct cw_sstore *s, const char *uuid)
{
	bool found;
	size_t p;
	uint32_t i;

	if (s->by_uuid.nslots == 0)
		return false;
	p = ix_probe(s, &s->by_uuid, cw_srec_uuid, uuid, &found);
	if (!found)
		return false;
	i = s->by_uuid.slots[p];
	s->by_uuid.slots[p] = SLOT_TOMB;
	unlink_uid(s, i);
	s->garbage += s->recs[i].bloblen;
	s->recs[i].flags = 0;
	s->recs[i].uid_next = s->free_head;
	s->free_head = i;
	s->live--;
	return true;
}

uint32_t
cw_sstore_find_uuid(const struct cw_sstore *s, const char *uuid)
{
	return ix_get(s, &s->by_uuid, cw_srec_uuid, uuid);
}

uint32_t
cw_sstore_find_uid(const struct cw_sstore *s, const char *uid, size_t *count)
{
	uint32_t h = ix_get(s, &s->by_uid, cw_srec_uid, uid), i;

	*count = 0;
	for (i = h; i != CW_SREC_NONE; i = s->recs[i].uid_next)
		(*count)++;
	return h;
}

void
cw_sstore_staff(const struct cw_sstore *s, uint32_t i, struct cw_staff *out,
    char **roles)
{
	const struct cw_srec *r = &s->recs[i];
	struct cw_when *w[CW_SREC_NDATES] = { &out->leaving,
	    &out->identity_check, &out->criminal_record_check,
	    &out->right_to_work_check, &out->right_to_work_expiry,
	    &out->clearance_expiry, &out->training };
	const unsigned char *ids = srec_roles(s, i);
	uint16_t id;
	size_t k;

	memset(out, 0, sizeof(*out));
	snprintf(out->uid, sizeof(out->uid), "%s", cw_srec_uid(s, i));
	out->invalid = (r->flags & CW_SREC_INVALID) != 0;
	snprintf(out->invalid_why, sizeof(out->invalid_why), "%s",
	    srec_why(s, i));
	out->employment = (enum cw_employment)r->employment;
	out->clearance = (enum cw_clearance)r->clearance;
	for (k = 0; k < CW_SREC_NDATES; k++) {
		w[k]->present = (r->present >> k) & 1;
		w[k]->at = r->at[k];
	}
	for (k = 0; k < r->nroles; k++) {
		memcpy(&id, ids + 2 * k, sizeof(id));
		roles[k] = s->role_names[id];
	}
	out->roles.names = roles;
	out->roles.count = r->nroles;
}
