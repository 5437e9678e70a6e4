/* SPDX-License-Identifier: MIT */
/*
 * wake.h - the clock, and the ways clearwayd's threads sleep and hand
 * each other news.
 *
 * Every worker naps with a bound and is woken early by a poke or a stop.
 * The clock is CLOCK_MONOTONIC (deadlines in cw_now_ms() milliseconds) so
 * that a wall-clock step (NTP, an operator's `date -s`) neither stalls a
 * worker nor makes it spin.  No thread polls another module's variable:
 * it sleeps on one of these and is woken by whoever has news.
 */
#ifndef CW_WAKE_H
#define CW_WAKE_H

#include <pthread.h>
#include <stdbool.h>

#include "clock.h"      /* cw_now_ms(): the one clock (io/clock.c) */

/* Initialises cond to time out against CLOCK_MONOTONIC. */
void cw_wake_cond_init(pthread_cond_t *cond);

/*
 * Waits on cond (m held) until woken or the monotonic deadline_ms
 * (cw_now_ms() clock) passes; false on timeout.
 */
bool cw_wake_wait_until(pthread_cond_t *cond, pthread_mutex_t *m,
    long long deadline_ms);

/*
 * A thread's doorbell: a stop flag and a poke under one lock, and the
 * condition variable the thread sleeps on.  The owner may keep more of
 * its shared state under lock (a job queue) and signal cond for it too.
 * Whoever is handed a pointer to it may poke it; only the owner stops it.
 */
struct cw_wake {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;                      /* under lock; never cleared */
	bool poke;                      /* under lock; cleared by a nap */
	long long stop_by_ms;           /* under lock: finish by then */
};

void cw_wake_init(struct cw_wake *w);
void cw_wake_destroy(struct cw_wake *w);

/* Sets stop and wakes every sleeper (they see it at once). */
void cw_wake_stop(struct cw_wake *w);

/*
 * cw_wake_stop(), telling the thread to finish what it is draining by
 * cw_now_ms() + ms (cw_wake_stopping_by()).
 */
void cw_wake_stop_within(struct cw_wake *w, int ms);

/*
 * cw_wake_stop(), then waits until *done (set by the thread, under lock,
 * as it leaves) or deadline_ms passes: a thread stuck in a call that
 * cannot be interrupted must not hold up the daemon's exit.  Returns *done.
 */
bool cw_wake_stop_wait(struct cw_wake *w, const bool *done,
    long long deadline_ms);

/* There is news: wakes every sleeper, and the next nap returns at once. */
void cw_wake_poke(struct cw_wake *w);

bool cw_wake_stopping(struct cw_wake *w);

/* Whether stopping, and if so by when (*deadline_ms). */
bool cw_wake_stopping_by(struct cw_wake *w, long long *deadline_ms);

/*
 * Sleeps until poked or stopped, at most ms; consumes the poke.  Returns
 * false once stopping (the thread should leave its loop).
 */
bool cw_wake_nap(struct cw_wake *w, int ms);

/*
 * A mark that grows (the generation the server thread has applied),
 * published by one thread and awaited, with a bound, by others: the
 * hand-off that replaces polling an exported atomic.
 */
struct cw_mark {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	long long value;                /* under lock */
};

void cw_mark_init(struct cw_mark *m);
void cw_mark_destroy(struct cw_mark *m);

/* Publishes value (the latest; it normally only grows) and wakes the
 * waiters. */
void cw_mark_set(struct cw_mark *m, long long value);

/* Waits until the mark is at least value or deadline_ms passes. */
bool cw_mark_wait(struct cw_mark *m, long long value, long long deadline_ms);

#endif
