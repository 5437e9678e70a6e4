/*
 * wake.h - the condition variables clearwayd's threads sleep on.
 *
 * Every worker naps with a bound and is woken early by a poke or a stop.
 * The clock is CLOCK_MONOTONIC so that a wall-clock step (NTP, an
 * operator's `date -s`) neither stalls a worker nor makes it spin.
 */
#ifndef CW_WAKE_H
#define CW_WAKE_H

#include <pthread.h>
#include <time.h>

/* Initialises cond to time out against CLOCK_MONOTONIC. */
void cw_wake_cond_init(pthread_cond_t *cond);

/* The CLOCK_MONOTONIC instant ms milliseconds from now, for timedwait. */
void cw_wake_deadline(struct timespec *ts, int ms);

#endif
