/* SPDX-License-Identifier: MIT */
/*
 * deadline.c - Europe/London local time by rule, and the revocation
 * deadline of contract section 5 ("within one Working Day") reckoned in
 * it.  Apart from calendar.c because it is arithmetic on instants and
 * wall times that only asks the calendar whether a day is a Working Day.
 *
 * No TZ database: a host without tzdata, or with a stale one, must not
 * move a deadline.  No clock: the event's instant is an argument.
 */
#include "calendar_internal.h"

#include <assert.h>
#include <string.h>

#include "gentime.h"

#define SECS_PER_DAY 86400
#define BST_OFFSET 3600
/*
 * The longest run of non-working days the search for the next working day
 * may cross.  By rule it is five (Scotland, New Year on a Saturday); a file
 * can add at most CW_HOLIDAYS_PER_YEAR_MAX days in each of two adjacent
 * years, which with their weekends stays far below this.
 */
#define WORKING_DAY_SEARCH_MAX 400

/* --- Europe/London ------------------------------------------------------- */

static int64_t
last_sunday(int year, unsigned month)
{
	int64_t last = cw_days_from_civil(year, month,
	    cw_days_in_month(year, month));

	return last - (cw_cal_weekday_of(last) + 1) % 7;
}

/* 01:00 UTC on the last Sunday of month: when the UK's clocks change. */
static int64_t
clock_change_utc(int year, unsigned month)
{
	return last_sunday(year, month) * SECS_PER_DAY + 3600;
}

/* Seconds east of UTC in London at t.  Returns 0 or -1 (out of range). */
static int
london_offset(int64_t t, int *offset)
{
	int64_t y;

	cw_civil_from_days(cw_cal_floor_div(t, SECS_PER_DAY), &y, NULL, NULL);
	if (!cw_cal_year_supported(y))
		return -1;
	*offset = (t >= clock_change_utc((int)y, 3) &&
	    t < clock_change_utc((int)y, 10)) ? BST_OFFSET : 0;
	return 0;
}

const char *
cw_london_zone_name(int utc_offset)
{
	return utc_offset == BST_OFFSET ? "BST" : "GMT";
}

int
cw_london_from_utc(int64_t t, struct cw_local_time *out)
{
	int64_t local, day, secs, y;
	int offset;

	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	if (london_offset(t, &offset) < 0)
		return -1;
	local = t + offset;
	day = cw_cal_floor_div(local, SECS_PER_DAY);
	secs = local - day * SECS_PER_DAY;
	cw_civil_from_days(day, &y, &out->month, &out->day);
	out->year = (int)y;
	out->hour = (unsigned)(secs / 3600);
	out->minute = (unsigned)(secs / 60 % 60);
	out->second = (unsigned)(secs % 60);
	out->weekday = cw_cal_weekday_of(day);
	out->utc_offset = offset;
	return 0;
}

/*
 * A wall time maps to the UTC instants t = local - offset whose own offset
 * is that offset: one normally, none in the spring gap, two in the autumn
 * overlap.
 */
int
cw_london_to_utc(int year, unsigned month, unsigned day, unsigned hour,
    unsigned minute, unsigned second, int64_t *out)
{
	static const int offsets[2] = { 0, BST_OFFSET };
	int64_t local, t, found = 0;
	int i, matches = 0, offset;

	if (out == NULL)
		return CW_LOCAL_INVALID;
	*out = 0;
	if (!cw_cal_year_supported(year) || !cw_date_valid(year, month, day) ||
	    hour > 23 || minute > 59 || second > 59)
		return CW_LOCAL_INVALID;
	local = cw_days_from_civil(year, month, day) * SECS_PER_DAY +
	    (int64_t)hour * 3600 + (int64_t)minute * 60 + second;
	for (i = 0; i < 2; i++) {
		t = local - offsets[i];
		if (london_offset(t, &offset) == 0 && offset == offsets[i]) {
			found = t;
			matches++;
		}
	}
	if (matches == 0)
		return CW_LOCAL_SKIPPED;
	if (matches > 1)
		return CW_LOCAL_REPEATED;
	*out = found;
	return CW_LOCAL_OK;
}

/* --- the deadline -------------------------------------------------------- */

static int
working_day_status(const struct cw_calendar *cal, int64_t day)
{
	int64_t y;
	unsigned m, d;

	cw_civil_from_days(day, &y, &m, &d);
	if (!cw_cal_year_supported(y))
		return -1;
	return cw_is_working_day(cal, (int)y, m, d);
}

/* The first working day after day.  Returns 0 or -1 (out of range). */
static int
next_working_day(const struct cw_calendar *cal, int64_t day, int64_t *out)
{
	int i, status;

	for (i = 1; i <= WORKING_DAY_SEARCH_MAX; i++) {
		if ((status = working_day_status(cal, day + i)) < 0)
			return -1;
		if (status == 1) {
			*out = day + i;
			return 0;
		}
	}
	return -1;
}

/* Wall time hh:mm:ss on a day number -> UTC. */
static int
london_day_time_to_utc(int64_t day, unsigned hour, unsigned minute,
    unsigned second, int64_t *out)
{
	int64_t y;
	unsigned m, d;

	cw_civil_from_days(day, &y, &m, &d);
	if (!cw_cal_year_supported(y))
		return CW_LOCAL_INVALID;
	return cw_london_to_utc((int)y, m, d, hour, minute, second, out);
}

/*
 * Why the wall-time conversions below cannot meet a clock change: the UK's
 * clocks change only at 01:00 UTC on a Sunday, so only Sunday wall times
 * from 01:00 to 01:59 are skipped or repeated.  The same-time rule lands on
 * a working day, which is never a Sunday; the end-of-day rule lands on
 * 00:00 of the day after a working day (Tuesday..Saturday), and midnight is
 * before 01:00 in any case.  Both conversions are checked all the same:
 * a failure here is a bug, reported as -1 (and an assertion in debug
 * builds) rather than a wrong deadline.
 */
int
cw_deadline_compute(const struct cw_calendar *cal, int64_t event_utc,
    struct cw_deadline *out)
{
	const struct cw_local_time *ev;
	int64_t event_day, working, y;
	int status, conv;

	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	out->event_utc = event_utc;
	out->deadline_utc = -1;
	ev = &out->event_local;
	if (cal == NULL || cw_london_from_utc(event_utc, &out->event_local) < 0)
		return -1;
	event_day = cw_days_from_civil(ev->year, ev->month, ev->day);
	if ((status = working_day_status(cal, event_day)) < 0 ||
	    next_working_day(cal, event_day, &working) < 0)
		return -1;
	if (status == 1) {
		out->rule = CW_DEADLINE_SAME_TIME_NEXT_WORKING_DAY;
		conv = london_day_time_to_utc(working, ev->hour, ev->minute,
		    ev->second, &out->deadline_utc);
	} else {
		out->rule = CW_DEADLINE_END_OF_FIRST_WORKING_DAY;
		conv = london_day_time_to_utc(working + 1, 0, 0, 0,
		    &out->deadline_utc);
	}
	/* Only the end of the supported range can fail here (see above). */
	assert(conv == CW_LOCAL_OK || conv == CW_LOCAL_INVALID);
	if (conv != CW_LOCAL_OK ||
	    cw_london_from_utc(out->deadline_utc, &out->deadline_local) < 0 ||
	    out->deadline_utc <= event_utc) {
		out->deadline_utc = -1;
		return -1;
	}
	cw_civil_from_days(working, &y, &out->working_month,
	    &out->working_day);
	out->working_year = (int)y;
	return 0;
}

int64_t
cw_revocation_deadline(const struct cw_calendar *cal, int64_t event_utc)
{
	struct cw_deadline d;

	if (cw_deadline_compute(cal, event_utc, &d) < 0)
		return -1;
	return d.deadline_utc;
}
