/* SPDX-License-Identifier: MIT */
/*
 * sync_filed.c - what this daemon wrote that a Redis gone back to older
 * data would take back: copies of the revocations it filed, handed from
 * the control worker to the follow thread's guard, and the elevations it
 * dropped early and the suspensions it set, made again after a loss
 * (sync.h), and kept on disk for that (set_again.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "model/hoststate.h"
#include "sync/set_again.h"
#include "sync/sync.h"

void
cw_sync_filed(void *sync, const struct cw_revocation *r)
{
	struct cw_sync *s = sync;
	bool dropped = false;

	pthread_mutex_lock(&s->wake.lock);
	if (s->nfiled == CW_SYNC_FILED_MAX) {
		memmove(&s->filed[0], &s->filed[1],
		    (CW_SYNC_FILED_MAX - 1) * sizeof(s->filed[0]));
		s->nfiled--;
		dropped = true;
	}
	s->filed[s->nfiled++] = *r;
	pthread_mutex_unlock(&s->wake.lock);
	if (dropped)
		cw_debug("sync: filed revocations arrive faster than the "
		    "follow thread keeps them; the oldest waits for a refresh");
}

void
cw_sync_keep_filed(struct cw_sync *s)
{
	size_t i, failed = 0;

	/* Under the lock: hoststate copies are memory only, a few at most. */
	pthread_mutex_lock(&s->wake.lock);
	for (i = 0; i < s->nfiled; i++)
		if (cw_hoststate_keep(&s->guard.hs, &s->filed[i]) < 0)
			failed++;
	if (s->nfiled > 0)
		s->guard.dirty = true;  /* persisted with the next reload */
	s->nfiled = 0;
	pthread_mutex_unlock(&s->wake.lock);
	if (failed > 0)
		cw_warn("sync: no room for the copies of %zu filed revocations",
		    failed);
}

void
cw_sync_dropped(void *sync, const char *uid, const char *role)
{
	struct cw_sync *s = sync;
	struct cw_sync_drop *d;

	pthread_mutex_lock(&s->wake.lock);
	d = &s->drops[s->drop_next];
	s->drop_next = (s->drop_next + 1) % CW_SYNC_DROPS_MAX;
	snprintf(d->uid, sizeof(d->uid), "%s", uid);
	snprintf(d->role, sizeof(d->role), "%s", role);
	d->at = (int64_t)time(NULL);
	pthread_mutex_unlock(&s->wake.lock);
	cw_set_again_save(s);
}

void
cw_sync_suspended(void *sync, const char *uid, const struct cw_suspension *su)
{
	struct cw_sync *s = sync;
	size_t i;

	pthread_mutex_lock(&s->wake.lock);
	/* Lifted here, or replaced: the older entries of uid go. */
	for (i = 0; i < CW_SYNC_SUSPS_MAX; i++)
		if (strcmp(s->susps[i].uid, uid) == 0)
			s->susps[i].uid[0] = '\0';
	if (su != NULL) {
		snprintf(s->susps[s->susp_next].uid,
		    sizeof(s->susps[0].uid), "%s", uid);
		s->susps[s->susp_next].s = *su;
		s->susp_next = (s->susp_next + 1) % CW_SYNC_SUSPS_MAX;
	}
	pthread_mutex_unlock(&s->wake.lock);
	cw_set_again_save(s);
}

/* The suspensions set here that still run, set again where Redis has
 * none: 0, or -1 when one could not be (logged). */
static int
resuspend(struct cw_sync *s, int64_t now)
{
	struct cw_sync_susp x;
	char err[256];
	size_t i;
	long long gen;
	int rc = 0;

	for (i = 0; i < CW_SYNC_SUSPS_MAX; i++) {
		pthread_mutex_lock(&s->wake.lock);
		x = s->susps[i];
		pthread_mutex_unlock(&s->wake.lock);
		if (x.uid[0] == '\0' || x.s.until <= now)
			continue;
		gen = cw_store_suspend_again(&s->follow_store, x.uid, &x.s, err,
		    sizeof(err));
		if (gen < 0) {
			cw_err("redis: cannot suspend %s again after the loss: "
			    "%s (retried with the next reload)", x.uid, err);
			rc = -1;
		} else if (gen > 0) {
			cw_log(LOG_ALERT, "redis: the store had lost %s's "
			    "suspension (until %lld) set here; set it again",
			    x.uid, (long long)x.s.until);
		}
	}
	return rc;
}

int
cw_sync_redrop(struct cw_sync *s)
{
	struct cw_sync_drop d;
	int64_t now = (int64_t)time(NULL);
	char err[256];
	size_t i, again = 0;
	long long gen;
	int rc = 0;

	for (i = 0; i < CW_SYNC_DROPS_MAX; i++) {
		/* One at a time under the lock: the Redis call is made
		 * without it. */
		pthread_mutex_lock(&s->wake.lock);
		d = s->drops[i];
		pthread_mutex_unlock(&s->wake.lock);
		if (d.at == 0 || now - d.at > CW_SYNC_DROP_KEEP_S)
			continue;
		gen = cw_store_drop_before(&s->follow_store, d.uid, d.role,
		    "clearwayd", now, d.at, err, sizeof(err));
		if (gen < 0) {
			cw_err("redis: cannot drop %s's elevation to %s again "
			    "after the loss: %s (retried with the next reload)",
			    d.uid, d.role, err);
			rc = -1;
		} else if (gen > 0)
			again++;
	}
	if (again > 0)
		cw_log(LOG_ALERT, "redis: the store had %zu elevations back "
		    "that were dropped early here; dropped them again",
		    again);
	return resuspend(s, now) < 0 ? -1 : rc;
}
