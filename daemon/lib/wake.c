/* SPDX-License-Identifier: MIT */
/*
 * wake.c - see wake.h.
 */
#include <time.h>

#include "lib/wake.h"

void
cw_wake_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &ca);
	pthread_condattr_destroy(&ca);
}

bool
cw_wake_wait_until(pthread_cond_t *cond, pthread_mutex_t *m,
    long long deadline_ms)
{
	struct timespec ts;

	ts.tv_sec = deadline_ms / 1000;
	ts.tv_nsec = (deadline_ms % 1000) * 1000000;
	return pthread_cond_timedwait(cond, m, &ts) == 0;
}
