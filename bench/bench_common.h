/* SPDX-License-Identifier: MIT */
/*
 * bench_common.h - what the PAM benchmarks share: a conversation that
 * answers nothing (the account phase must not prompt), a monotonic clock
 * in microseconds, and sorting samples for percentiles.
 */
#ifndef CW_BENCH_COMMON_H
#define CW_BENCH_COMMON_H

#include <security/pam_appl.h>

int bench_null_conv(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data);

/* CLOCK_MONOTONIC in microseconds. */
double bench_now_us(void);

/* Sorts n samples ascending, so that us[n * p / 100] is the p-th percentile. */
void bench_sort(double *us, long n);

#endif
