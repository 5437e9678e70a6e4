/* SPDX-License-Identifier: MIT */
/*
 * bench_common.c - see bench_common.h.
 */
#include <stdlib.h>
#include <time.h>

#include "bench_common.h"

int
bench_null_conv(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data)
{
	(void)n;
	(void)msg;
	(void)data;
	*resp = NULL;
	return PAM_CONV_ERR;
}

double
bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void
bench_sort(double *us, long n)
{
	qsort(us, (size_t)n, sizeof(*us), cmp_double);
}
