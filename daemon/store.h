/*
 * store.h - the Redis key layout shared by every clearwayd of a fleet.
 *
 *   <prefix>staff       HASH entryUUID -> entry JSON (core/entry.h)
 *   <prefix>hostclass   HASH entryUUID -> entry JSON
 *   <prefix>role        HASH entryUUID -> entry JSON
 *   <prefix>revoked     SET  uid        (revocation queue, later issue)
 *   <prefix>elevations  HASH uid -> [{"role","start","end"}, ...]
 *   <prefix>gen         INTEGER, bumped in the same MULTI as any change
 *
 * Raw entries, not parsed records, are stored so that every daemon parses
 * them with the same code (core/record.c) and an invalid value stays
 * visible as invalid everywhere.  Keys are entryUUIDs because DNs change on
 * rename and deletes arrive from syncrepl as UUIDs only.
 */
#ifndef CW_STORE_H
#define CW_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "entry.h"
#include "redis.h"
#include "snapshot.h"

enum cw_kind {
	CW_KIND_STAFF = 0,
	CW_KIND_HOST_CLASS,
	CW_KIND_ROLE,
	CW_KIND_COUNT
};

#define CW_PREFIX_MAX 32

struct cw_store {
	struct cw_redis *redis;
	char prefix[CW_PREFIX_MAX + 1];
};

/* 0, or -1 when the prefix is too long or not [A-Za-z0-9:_-]. */
int cw_store_init(struct cw_store *st, struct cw_redis *redis,
    const char *prefix);

/*
 * Makes the stored set of entries of one kind equal to entries[0..n):
 * changed or new ones are written, absent ones removed, and the generation
 * bumped, all in one MULTI/EXEC, only if something differs.  changed (n
 * bools, may be NULL) tells the caller which entries were new or different.
 * Returns the number of entries written or removed, or -1.
 */
long cw_store_mirror(struct cw_store *st, enum cw_kind kind,
    const struct cw_entry *entries, size_t n, bool *changed,
    char *err, size_t errlen);

/* Reads the generation counter (0 when never set). */
int cw_store_generation(struct cw_store *st, long long *gen, char *err,
    size_t errlen);

/*
 * Loads everything in one MULTI/EXEC (a consistent view) into a new,
 * finished snapshot.  Values that cannot be used are skipped and counted
 * in *skipped; the first such problem is described in err.
 */
struct cw_snapshot *cw_store_load(struct cw_store *st, size_t *skipped,
    char *err, size_t errlen);

#endif
