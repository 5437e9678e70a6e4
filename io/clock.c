/* SPDX-License-Identifier: MIT */
/*
 * clock.c - see clock.h.
 */
#include <time.h>

#include "clock.h"

long long
cw_now_ms(void)
{
	return cw_now_us() / 1000;
}

long long
cw_now_us(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC: deadlines must not jump with the wall clock. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
