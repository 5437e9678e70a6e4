/* SPDX-License-Identifier: MIT */
/*
 * calendar_assert.h - what the calendar's unit tests share
 * (test_calendar.c, test_deadline.c, test_holidays_json.c).
 */
#ifndef CW_CALENDAR_ASSERT_H
#define CW_CALENDAR_ASSERT_H

#include "calendar.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define EW CW_DIVISION_ENGLAND_AND_WALES
#define SC CW_DIVISION_SCOTLAND
#define NI CW_DIVISION_NORTHERN_IRELAND

/* Fails unless list's days, as "MM-DD[s] ..." ('s': substitute), are want. */
void assert_days(const struct cw_holiday_list *list, const char *want,
    const char *what);

#endif
