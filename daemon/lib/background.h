/* SPDX-License-Identifier: MIT */
/*
 * background.h - the priority of the threads that work after the fact.
 * Header only, so that log.c (linked alone into tests) can use it.
 */
#ifndef CW_BACKGROUND_H
#define CW_BACKGROUND_H

#include <pthread.h>
#include <sched.h>

/*
 * Makes the calling thread a background one (SCHED_BATCH): its wakeups
 * never preempt what runs, they wait for the next tick or a free CPU.
 * For the threads that carry what was already decided (the audit spool,
 * forwarder and inbox, the log thread): on a small host they must not
 * take the CPU from a logon in progress.  Best effort: a refusal changes
 * nothing but the priority.
 */
static inline void
cw_thread_background(void)
{
	struct sched_param sp = { .sched_priority = 0 };

	(void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
}

#endif
