/* SPDX-License-Identifier: MIT */
/*
 * sync_filed.c - copies of the revocations this daemon filed, handed from
 * the control worker to the follow thread's guard (sync.h).
 */
#include <pthread.h>
#include <string.h>

#include "lib/log.h"
#include "model/hoststate.h"
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
