/* SPDX-License-Identifier: MIT */
/*
 * control.h - the worker that carries out clearwayctl's changes.
 *
 * The server thread decides whether a request may be made and checks it
 * against its policy data; anything that must write to Redis is handed
 * here with the client's socket, so a slow or unreachable Redis never
 * stalls a PAM decision.  The worker writes, waits (bounded) until the
 * server thread has applied the change, then answers the client: when
 * clearwayctl returns, this host already decides with the change.  It
 * also ends elevations when they expire.
 */
#ifndef CW_CONTROL_H
#define CW_CONTROL_H

#include <stdint.h>

#include "serve/authz.h"
#include "config.h"
#include "lib/wake.h"
#include "policy.h"
#include "store/redis.h"
#include "wire.h"

struct cw_control_job {
	int fd;                         /* the client; the worker closes it */
	struct cw_request req;
	struct cw_caller caller;
	struct cw_elevation grant;      /* elevate: what to write */
	char entry_uuid[80];            /* export/erase: the cached entry */
	/* request: the role's required clearance; requests: the caller's
	 * own clearance (may_approve), from the policy data */
	char role_clearance[16];
	int caller_clearance;           /* enum cw_clearance; -1: none */
	struct cw_control_job *next;
};

struct cw_control;

/* The most jobs the worker holds (queued or running): each holds an fd. */
#define CW_CONTROL_QUEUE_MAX 64

/*
 * What the worker is connected to, by the wiring (daemon.c): it calls no
 * other subsystem, it only rings their doorbells and waits on the mark.
 */
struct cw_revocation;

struct cw_control_links {
	struct cw_mark *applied;       /* the server thread's generation */
	struct cw_wake *reread;         /* the follow thread: re-read Redis */
	struct cw_wake *revq;           /* the revoker: work is queued */
	/* Told of each revocation filed here (the sync's guard keeps a
	 * copy: cw_sync_filed), with filed_arg; or NULL. */
	void (*filed)(void *arg, const struct cw_revocation *r);
	void *filed_arg;
	/* Told of each elevation dropped early here (cw_sync_dropped),
	 * with filed_arg; or NULL. */
	void (*dropped)(void *arg, const char *uid, const char *role);
	/* Told of each suspension set (s) or lifted (NULL) here
	 * (cw_sync_suspended), with filed_arg; or NULL. */
	void (*suspended)(void *arg, const char *uid,
	    const struct cw_suspension *s);
};

/* Starts the worker with its own Redis connection. */
struct cw_control *cw_control_start(const struct cw_config *cfg,
    struct cw_redis *redis, const struct cw_control_links *links,
    char *err, size_t errlen);

/*
 * Queues job; from then on the worker owns it and its fd.  The queue is
 * bounded, and so is what one non-root uid may have queued or running:
 * -1 when job does not fit (the caller still owns it: answer "busy").
 */
int cw_control_submit(struct cw_control *c, struct cw_control_job *job);

/* How many jobs of uid are queued or running (its share of the cap). */
size_t cw_control_jobs_of(struct cw_control *c, uid_t uid);

void cw_control_stop(struct cw_control *c);

#endif
