/* SPDX-License-Identifier: MIT */
/*
 * revoker.h - the threads that carry out queued revocations: the central
 * steps (end elevations, lock the LDAP account, remove standing roles and
 * named group memberships), dead letters, scheduled revocations falling
 * due, and the deadline watch.  The per-host step (ending the user's
 * sessions) is driven by the revoked set arriving on each host (sync.c).
 */
#ifndef CW_REVOKER_H
#define CW_REVOKER_H

#include "config.h"
#include "store/redis.h"

struct cw_revoker;

/*
 * Starts [daemon] revocation_workers threads (none: returns a revoker that
 * only answers pokes), each with a Redis client from new_redis(arg).
 */
struct cw_revoker *cw_revoker_start(const struct cw_config *cfg,
    struct cw_redis *(*new_redis)(void *), void *arg, const char *host,
    char *err, size_t errlen);

/* Work arrived: look at the queue now rather than at the next tick. */
void cw_revoker_poke(struct cw_revoker *r);

/*
 * uid has just been revoked (seen by this host's sync): end their sessions
 * and processes here, and record the step end_sessions@<host>.  A user
 * whose sessions were already ended here since the revocation (recorded
 * in state_dir/sessions_ended.list) is skipped, so a restart never redoes
 * a finished step.
 */
void cw_revoker_host_revoked(struct cw_revoker *r, const char *uid);

/*
 * The whole revoked set, as it now is: users no longer in it (reinstated)
 * leave the journal of finished session ends, so that a later revocation
 * ends their sessions again.
 */
struct cw_strmap;
void cw_revoker_host_revoked_set(struct cw_revoker *r,
    const struct cw_strmap *revoked);

void cw_revoker_stop(struct cw_revoker *r);

#endif
