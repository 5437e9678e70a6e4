/*
 * sync.h - the background thread that keeps the policy view fresh.
 *
 * It mirrors LDAP into Redis (when this daemon is a syncing one), watches
 * the Redis generation counter, and when it moves builds a new snapshot and
 * hands it to the server thread.  All of its waits are bounded and none of
 * them is ever on the server thread's path: LDAP or Redis being slow or
 * down only makes the data older, never a PAM call slower.
 */
#ifndef CW_SYNC_H
#define CW_SYNC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "redis.h"
#include "snapshot.h"
#include "store.h"

struct cw_sync {
	const struct cw_config *cfg;
	struct cw_redis *redis;
	struct cw_store store;
	int wake_fd;                    /* eventfd the server polls */

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;                      /* under lock */
	struct cw_snapshot *pending;    /* under lock: newest, not yet taken */

	/* Owned by the thread: state for change-only logging. */
	bool ldap_up, redis_up;
	long long generation;
	bool have_snapshot;
	int backoff_ms;
	long long next_ldap_ms;
};

/* Starts the thread; 0 or -1 with err. */
int cw_sync_start(struct cw_sync *s, const struct cw_config *cfg,
    struct cw_redis *redis, int wake_fd, char *err, size_t errlen);

/* Takes the newest snapshot, if one is waiting (the caller owns it). */
struct cw_snapshot *cw_sync_take(struct cw_sync *s);

/* Asks the thread to stop and waits for it. */
void cw_sync_stop(struct cw_sync *s);

#endif
