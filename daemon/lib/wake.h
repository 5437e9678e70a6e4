/* SPDX-License-Identifier: MIT */
/*
 * wake.h - the condition variables clearwayd's threads sleep on.
 *
 * Every worker naps with a bound and is woken early by a poke or a stop.
 * The clock is CLOCK_MONOTONIC (deadlines in cw_now_ms() milliseconds) so
 * that a wall-clock step (NTP, an operator's `date -s`) neither stalls a
 * worker nor makes it spin.
 */
#ifndef CW_WAKE_H
#define CW_WAKE_H

#include <pthread.h>
#include <stdbool.h>

/* Initialises cond to time out against CLOCK_MONOTONIC. */
void cw_wake_cond_init(pthread_cond_t *cond);

/*
 * Waits on cond (m held) until woken or the monotonic deadline_ms
 * (cw_now_ms() clock) passes; false on timeout.
 */
bool cw_wake_wait_until(pthread_cond_t *cond, pthread_mutex_t *m,
    long long deadline_ms);

#endif
