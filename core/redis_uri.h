/* SPDX-License-Identifier: MIT */
/*
 * redis_uri.h - the Redis addresses [redis] uri and read_uri may name:
 *
 *   redis://HOST[:PORT]        one server (rediss:// with TLS)
 *   sentinel://H1[:P1],H2[:P2],.../MASTERNAME
 *                              Redis Sentinel: the sentinels are asked
 *                              which server is MASTERNAME's master
 *                              (sentinels:// with TLS, to the sentinels
 *                              and to the servers alike)
 *
 * HOST is a name or an address, an IPv6 address in brackets.  No user,
 * password, database or query: secrets stay in files, and anything we
 * would ignore is refused rather than silently dropped.  Pure (core/):
 * the config parser validates with it, the daemon's sentinel.c reads
 * the sentinels from it.
 */
#ifndef CW_REDIS_URI_H
#define CW_REDIS_URI_H

#include <stdbool.h>
#include <stddef.h>

#define CW_REDIS_HOST_MAX 255
#define CW_SENTINEL_MAX 16              /* sentinels in one uri */
#define CW_SENTINEL_NAME_MAX 127        /* a master name */
#define CW_REDIS_PORT_DEFAULT 6379
#define CW_SENTINEL_PORT_DEFAULT 26379

struct cw_redis_addr {
	char host[CW_REDIS_HOST_MAX + 1];       /* without the brackets */
	int port;
};

/*
 * One HOST[:PORT] of len bytes at s (not NUL-terminated), port defport
 * when absent.  0, or -1 with err.
 */
int cw_redis_hostport(const char *s, size_t len, int defport,
    struct cw_redis_addr *out, char *err, size_t errlen);

/*
 * redis://HOST[:PORT] or rediss://HOST[:PORT]: the address and whether
 * it says TLS.  0, or -1 with err (naming what is wrong, not the key).
 */
int cw_redis_uri_server(const char *uri, struct cw_redis_addr *out,
    bool *tls, char *err, size_t errlen);

struct cw_sentinel_uri {
	bool tls;                       /* sentinels:// */
	size_t n;
	struct cw_redis_addr addr[CW_SENTINEL_MAX];
	char master[CW_SENTINEL_NAME_MAX + 1];
};

/* Whether uri is a sentinel:// or sentinels:// one. */
bool cw_redis_uri_is_sentinel(const char *uri);

/*
 * sentinel://H1[:P1],.../MASTERNAME (ports default to 26379; MASTERNAME
 * is [A-Za-z0-9._-], as sentinel.conf can carry it).  0, or -1 with err.
 */
int cw_sentinel_uri_parse(const char *uri, struct cw_sentinel_uri *out,
    char *err, size_t errlen);

#endif
