/* SPDX-License-Identifier: MIT */
/*
 * background.h - how clearwayd's threads ask the scheduler for their
 * place: sched_setattr(2), the one scheduling call the systemd unit lets
 * through (its filter denies @resources, sched_setscheduler included).
 * Header only, so that log.c (linked alone into tests) can use it.
 */
#ifndef CW_BACKGROUND_H
#define CW_BACKGROUND_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * sched_setattr(2)'s argument (SCHED_ATTR_SIZE_VER0): glibc 2.36 has no
 * wrapper, and <linux/sched/types.h> clashes with <sched.h>.
 */
struct sched_attr_v0 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

#define CW_SCHED_OTHER 0                /* SCHED_OTHER */
#define CW_SCHED_BATCH 3                /* SCHED_BATCH */
#define CW_SCHED_RESET_ON_FORK 0x01     /* SCHED_FLAG_RESET_ON_FORK */

/*
 * Fills a for the calling thread in policy, keeping its nice value (the
 * unit's Nice=: no thread raises its own priority), with what it starts
 * getting the defaults (RESET_ON_FORK).
 */
static inline void
cw_sched_attr_init(struct sched_attr_v0 *a, uint32_t policy)
{
	int nice;

	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);    /* this thread's */
	if (nice == -1 && errno != 0)
		nice = 0;
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->sched_policy = policy;
	a->sched_flags = CW_SCHED_RESET_ON_FORK;
	a->sched_nice = nice;
}

/* Applies a to the calling thread; 0, or -1 with errno. */
static inline int
cw_sched_attr_set(struct sched_attr_v0 *a)
{
	return (int)syscall(SYS_sched_setattr, 0, a, 0);
}

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
	struct sched_attr_v0 a;

	cw_sched_attr_init(&a, CW_SCHED_BATCH);
	(void)cw_sched_attr_set(&a);
}

#endif
