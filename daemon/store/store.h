/* SPDX-License-Identifier: MIT */
/*
 * store.h - reading and writing the Redis key layout (store/keys.h) that
 * every clearwayd of a fleet shares.
 *
 *   store.c          writes: change batches and the cookie, sync state,
 *                    leaver events, the store's identity, re-asserts
 *   store_read.c     small reads: cookie, generation, uuids, reinstate
 *                    markers, waiting for a change
 *   store_load.c     the policy data as a delta: everything, or what the
 *                    change log says changed since a generation
 *   store_parse.c    parsing a loaded hash, with an optional parse worker
 *   store_elevation.c  elevations
 *
 * Raw entries, not parsed records, are stored so that every daemon parses
 * them with the same code (core/record.c) and an invalid value stays
 * visible as invalid everywhere.  Keys are entryUUIDs because DNs change on
 * rename and syncrepl deletes arrive as UUIDs only.
 *
 * A batch of changes, the generation bump, its change-log entry and the
 * cookie are written by one Lua script (store/lua/store_write.lua), so
 * they are atomic: a reader never sees a cookie without the changes it
 * covers, or changes without a log.  With st->lease set (the sync
 * leader's mirror), that script and the other writes here check the
 * fencing token first, in the same script.
 *
 * No function here starts a thread: a caller that wants the parse of a
 * full load split over two threads starts a parse worker itself
 * (store_parse.h) and hands it over in struct cw_store.
 */
#ifndef CW_STORE_H
#define CW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/policy_db.h"
#include "store/keys.h"
#include "store/lease.h"
#include "store/redis.h"
#include "store/store_parse.h"

struct cw_store {
	struct cw_redis *redis;
	char prefix[CW_PREFIX_MAX + 1];
	/*
	 * Optional (NULL after cw_store_init): a parse worker its owner
	 * started (store_parse.h) and stops after its last load; loads then
	 * parse on two threads.
	 */
	struct cw_parse_worker *parser;
	/*
	 * Optional (NULL after cw_store_init): the sync leader's lease
	 * (lease.h).  When set, every write of store.c carries its token and
	 * is refused (err "... FENCED ...", cw_lease_refused) unless the
	 * lease still holds it; with no token held, writes are refused too.
	 */
	struct cw_lease *lease;
	/*
	 * Optional (NULL after cw_store_init): the sync mirror's copy of
	 * sync:mirror_seq (keys.h), set by the mirror for its session
	 * (ldap_mirror.c).  When set, cw_store_write is refused whole (err
	 * "... BEHIND ...") unless Redis still holds *mirror_seq there,
	 * and on success Redis and *mirror_seq both advance by one.
	 */
	long long *mirror_seq;

	/* Its Redis user may only read ([daemon] role = host): scripts
	 * that only read run as EVAL_RO (false after cw_store_init). */
	bool read_only;

	/*
	 * A delta carries the revoked set, elevations and suspensions only
	 * when its change log names them ("r:", "e:", "s:"), names a
	 * locked staff entry (the entry watch compares it with the revoked
	 * set), or when this is set (the loss guard's full check: cleared
	 * by the load that carries them).
	 */
	bool load_sets;
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

/*
 * Writes n changes and the cookie atomically (store_write.lua); returns
 * the new generation, or -1 with err.  Refused whole, with nothing
 * written, when st->lease is set and no longer holds its token (err
 * "... FENCED ..."), or when st->mirror_seq is set and Redis's
 * sync:mirror_seq is not *st->mirror_seq (err "... BEHIND ...": Redis
 * went back under the mirror, or another writer advanced it); on
 * success *st->mirror_seq is one more, as in Redis.  With both NULL
 * (tools, tests) the write is unchecked and advances no sequence.
 */
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

/* The generation (0 when there is none yet).  0 or -1. */
int cw_store_generation(struct cw_store *st, long long *gen, char *err,
    size_t errlen);

/*
 * sync:mirror_seq (keys.h; 0 when absent), for a mirror starting a
 * session (st->mirror_seq).  0, or -1 when unreadable or not what INCR
 * writes.
 */
int cw_store_mirror_seq(struct cw_store *st, long long *seq, char *err,
    size_t errlen);

/* "staff", "hostclass", "role": the hash (keys.h) of an entry kind. */
const char *cw_store_kind_key(enum cw_kind kind);

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
 * err "stopping") and the daemon can stop within its bound.  With
 * st->parser set, the parse runs on this thread and the worker's.
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
/* The same, ending only a grant that started before `before` (a drop
 * made again after a loss must not end a grant made since). */
long long cw_store_drop_before(struct cw_store *st, const char *uid,
    const char *role, const char *actor, int64_t now, int64_t before,
    char *err, size_t errlen);
/*
 * Suspensions (store_suspension.c, keys.h: suspended).  cw_store_suspend
 * sets uid's (replacing one there); cw_store_unsuspend lifts it.  Each
 * returns the new generation, 0 when there was nothing to lift, or -1.
 */
long long cw_store_suspend(struct cw_store *st, const char *uid,
    const struct cw_suspension *s, char *err, size_t errlen);
long long cw_store_unsuspend(struct cw_store *st, const char *uid,
    char *err, size_t errlen);
/* The same as cw_store_suspend, but only when uid has none (made again
 * after a loss: never shortens one set since); 0 when one is there. */
long long cw_store_suspend_again(struct cw_store *st, const char *uid,
    const struct cw_suspension *s, char *err, size_t errlen);
/* Parses a stored suspension ({"until","since","by","reason"}): 0 or -1. */
int cw_suspension_parse(const char *json, size_t len,
    struct cw_suspension *out);

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
 * generation), read atomically.  A read_only store reads it with EVAL_RO
 * and never makes a missing epoch (the central role does): it comes back
 * as "" with *created true, which the guard sees as a store that had no
 * epoch.  0 or -1.
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
