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

/*
 * Maps used as sets of names (the values are not the map's: a set's are
 * (void *)1, and none is freed here).
 */

/* Adds every key of from to `to` (value (void *)1); -1 if one failed. */
int cw_strmap_add_keys(struct cw_strmap *to, const struct cw_strmap *from);

/* Removes from m every key that keep lacks; returns how many. */
size_t cw_strmap_keep_keys(struct cw_strmap *m, const struct cw_strmap *keep);

/* Removes from m every key of drop. */
void cw_strmap_drop_keys(struct cw_strmap *m, const struct cw_strmap *drop);

/* Calls fn for every entry, in no particular order; fn must not modify m. */
void cw_strmap_foreach(const struct cw_strmap *m,
    void (*fn)(const char *key, void *value, void *arg), void *arg);

/*
 * Like cw_strmap_foreach, a page at a time: from bucket on, whole buckets
 * until at least at_least entries were passed to fn.  Returns the bucket
 * to go on from; nbuckets (or more) when every entry was passed.  Pages
 * of a map that does not change between them cover each entry once.
 */
size_t cw_strmap_foreach_from(const struct cw_strmap *m, size_t bucket,
    size_t at_least, void (*fn)(const char *key, void *value, void *arg),
    void *arg);

#endif
