/* SPDX-License-Identifier: MIT */
/*
 * clock.c - see clock.h.
 */
#include <time.h>

#include "clock.h"

long long
cw_now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC: deadlines must not jump with the wall clock. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
