/* SPDX-License-Identifier: MIT */
/*
 * store.h - the Redis key layout shared by every clearwayd of a fleet.
 *
 *   <prefix>staff       HASH entryUUID -> entry JSON (core/entry.h)
 *   <prefix>hostclass   HASH entryUUID -> entry JSON
 *   <prefix>role        HASH entryUUID -> entry JSON
 *   <prefix>revoked     SET  uid        (revocation queue, later issue)
 *   <prefix>elevations  HASH uid -> [{"role","start","end"}, ...]
 *   <prefix>gen         INTEGER: one more for every change batch
 *   <prefix>changes     STREAM: entry <gen>-1 lists what batch <gen> changed
 *   <prefix>ldap:cookie STRING: the RFC 4533 cookie the stored data covers
 *   <prefix>ldap:state  HASH: sync status for clearwayctl (connected, ...)
 *   <prefix>epoch       STRING: 32 random hex digits, made once with the
 *                       data: a store that lost it (FLUSHALL, restarted
 *                       empty, another server) is not the one a host knew
 *   <prefix>reinstated  HASH uid -> "<epoch> <gen> <at>": the last
 *                       reinstate of uid (revocation_queue.c), removed
 *                       when uid is revoked again; the only thing that
 *                       lets a host take a user off its deny-list
 *
 * Raw entries, not parsed records, are stored so that every daemon parses
 * them with the same code (core/record.c) and an invalid value stays
 * visible as invalid everywhere.  Keys are entryUUIDs because DNs change on
 * rename and syncrepl deletes arrive as UUIDs only.
 *
 * A batch of changes, the generation bump, its change-log entry and the
 * cookie are written by one Lua script, so they are atomic: a reader never
 * sees a cookie without the changes it covers, or changes without a log.
 */
#ifndef CW_STORE_H
#define CW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/policy_db.h"
#include "store/redis.h"

#define CW_PREFIX_MAX 32

struct cw_store {
	struct cw_redis *redis;
	char prefix[CW_PREFIX_MAX + 1];
};

/* One change to write: json NULL means the entry is gone. */
struct cw_store_change {
	enum cw_kind kind;
	const char *uuid;
	const char *json;
};

enum cw_cookie_op { CW_COOKIE_KEEP, CW_COOKIE_SET, CW_COOKIE_CLEAR };

/* 0, or -1 when the prefix is too long or not [A-Za-z0-9:_-]. */
int cw_store_init(struct cw_store *st, struct cw_redis *redis,
    const char *prefix);

/* Writes n changes and the cookie atomically; returns the new generation. */
long long cw_store_write(struct cw_store *st,
    const struct cw_store_change *changes, size_t n, enum cw_cookie_op op,
    const char *cookie, size_t cookie_len, char *err, size_t errlen);

/* Deletes the stored cookie (no generation bump: no entry changed). */
int cw_store_forget_cookie(struct cw_store *st, char *err, size_t errlen);

/* The stored cookie (malloc'd, *len bytes) or NULL when none.  0 or -1. */
int cw_store_cookie(struct cw_store *st, char **cookie, size_t *len,
    char *err, size_t errlen);

/* Every stored entryUUID with its kind (map uuid -> kind + 1). 0 or -1. */
int cw_store_all_uuids(struct cw_store *st, struct cw_strmap *out,
    char *err, size_t errlen);

int cw_store_generation(struct cw_store *st, long long *gen, char *err,
    size_t errlen);

/*
 * The delta from generation `from` to the present: the entries the change
 * log names, re-read and parsed, plus the revoked set and elevations.
 * *gap is set (and NULL returned) when the log cannot explain every
 * generation in between (trimmed, or bumped by a writer that keeps no
 * log): the caller then loads everything.
 */
struct cw_delta *cw_store_delta_since(struct cw_store *st, long long from,
    bool *gap, size_t *skipped, char *err, size_t errlen);

/*
 * Everything, in one MULTI/EXEC, as a delta that replaces the database.
 * Parsing 100,000 entries takes seconds, so stopping (may be NULL) is
 * asked every few thousand: when it says yes, the load is abandoned (NULL,
 * err "stopping") and the daemon can stop within its bound.
 */
struct cw_delta *cw_store_load_all(struct cw_store *st,
    bool (*stopping)(void *), void *stopping_arg, size_t *skipped,
    char *err, size_t errlen);

/*
 * Records a leaver event for the revocation queue (HSETNX <prefix>leavers
 * uid -> {"dn","reason","at"}): 1 when new, 0 when already recorded, -1.
 */
int cw_store_record_leaver(struct cw_store *st, const char *uid,
    const char *dn, const char *reason, int64_t at, char *err,
    size_t errlen);

/*
 * Elevations (store_elevation.c).  cw_store_elevate adds a grant (one of
 * the same role is replaced) and returns the new generation;
 * cw_store_drop ends uid's running grant of role now, returning the
 * generation or 0 when there was none; cw_store_expire_elevations removes
 * ended grants, calling ended("uid:role") for each, and returns how many.
 * All record history in <prefix>elevation-history.  -1 on failure.
 */
long long cw_store_elevate(struct cw_store *st, const char *uid,
    const struct cw_elevation *e, int64_t now, char *err, size_t errlen);
long long cw_store_drop(struct cw_store *st, const char *uid,
    const char *role, const char *actor, int64_t now, char *err,
    size_t errlen);
/* Ends all of uid's running grants (a revocation); how many, or -1. */
int cw_store_drop_all_elevations(struct cw_store *st, const char *uid,
    const char *actor, int64_t now, char *err, size_t errlen);
int cw_store_expire_elevations(struct cw_store *st, int64_t now,
    void (*ended)(const char *uid_role, void *arg), void *arg, char *err,
    size_t errlen);

/*
 * Waits (at most block_ms) for a change-log entry after generation after:
 * Redis wakes us the moment another daemon (or this one) writes, so a
 * revocation reaches every host by push, not at the next poll.  1 when
 * there is news, 0 on timeout, -1.  block_ms must stay below the
 * client's timeout.
 */
int cw_store_wait_change(struct cw_store *st, long long after, int block_ms,
    char *err, size_t errlen);

#define CW_EPOCH_LEN 32

/*
 * The store's identity before a reload: its epoch (made now, from
 * getrandom, when missing: *created says so), generation, and how many
 * revocations are open (<prefix>rev:open: a scheduled one bumps no
 * generation), read atomically.  0 or -1.
 */
int cw_store_identity(struct cw_store *st, char epoch[CW_EPOCH_LEN + 1],
    bool *created, long long *gen, long long *open, char *err,
    size_t errlen);

/*
 * The reinstate markers of uids[0..n): out[i] gets the marker's epoch and
 * generation (epoch "" when there is none).  0 or -1.
 */
struct cw_reinstate_mark {
	char epoch[CW_EPOCH_LEN + 1];
	long long gen;
};
int cw_store_reinstated(struct cw_store *st, const char *const *uids,
    size_t n, struct cw_reinstate_mark *out, char *err, size_t errlen);

/*
 * Puts uids[0..n) back in <prefix>revoked (a store that forgot them),
 * with a gen bump and change-log entry; idempotent.  The new generation,
 * or -1.
 */
long long cw_store_reassert(struct cw_store *st, const char *const *uids,
    size_t n, char *err, size_t errlen);

/* Records sync status fields (name, value pairs) for clearwayctl status. */
int cw_store_set_state(struct cw_store *st, const char *const *fields,
    size_t nfields, char *err, size_t errlen);

#endif
