/* SPDX-License-Identifier: MIT */
/*
 * fuzz_holidays.c - cw_holidays_json_parse() on arbitrary bytes.
 *
 * Besides not crashing: an accepted file must give a calendar that keeps
 * the parser's promises (events by date, none twice, at most
 * CW_HOLIDAYS_PER_YEAR_MAX a year, each a real date in range), whose
 * covered years list exactly the file's days, none of them a working day,
 * and whose deadlines still come after their events.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_calendar(const struct cw_calendar *cal)
{
	struct cw_holiday_list list;
	size_t i;

	for (i = 0; i < cal->file_count; i++) {
		const struct cw_holiday *h = &cal->file_days[i];

		if (!cw_date_valid(h->year, h->month, h->day) ||
		    h->year < CW_CALENDAR_YEAR_MIN ||
		    h->year > CW_CALENDAR_YEAR_MAX || !h->from_file ||
		    h->title == NULL || h->title[0] == '\0')
			abort();
		if (i > 0 && (h[-1].year * 10000 + h[-1].month * 100 +
		    h[-1].day) >= (h->year * 10000 + h->month * 100 + h->day))
			abort();
		if (cw_calendar_holidays(cal, h->year, &list) != 0 ||
		    list.count == 0 || list.count > CW_HOLIDAYS_PER_YEAR_MAX ||
		    !list.days[0].from_file)
			abort();
		if (cw_is_working_day(cal, h->year, h->month, h->day) != 0)
			abort();
	}
	if (cal->file_count > 0) {
		/* Noon UTC on the first listed day, roughly: any instant will do. */
		const struct cw_holiday *h = &cal->file_days[0];
		int64_t t = ((int64_t)(h->year - 1970) * 36524 / 100) * 86400 +
		    43200;
		int64_t due = cw_revocation_deadline(cal, t);

		if (due != -1 && due <= t)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_calendar cal;
	char err[256];
	int d;

	for (d = 0; d < CW_DIVISION_COUNT; d++) {
		err[0] = '\0';
		if (cw_holidays_json_parse((const char *)data, size,
		    (enum cw_division)d, &cal, err, sizeof(err)) == 0) {
			check_calendar(&cal);
		} else if (err[0] == '\0' || cal.file_count != 0) {
			abort();        /* a refusal must say why, and hold nothing */
		}
		cw_calendar_free(&cal);
	}
	return 0;
}
