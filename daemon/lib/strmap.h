/* SPDX-License-Identifier: MIT */
/*
 * strmap.h - a string-keyed hash map (separate chaining), for the daemon's
 * in-memory indexes: entryUUID -> record, uid -> records.
 *
 * Keys are copied; values are the caller's.  Not thread-safe: each map has
 * one owning thread.
 */
#ifndef CW_STRMAP_H
#define CW_STRMAP_H

#include <stddef.h>

struct cw_strmap_node;

struct cw_strmap {
	struct cw_strmap_node **buckets;
	size_t nbuckets;        /* a power of two */
	size_t count;
};

void cw_strmap_init(struct cw_strmap *m);
/* Frees the map's nodes and keys; free_value (may be NULL) each value. */
void cw_strmap_clear(struct cw_strmap *m, void (*free_value)(void *));

void *cw_strmap_get(const struct cw_strmap *m, const char *key);
/*
 * Sets key to value; returns the value it replaced through *old (NULL if
 * none).  0, or -1 on allocation failure (map unchanged).
 */
int cw_strmap_put(struct cw_strmap *m, const char *key, void *value,
    void **old);
/* Removes key; returns its value, or NULL. */
void *cw_strmap_remove(struct cw_strmap *m, const char *key);

/* Calls fn for every entry, in no particular order; fn must not modify m. */
void cw_strmap_foreach(const struct cw_strmap *m,
    void (*fn)(const char *key, void *value, void *arg), void *arg);

#endif
