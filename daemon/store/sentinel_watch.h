/* SPDX-License-Identifier: MIT */
/*
 * sentinel_watch.h - one subscriber per process to the sentinels'
 * +switch-master channel, and how the daemon's client factory turns
 * [redis] uri = sentinel://..., read_from and read_uri into options.
 *
 * Why a subscriber, when ROLE on every connect and READONLY replies
 * already keep every write off a replica (redis.h): those only act when
 * a connection breaks or a write is refused.  A connection that stays up
 * to a server that is no longer the master (an old master cut off from
 * the sentinels but not from us, or one demoted and serving reads) would
 * keep being read from.  The subscriber hears the failover as the
 * sentinels announce it and bumps the topology epoch (sentinel.h); every
 * client drops its connection before its next command and asks again.
 * It is one connection per process, not per client: a fleet of
 * thousands of hosts costs the sentinels thousands of idle connections,
 * not tens of thousands.  It is an accelerator, not the guarantee: if it
 * is down, ROLE and READONLY still hold, and after it subscribes again
 * it bumps the epoch once (a switch may have been missed meanwhile).
 * It PINGs its sentinel every few seconds and moves to the next one when
 * no PONG comes back, so a half-open connection is not trusted for long.
 */
#ifndef CW_SENTINEL_WATCH_H
#define CW_SENTINEL_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "store/redis.h"
#include "store/sentinel.h"

struct cw_sentinel_watch;

/* Starts the subscriber thread.  NULL with err. */
struct cw_sentinel_watch *cw_sentinel_watch_start(struct cw_sentinel *s,
    char *err, size_t errlen);
/* Stops it within about a second and frees it.  NULL is fine. */
void cw_sentinel_watch_stop(struct cw_sentinel_watch *w);

struct cw_redis_factory;        /* daemon.h */
struct cw_config;

/*
 * The factory's fleet part: the sentinel and its watcher (with a
 * sentinel:// uri), where a reader reads.  0, or -1 with err.
 */
int cw_redis_fleet_init(struct cw_redis_factory *f,
    const struct cw_config *cfg, char *err, size_t errlen);
/* Sets o's fleet options; reader: for the follow connection. */
void cw_redis_fleet_options(const struct cw_redis_factory *f,
    struct cw_redis_options *o, bool reader);
/* After every client is freed. */
void cw_redis_fleet_free(struct cw_redis_factory *f);

#endif
