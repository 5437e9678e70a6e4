/*
 * sync.h - the background thread that keeps the policy data fresh.
 *
 * It mirrors LDAP into Redis (when this daemon is a syncing one, with
 * RFC 4533: ldap_mirror.c), follows the Redis change log, and hands the
 * server thread deltas to apply (policy_db.h).  All of its waits are
 * bounded and none is on the server thread's path: LDAP or Redis being
 * slow or down only makes the data older, never a PAM call slower.
 */
#ifndef CW_SYNC_H
#define CW_SYNC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "entry_watch.h"
#include "policy_db.h"
#include "redis.h"
#include "store.h"

struct cw_mirror;

/* What clearwayctl status shows about synchronization. */
struct cw_sync_status {
	bool ldap_enabled;
	bool ldap_connected;
	bool refreshed;
	char ldap_uri[128];
	int64_t ldap_since;             /* state last changed (Unix s) */
	int64_t last_change;            /* last LDAP change written */
	size_t written;
	bool redis_up;
	long long generation;           /* last applied */
	int64_t last_reload;
};

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
	struct cw_delta *queue, *queue_tail;    /* under lock */
	struct cw_sync_status status;   /* under lock */

	/* Owned by the thread. */
	struct cw_mirror *mirror;
	struct cw_entry_watch watch;
	bool have_db;
	long long generation;
	int backoff_ms;
	long long next_ldap_ms;
};

int cw_sync_start(struct cw_sync *s, const struct cw_config *cfg,
    struct cw_redis *redis, int wake_fd, char *err, size_t errlen);

/* Takes every waiting delta, oldest first (a list via ->next). */
struct cw_delta *cw_sync_take(struct cw_sync *s);

void cw_sync_get_status(struct cw_sync *s, struct cw_sync_status *out);

void cw_sync_stop(struct cw_sync *s);

#endif
