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

void
cw_wake_init(struct cw_wake *w)
{
	pthread_mutex_init(&w->lock, NULL);
	cw_wake_cond_init(&w->cond);
	w->stop = w->poke = false;
	w->stop_by_ms = 0;
}

void
cw_wake_destroy(struct cw_wake *w)
{
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
}

/* Sets stop (by within_ms from now, unless negative) or poke; wakes all. */
static void
ring(struct cw_wake *w, bool stop, int within_ms)
{
	pthread_mutex_lock(&w->lock);
	if (stop) {
		w->stop = true;
		if (within_ms >= 0)
			w->stop_by_ms = cw_now_ms() + within_ms;
	} else {
		w->poke = true;
	}
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void
cw_wake_stop(struct cw_wake *w)
{
	ring(w, true, -1);
}

void
cw_wake_poke(struct cw_wake *w)
{
	ring(w, false, -1);
}

void
cw_wake_stop_within(struct cw_wake *w, int ms)
{
	ring(w, true, ms);
}

bool
cw_wake_stop_wait(struct cw_wake *w, const bool *done, long long deadline_ms)
{
	bool r;

	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	while (!*done)
		if (!cw_wake_wait_until(&w->cond, &w->lock, deadline_ms))
			break;
	r = *done;
	pthread_mutex_unlock(&w->lock);
	return r;
}

bool
cw_wake_stopping_by(struct cw_wake *w, long long *deadline_ms)
{
	bool stop;

	pthread_mutex_lock(&w->lock);
	stop = w->stop;
	*deadline_ms = w->stop_by_ms;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

bool
cw_wake_stopping(struct cw_wake *w)
{
	long long by;

	return cw_wake_stopping_by(w, &by);
}

bool
cw_wake_nap(struct cw_wake *w, int ms)
{
	long long until = cw_now_ms() + ms;
	bool go_on;

	pthread_mutex_lock(&w->lock);
	while (!w->stop && !w->poke)
		if (!cw_wake_wait_until(&w->cond, &w->lock, until))
			break;
	w->poke = false;
	go_on = !w->stop;
	pthread_mutex_unlock(&w->lock);
	return go_on;
}

void
cw_mark_init(struct cw_mark *l)
{
	pthread_mutex_init(&l->lock, NULL);
	cw_wake_cond_init(&l->cond);
	l->value = 0;
}

void
cw_mark_destroy(struct cw_mark *l)
{
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->cond);
}

void
cw_mark_set(struct cw_mark *l, long long value)
{
	pthread_mutex_lock(&l->lock);
	l->value = value;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

bool
cw_mark_wait(struct cw_mark *l, long long value, long long deadline_ms)
{
	bool reached;

	pthread_mutex_lock(&l->lock);
	while (l->value < value)
		if (!cw_wake_wait_until(&l->cond, &l->lock, deadline_ms))
			break;
	reached = l->value >= value;
	pthread_mutex_unlock(&l->lock);
	return reached;
}
