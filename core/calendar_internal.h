/* SPDX-License-Identifier: MIT */
/*
 * calendar_internal.h - what core/calendar.c (the rules and the calendar),
 * core/holidays_json.c (the holidays file) and core/deadline.c (London
 * time and the deadline) share.  Not for use outside those three files.
 */
#ifndef CW_CALENDAR_INTERNAL_H
#define CW_CALENDAR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calendar.h"

static inline bool
cw_cal_year_supported(int64_t y)
{
	return y >= CW_CALENDAR_YEAR_MIN && y <= CW_CALENDAR_YEAR_MAX;
}

/* Division rounding towards minus infinity. */
static inline int64_t
cw_cal_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

/* 0 = Monday .. 6 = Sunday; 1970-01-01 was a Thursday (3). */
static inline unsigned
cw_cal_weekday_of(int64_t day)
{
	return (unsigned)(day + 3 - cw_cal_floor_div(day + 3, 7) * 7);
}

/* qsort order of holidays: by date. */
int cw_cal_compare_holidays(const void *a, const void *b);

/* Frees a list of the file's holidays and their titles (NULL is fine). */
void cw_cal_free_days(struct cw_holiday *days, size_t count);

#endif
