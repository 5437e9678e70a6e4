/* SPDX-License-Identifier: MIT */
/*
 * revoker.h - the threads that carry out queued revocations: the central
 * steps (end elevations, lock the LDAP account, remove standing roles and
 * named group memberships), dead letters, scheduled revocations falling
 * due, and the deadline watch.  The per-host step (ending the user's
 * sessions) is driven by the revoked set arriving on each host: the
 * follow thread (sync.c) puts it in the inbox the wiring connects.
 */
#ifndef CW_REVOKER_H
#define CW_REVOKER_H

#include "config.h"
#include "lib/namebox.h"
#include "lib/wake.h"
#include "store/redis.h"

struct cw_revoker;

/*
 * Starts [daemon] revocation_workers threads (none: returns a revoker that
 * only answers pokes), each with a Redis client from new_redis(arg).
 */
struct cw_revoker *cw_revoker_start(const struct cw_config *cfg,
    struct cw_redis *(*new_redis)(void *), void *arg, const char *host,
    char *err, size_t errlen);

/*
 * The workers' doorbell: ring it when work was queued, and they look at
 * the queue now rather than at the next tick.
 */
struct cw_wake *cw_revoker_bell(struct cw_revoker *r);

/*
 * The host thread's inbox.  Put in it the revoked set as it now is (users
 * no longer in it, reinstated, leave the journal of finished session ends,
 * so that a later revocation ends their sessions again), then each user
 * just revoked: their sessions and processes here are ended and the step
 * end_sessions@<host> recorded.  A user whose sessions were already ended
 * here since the revocation (state_dir/sessions_ended.list) is skipped,
 * so a restart never redoes a finished step.
 */
struct cw_namebox *cw_revoker_inbox(struct cw_revoker *r);

void cw_revoker_stop(struct cw_revoker *r);

#endif
