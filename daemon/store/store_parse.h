/* SPDX-License-Identifier: MIT */
/*
 * store_parse.h - parsing a loaded hash of stored entries into a policy
 * db, on the loading thread alone or split with a parse worker.
 *
 * A restart parses the whole directory (100,000 staff: most of the time
 * to resume), so a load can use a second thread; but the store starts no
 * threads of its own.  The owner of a connection that loads (the sync's
 * follow thread) starts a worker once, puts it in its cw_store
 * (st->parser) and stops it after its last load.  The worker sleeps until
 * a load hands it half of a hash; the loader parses the other half and
 * waits for it.  Inserting into the db stays on the loading thread.
 */
#ifndef CW_STORE_PARSE_H
#define CW_STORE_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/policy_db.h"
#include "store/redis.h"

struct cw_parse_worker;

/*
 * Starts a worker thread.  NULL when it cannot (out of memory or
 * threads): loads then parse on their own thread, which is only slower.
 */
struct cw_parse_worker *cw_parse_worker_start(void);

/*
 * Stops the worker and frees it; NULL is fine.  Only its owner calls it,
 * never while one of its loads runs (so the worker is idle).
 */
void cw_parse_worker_stop(struct cw_parse_worker *w);

/* A caller's "are we stopping?" question, asked every few thousand. */
struct cw_stop_check {
	bool (*stopping)(void *);       /* NULL: never */
	void *arg;
};

/*
 * Adds every value of a hash reply r (uuid, json, ...) of kind to db,
 * parsed on this thread and w's (w may be NULL).  Unusable values count
 * in *skipped, the first one's reason in err.  Returns 0; -1 when out of
 * memory; 1 when stop said to give up (err "stopping", db partly filled).
 */
int cw_store_parse_hash(struct cw_parse_worker *w, struct cw_db *db,
    enum cw_kind kind, const redisReply *r, const struct cw_stop_check *stop,
    size_t *skipped, char *err, size_t errlen);

#endif
