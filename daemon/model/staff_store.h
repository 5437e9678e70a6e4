/* SPDX-License-Identifier: MIT */
/*
 * staff_store.h - the staff records of the policy db in compact form.
 *
 * At 100,000 staff the records are most of a host daemon's memory, so
 * they are kept as what decisions (and status) need and nothing more:
 * one fixed-size struct per person (dates as int64, enums as bytes) in
 * one array, and the person's strings (uid, entryUUID, DN,
 * modifyTimestamp, the reason it is invalid) and role ids in one blob of
 * a shared arena.  Role names are interned once (a directory has tens of
 * them, not thousands).  Two open-addressing indexes of uint32 record
 * numbers find a record by entryUUID and by uid (several entries with one
 * uid are chained: the policy denies such a uid as ambiguous).
 *
 * Nothing here allocates per person: a put appends to the arena, a remove
 * counts its blob as garbage, and the arena is compacted when the garbage
 * outgrows what is live.  One owning thread, no locks (policy_db.h).
 */
#ifndef CW_STAFF_STORE_H
#define CW_STAFF_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define CW_SREC_NONE UINT32_MAX

/* The dates of a staff record, in struct cw_staff's order. */
enum { CW_SREC_LEAVING, CW_SREC_IDENTITY, CW_SREC_CRIMINAL, CW_SREC_RTW,
    CW_SREC_RTW_EXPIRY, CW_SREC_CLEARANCE_EXPIRY, CW_SREC_TRAINING,
    CW_SREC_NDATES };

/* One person.  Blob: uid NUL uuid NUL dn NUL [modified NUL] [why NUL]
 * then nroles uint16 role ids (unaligned: read with memcpy). */
struct cw_srec {
	int64_t at[CW_SREC_NDATES];
	int64_t learned;
	uint32_t blob;          /* arena offset */
	uint32_t bloblen;
	uint32_t uid_next;      /* same uid / the free list: CW_SREC_NONE */
	uint16_t nroles;
	uint8_t present;        /* bit i: at[i] is set */
	uint8_t employment, clearance;
	uint8_t flags;          /* CW_SREC_* below */
};

#define CW_SREC_LIVE            0x01
#define CW_SREC_INVALID         0x02
#define CW_SREC_LOCKED          0x04
#define CW_SREC_HAS_MODIFIED    0x08

/* An open-addressing table of record numbers, linear probing. */
struct cw_sindex {
	uint32_t *slots;
	size_t nslots;          /* a power of two, or 0 */
	size_t used;            /* live + tombstones */
};

struct cw_sstore {
	struct cw_srec *recs;
	size_t nrecs, caprecs;  /* nrecs: slots handed out so far */
	size_t live;
	uint32_t free_head;     /* a freed record number, or NONE */
	char *arena;
	size_t arena_len, arena_cap, garbage;
	size_t garbage_min;     /* compact above this much (tests lower it) */
	size_t compactions;
	struct cw_sindex by_uuid, by_uid;
	char **role_names;      /* interned: id -> name */
	size_t nrole_names, caprole_names;
	struct cw_sindex role_ids;      /* name -> id (as a record number) */
};

void cw_sstore_init(struct cw_sstore *s);
void cw_sstore_free(struct cw_sstore *s);

/*
 * Adds a staff record (e is only read: the caller frees it).  The caller
 * first removes any record with the same uuid.  0, or -1 when out of
 * memory (the store is unchanged).
 */
struct cw_db_entry;
int cw_sstore_put(struct cw_sstore *s, const struct cw_db_entry *e);

/* Removes the record with this uuid: true if there was one. */
bool cw_sstore_remove(struct cw_sstore *s, const char *uuid);

/* Record numbers by key, or CW_SREC_NONE; *count gets how many entries
 * carry the uid (chained from the one returned). */
uint32_t cw_sstore_find_uuid(const struct cw_sstore *s, const char *uuid);
uint32_t cw_sstore_find_uid(const struct cw_sstore *s, const char *uid,
    size_t *count);

/* A record's strings, pointing into the arena: valid until the next put,
 * remove or compaction. */
const char *cw_srec_uid(const struct cw_sstore *s, uint32_t i);
const char *cw_srec_uuid(const struct cw_sstore *s, uint32_t i);
const char *cw_srec_dn(const struct cw_sstore *s, uint32_t i);
const char *cw_srec_modified(const struct cw_sstore *s, uint32_t i);

/*
 * Fills out (a full struct cw_staff, as record.c built it) from record
 * i; out->roles.names points at roles (room for nroles, which the caller
 * sizes from s->recs[i].nroles) holding interned names.  Never freed.
 */
void cw_sstore_staff(const struct cw_sstore *s, uint32_t i,
    struct cw_staff *out, char **roles);

#endif
