/* SPDX-License-Identifier: MIT */
/*
 * lease.h - a lease in Redis with a fencing token: at most one holder
 * at a time among every daemon sharing the store, for the sync leader
 * (<prefix>sync:leader) and the audit writer (<prefix>audit:writer).
 *
 * The lease key holds the holder's token with a PX ttl.  A new holder
 * draws its token from an INCR counter, so tokens only grow.  Every write
 * a holder makes carries its token, and the write's Lua script starts
 * with the check (lua/fence_lib.lua) that the lease still holds exactly
 * that token: a holder that was paused (SIGSTOP, a long GC-like stall) or
 * cut off past its ttl, and woke up after another took over, has every
 * write refused, atomically, even in the middle of a batch.  The local
 * clock only decides when to renew and when to stop trying; safety never
 * depends on it.
 *
 * Acquire, renew and release are Lua (lease_*.lua): the compare and the
 * set are one step.  Not thread-safe: one thread owns a lease; other
 * threads may read cw_lease_token_now() (atomic) for status.
 */
#ifndef CW_LEASE_H
#define CW_LEASE_H

#include <stdbool.h>
#include <stdatomic.h>

#include "store/keys.h"
#include "store/redis.h"

#define CW_LEASE_TOKEN_MAX 24

struct cw_lease {
	struct cw_redis *redis;
	char key[CW_KEY_MAX];
	char fence_key[CW_KEY_MAX];
	int ttl_ms;
	/* "" when not held; else the decimal token every write carries. */
	char token[CW_LEASE_TOKEN_MAX];
	/* cw_now_ms() just before the last successful acquire or renew was
	 * sent: the lease cannot have expired before renewed_ms + ttl_ms. */
	long long renewed_ms;
	/* The token for other threads (status); 0 when not held. */
	_Atomic long long published;
	/* Writes refused because the lease had moved on (cw_lease_refused). */
	_Atomic unsigned long refused;
};

/*
 * Names the lease <prefix><name> and its counter <prefix><fence_name>,
 * on redis (owned by the caller).  ttl_ms >= 300.  0, or -1 when a name
 * does not fit.
 */
int cw_lease_init(struct cw_lease *l, struct cw_redis *redis,
    const char *prefix, const char *name, const char *fence_name,
    int ttl_ms);

/*
 * What a write on another thread's connection needs of src, copied into
 * dst: the names and the token held now (no connection: dst only fences
 * writes, and a refused write forgets dst's token, not src's).
 */
void cw_lease_snapshot(struct cw_lease *dst, const struct cw_lease *src);

/*
 * Takes the lease if it is free, already ours (then it is renewed), or
 * held by dead_token (a token the caller proved dead; NULL or "" when
 * none).  1 when held now (l->token set; holder, if not NULL, gets the
 * token that held it just before: "" when it was free), 0 when another
 * holds it (holder gets its token), -1 when Redis failed (err).
 */
int cw_lease_acquire(struct cw_lease *l, const char *dead_token,
    char *holder, size_t holderlen, char *err, size_t errlen);

/*
 * Extends the lease if it still holds our token.  1 renewed, 0 lost (the
 * token is forgotten: l->token is ""), -1 Redis failed (still ours as
 * far as we know; cw_lease_expired says when to stop believing it).
 */
int cw_lease_renew(struct cw_lease *l, char *err, size_t errlen);

/* Gives the lease up if still ours, and forgets the token.  Best effort. */
void cw_lease_release(struct cw_lease *l);

/* Forgets the token without a word to Redis (it was lost). */
void cw_lease_forget(struct cw_lease *l);

static inline bool
cw_lease_held(const struct cw_lease *l)
{
	return l->token[0] != '\0';
}

/* Whether a renewal is due (a third of the ttl since the last). */
bool cw_lease_renew_due(const struct cw_lease *l, long long now_ms);

/*
 * Whether the lease may have expired by now by our own clock (no
 * successful renewal for ttl_ms): a holder that cannot reach Redis stops
 * working then.  Writes are fenced anyway; this only stops useless work.
 */
bool cw_lease_expired(const struct cw_lease *l, long long now_ms);

/*
 * Whether err (from a fenced write) says the lease refused the token;
 * when it does, counts the refusal in l->refused and forgets the token.
 */
bool cw_lease_refused(struct cw_lease *l, const char *err);

/* The token held now, for status: 0 when none.  Any thread. */
long long cw_lease_token_now(const struct cw_lease *l);

#endif
