/* SPDX-License-Identifier: MIT */
/*
 * answer_wait.c - how the answer thread waits for its next request (see
 * answer_wait.h).  Both halves are about the same cost: a logon's request
 * has to get a CPU for the answer thread, and on a VM whose idle vCPUs halt
 * waking a sleeping thread on the other vCPU costs 30-70 us, more than the
 * whole decision (docs/performance.md, "The fourth pass").
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "lib/background.h"
#include "lib/log.h"
#include "serve/answer_wait.h"

/*
 * A wait longer than this between two polls means the thread was not
 * running (the CPU had other work): polling then only takes CPU from it,
 * and a request that comes while this thread is runnable but not running
 * waits for the scheduler, where a sleeping one would be woken at once.
 */
#define PREEMPTED_US 50

void
cw_answer_wait_init(struct cw_answer_wait *w, long long max_us)
{
	memset(w, 0, sizeof(*w));
	w->max_us = max_us > 0 ? max_us : 0;
}

long long
cw_answer_wait_adapt(long long window_us, long long max_us, long long gap_us)
{
	if (max_us <= 0)
		return 0;
	if (gap_us <= max_us) {
		if (window_us < CW_ANSWER_POLL_START_US)
			return CW_ANSWER_POLL_START_US < max_us ?
			    CW_ANSWER_POLL_START_US : max_us;
		window_us *= CW_ANSWER_POLL_GROW;
		return window_us < max_us ? window_us : max_us;
	}
	window_us /= CW_ANSWER_POLL_GROW;
	return window_us < CW_ANSWER_POLL_START_US ? 0 : window_us;
}

/*
 * Polls without sleeping until something is ready, the window (or the
 * timeout) has passed, or the thread was kept off its CPU.  Returns poll()'s
 * result, 0 when the window passed; *spent_us is the time it took.
 */
static int
poll_window(struct pollfd *pfds, size_t n, long long window_us,
    long long *spent_us)
{
	long long start = cw_now_us(), last = start, now;
	int r;

	for (;;) {
		r = poll(pfds, n, 0);
		now = cw_now_us();
		if (r != 0 || now - start >= window_us || now - last > PREEMPTED_US)
			break;
		last = now;
	}
	*spent_us = now - start;
	return r;
}

int
cw_answer_wait_poll(struct cw_answer_wait *w, struct pollfd *pfds, size_t n,
    int timeout_ms)
{
	long long idle_at = cw_now_us(), window = w->window_us, spent = 0;
	int r;

	if (timeout_ms >= 0 && window > (long long)timeout_ms * 1000)
		window = (long long)timeout_ms * 1000;
	if (window > 0) {
		r = poll_window(pfds, n, window, &spent);
		w->polled_us += (unsigned long long)spent;
		if (r != 0) {
			w->caught += r > 0;
			return r;
		}
		/* Never below 0: poll() would wait for ever (the thread may
		 * have been kept off its CPU for longer than the timeout). */
		if (timeout_ms > 0)
			timeout_ms = spent / 1000 >= timeout_ms ? 0 :
			    timeout_ms - (int)(spent / 1000);
	}
	r = poll(pfds, n, timeout_ms);
	if (r > 0) {
		w->slept++;
		w->window_us = cw_answer_wait_adapt(w->window_us, w->max_us,
		    cw_now_us() - idle_at);
	}
	return r;
}

void
cw_answer_wait_report(const struct cw_answer_wait *w)
{
	if (w->max_us > 0)
		cw_info("server: answer_poll_us = %lld: polled %llu ms in all; "
		    "%llu requests came while polling, %llu after a sleep",
		    w->max_us, w->polled_us / 1000, w->caught, w->slept);
}

#define ANSWER_SLICE_NS 100000          /* 100 us */

/*
 * The answer thread asks the scheduler for a short slice.  On a host that
 * runs Redis, the audit forwarder's batch every 10 ms keeps redis-server
 * (and this daemon's spool and forwarder threads) on a CPU for a few
 * hundred microseconds, and a logon that came then waited for them:
 * 51-67 of this thread's wakeups in 4,000 logons waited over 100 us,
 * most behind redis-server (docs/performance.md, "The third pass").
 * Since Linux 6.12 a thread with a shorter slice than the running one
 * preempts it when it wakes; older kernels ignore the request.  It needs
 * no privilege and keeps the thread's nice value (Nice= of the unit), so
 * it cannot raise its priority.  Threads and commands started from this
 * thread get the defaults (RESET_ON_FORK).  A refusal (a seccomp filter
 * without sched_setattr) changes nothing else and is said once.
 */
void
cw_answer_wait_short_slice(void)
{
	struct sched_attr_v0 a;

	cw_sched_attr_init(&a, CW_SCHED_OTHER);
	a.sched_runtime = ANSWER_SLICE_NS;
	if (cw_sched_attr_set(&a) < 0)
		cw_info("server: cannot ask for a short scheduler slice "
		    "(sched_setattr: %s); logons may wait behind other work",
		    strerror(errno));
}
