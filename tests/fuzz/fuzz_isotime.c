/* SPDX-License-Identifier: MIT */
/*
 * fuzz_isotime.c - cw_iso8601_parse() on arbitrary bytes, and the
 * deadline of whatever instant it accepts.
 *
 * An accepted time must format back (UTC, and London local time when in
 * range) to a string that parses to the same instant; and for every
 * division the deadline, when the instant is in the calendar's range, is
 * later than the event and no more than a week on (by rule the longest
 * run of non-working days is five).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "isotime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_round_trip(int64_t t)
{
	char buf[CW_ISO8601_BUFSZ];
	int64_t back;

	if (cw_iso8601_format_utc(t, buf) == 0 &&
	    (cw_iso8601_parse(buf, strlen(buf), &back) != CW_ISO8601_OK ||
	    back != t))
		abort();
	if (cw_iso8601_format_local(t, buf) == 0 &&
	    (cw_iso8601_parse(buf, strlen(buf), &back) != CW_ISO8601_OK ||
	    back != t))
		abort();
}

static void
check_deadlines(int64_t t)
{
	struct cw_local_time lt;
	struct cw_calendar cal;
	struct cw_deadline dl;
	int d;

	for (d = 0; d < CW_DIVISION_COUNT; d++) {
		cw_calendar_init(&cal, (enum cw_division)d);
		if (cw_deadline_compute(&cal, t, &dl) != 0) {
			/* Only the edges of the supported range may fail. */
			if (cw_london_from_utc(t, &lt) == 0 &&
			    lt.year < CW_CALENDAR_YEAR_MAX)
				abort();
			continue;
		}
		if (dl.deadline_utc <= t || dl.deadline_utc - t > 7 * 86400 ||
		    cw_is_working_day(&cal, dl.working_year, dl.working_month,
		    dl.working_day) != 1)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t t;
	int rc;

	rc = cw_iso8601_parse((const char *)data, size, &t);
	if (rc != CW_ISO8601_OK) {
		if (t != 0 || rc > 0 || rc < CW_ISO8601_LOCAL_REPEATED)
			abort();
		return 0;
	}
	check_round_trip(t);
	check_deadlines(t);
	return 0;
}
