/* SPDX-License-Identifier: MIT */
/*
 * answer_wait.h - how the answer thread waits for its next request: a short
 * scheduler slice, and a while of polling before it sleeps.
 */
#ifndef CW_ANSWER_WAIT_H
#define CW_ANSWER_WAIT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

/* The polling window grows from START in steps of GROW up to the
 * configured most, and halves down to nothing. */
#define CW_ANSWER_POLL_START_US 25
#define CW_ANSWER_POLL_GROW 2

struct cw_answer_wait {
	long long window_us;    /* poll this long before sleeping; 0: sleep */
	long long max_us;       /* answer_poll_us; 0: never poll */
	unsigned long long polled_us;   /* spent polling, in all */
	unsigned long long caught;      /* waits that ended while polling */
	unsigned long long slept;       /* waits that slept */
};

/* Starts w with polling up to max_us (0: off); the window starts shut. */
void cw_answer_wait_init(struct cw_answer_wait *w, long long max_us);

/*
 * The next window, after a wait that slept and was woken gap_us after the
 * thread ran out of work (pure: no clock, no I/O).  A gap within max_us
 * would have been caught by a longer window, so it grows; a longer gap
 * means requests are not coming in a burst, so it shrinks, to nothing.
 */
long long cw_answer_wait_adapt(long long window_us, long long max_us,
    long long gap_us);

/*
 * poll(2) over pfds[0..n) with timeout_ms (-1: none), polling without
 * sleeping for w's window first.  Returns what poll() returned.
 */
int cw_answer_wait_poll(struct cw_answer_wait *w, struct pollfd *pfds,
    size_t n, int timeout_ms);

/* Logs what polling cost and caught, when it was on (at stop). */
void cw_answer_wait_report(const struct cw_answer_wait *w);

/* Asks the scheduler for a short slice for the calling thread. */
void cw_answer_wait_short_slice(void);

#endif
