/* SPDX-License-Identifier: MIT */
/*
 * sentinel.h - Redis Sentinel discovery, above the transports: which
 * server is the master (and which replicas are fit to read from), asked
 * of the sentinels of [redis] uri = sentinel://H1:P1,.../MASTERNAME.
 *
 * One struct cw_sentinel per process, shared read-mostly by every client
 * (cw_redis_options.sentinel), thread-safe.  The client (redis.c) asks on
 * every (re)connect, connects, and checks ROLE before sending anything:
 * the sentinels' answer is a hint, the server's own ROLE is the proof.
 *
 * The topology epoch is how clients learn of a failover between their
 * calls: the watcher (sentinel_watch.c: one subscriber per process to the
 * sentinels' +switch-master channel) bumps it, and a client whose
 * connection is older than the epoch drops it before its next command.
 */
#ifndef CW_SENTINEL_H
#define CW_SENTINEL_H

#include <stdbool.h>
#include <stddef.h>

#include "redis_uri.h"
#include "store/redis.h"

/* Replicas of one answer we keep (a fleet region has a handful). */
#define CW_SENTINEL_REPLICAS_MAX 16

struct cw_sentinel_options {
	const struct cw_sentinel_uri *uri;      /* copied */
	const struct cw_redis_transport *transport;     /* tcp or tls */
	const void *transport_arg;              /* the TLS settings */
	const char *password;   /* the sentinels' (requirepass); or NULL */
	int timeout_ms;         /* bound on one sentinel's answer */
};

struct cw_sentinel;

/* NULL on allocation failure. */
struct cw_sentinel *cw_sentinel_new(const struct cw_sentinel_options *o);
/* After every client using it is freed and the watcher stopped. */
void cw_sentinel_free(struct cw_sentinel *s);

struct cw_config;
struct cw_redis_tls;

/*
 * The sentinel [redis] names, with its password file read (root-only),
 * TLS as [redis] says (tls may be NULL).  *out is NULL when [redis] uri
 * is not a sentinel one.  0, or -1 with err.
 */
int cw_sentinel_from_config(const struct cw_config *cfg,
    const struct cw_redis_tls *tls, struct cw_sentinel **out, char *err,
    size_t errlen);

size_t cw_sentinel_count(const struct cw_sentinel *s);
const char *cw_sentinel_master_name(const struct cw_sentinel *s);
/* The sentinel to ask first: the last one whose answer worked. */
size_t cw_sentinel_first(const struct cw_sentinel *s);
void cw_sentinel_prefer(struct cw_sentinel *s, size_t i);

/* The topology epoch: changes whenever a failover may have happened. */
unsigned cw_sentinel_epoch(const struct cw_sentinel *s);
void cw_sentinel_bump(struct cw_sentinel *s);

/* For the watcher: sentinel i's address, the transport, the password. */
const struct cw_redis_addr *cw_sentinel_addr(const struct cw_sentinel *s,
    size_t i);
void cw_sentinel_client_options(const struct cw_sentinel *s, size_t i,
    struct cw_redis_options *o);

struct cw_sentinel_answer {
	struct cw_redis_addr master;
	/* With replicas asked for: those the sentinel sees up (no s_down,
	 * o_down or disconnected flag) with master-link-status ok. */
	size_t nreplicas;
	struct cw_redis_addr replica[CW_SENTINEL_REPLICAS_MAX];
};

/*
 * Asks sentinel i (SENTINEL get-master-addr-by-name, and SENTINEL
 * replicas when replicas is set) within timeout_ms.  0, or -1 with err
 * (unreachable, unknown master name, a malformed answer).
 */
int cw_sentinel_ask(struct cw_sentinel *s, size_t i, bool replicas,
    int timeout_ms, struct cw_sentinel_answer *out, char *err,
    size_t errlen);

#endif
