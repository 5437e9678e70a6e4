/* SPDX-License-Identifier: MIT */
/*
 * clock.h - the one clock deadlines are kept in, for every program of the
 * project (the daemon reaches it through daemon/lib/wake.h).
 */
#ifndef CW_CLOCK_H
#define CW_CLOCK_H

/*
 * Milliseconds of CLOCK_MONOTONIC: a wall-clock step (NTP, an operator's
 * `date -s`) neither cuts a wait short nor stretches it.
 */
long long cw_now_ms(void);

/* The same clock in microseconds, for waits shorter than a millisecond. */
long long cw_now_us(void);

#endif
