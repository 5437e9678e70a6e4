/* SPDX-License-Identifier: MIT */
/*
 * test_deadline.c - core/deadline.c: Europe/London local time by rule
 * and the revocation deadline (contract section 5). *
 * Expected values come from outside the code under test: Easter dates
 * from published tables (cross-checked with python-dateutil's easter()),
 * holiday lists from the GOV.UK lists for those years (the rules give
 * them exactly, apart from the one-offs noted), and instants from Python's
 * zoneinfo with the system's Europe/London tzdata, written out as numbers
 * so that a bug shared by code and test cannot cancel out.
 * (The London rule was also compared with tzdata every 15 minutes from
 * 1996 to 2037.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "calendar_assert.h"

/* --- Europe/London ------------------------------------------------------- */

struct london_case {
	int64_t utc;
	const char *local;      /* YYYY-MM-DD hh:mm:ss */
	int offset;
};

static const struct london_case london_cases[] = {
	{ 1774745999, "2026-03-29 00:59:59", 0 },       /* spring change */
	{ 1774746000, "2026-03-29 02:00:00", 3600 },
	{ 1792889999, "2026-10-25 01:59:59", 3600 },    /* autumn change */
	{ 1792890000, "2026-10-25 01:00:00", 0 },
	{ 828233999, "1996-03-31 00:59:59", 0 },
	{ 828234000, "1996-03-31 02:00:00", 3600 },
	{ 846377999, "1996-10-27 01:59:59", 3600 },
	{ 846378000, "1996-10-27 01:00:00", 0 },
	{ 820454400, "1996-01-01 00:00:00", 0 },        /* first instant */
	{ 253402300799, "9999-12-31 23:59:59", 0 },     /* last instant */
	{ 1795424400, "2026-11-23 09:00:00", 0 },
	{ 1784041200, "2026-07-14 16:00:00", 3600 },
};

static void
test_london_from_utc(void **state)
{
	struct cw_local_time lt;
	char got[32];
	size_t i;

	(void)state;
	for (i = 0; i < NELEMS(london_cases); i++) {
		const struct london_case *c = &london_cases[i];

		assert_int_equal(cw_london_from_utc(c->utc, &lt), 0);
		snprintf(got, sizeof(got), "%04d-%02u-%02u %02u:%02u:%02u",
		    lt.year, lt.month, lt.day, lt.hour, lt.minute, lt.second);
		assert_string_equal(got, c->local);
		assert_int_equal(lt.utc_offset, c->offset);
	}
	assert_int_equal(cw_london_from_utc(820454399, &lt), -1);
	assert_int_equal(cw_london_from_utc(253402300800, &lt), -1);
	assert_int_equal(cw_london_from_utc(INT64_MIN, &lt), -1);
	assert_int_equal(cw_london_from_utc(INT64_MAX, &lt), -1);
	assert_int_equal(cw_london_from_utc(0, NULL), -1);
	assert_string_equal(cw_london_zone_name(3600), "BST");
	assert_string_equal(cw_london_zone_name(0), "GMT");
}

static void
test_london_to_utc(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(cw_london_to_utc(2026, 11, 23, 9, 0, 0, &t),
	    CW_LOCAL_OK);
	assert_int_equal(t, 1795424400);
	assert_int_equal(cw_london_to_utc(2026, 7, 14, 16, 0, 0, &t),
	    CW_LOCAL_OK);
	assert_int_equal(t, 1784041200);
	/* Spring: 01:00..01:59 never happens. */
	assert_int_equal(cw_london_to_utc(2026, 3, 29, 0, 59, 59, &t),
	    CW_LOCAL_OK);
	assert_int_equal(t, 1774745999);
	assert_int_equal(cw_london_to_utc(2026, 3, 29, 1, 0, 0, &t),
	    CW_LOCAL_SKIPPED);
	assert_int_equal(cw_london_to_utc(2026, 3, 29, 1, 59, 59, &t),
	    CW_LOCAL_SKIPPED);
	assert_int_equal(cw_london_to_utc(2026, 3, 29, 2, 0, 0, &t),
	    CW_LOCAL_OK);
	assert_int_equal(t, 1774746000);
	/* Autumn: 01:00..01:59 happens twice. */
	assert_int_equal(cw_london_to_utc(2026, 10, 25, 0, 59, 59, &t),
	    CW_LOCAL_OK);
	assert_int_equal(t, 1792886399);
	assert_int_equal(cw_london_to_utc(2026, 10, 25, 1, 0, 0, &t),
	    CW_LOCAL_REPEATED);
	assert_int_equal(cw_london_to_utc(2026, 10, 25, 1, 59, 59, &t),
	    CW_LOCAL_REPEATED);
	assert_int_equal(cw_london_to_utc(2026, 10, 25, 2, 0, 0, &t),
	    CW_LOCAL_OK);
	assert_int_equal(t, 1792893600);
	/* Not a time, or out of range. */
	assert_int_equal(cw_london_to_utc(2026, 2, 29, 9, 0, 0, &t),
	    CW_LOCAL_INVALID);
	assert_int_equal(cw_london_to_utc(2026, 1, 1, 24, 0, 0, &t),
	    CW_LOCAL_INVALID);
	assert_int_equal(cw_london_to_utc(2026, 1, 1, 0, 60, 0, &t),
	    CW_LOCAL_INVALID);
	assert_int_equal(cw_london_to_utc(2026, 1, 1, 0, 0, 60, &t),
	    CW_LOCAL_INVALID);
	assert_int_equal(cw_london_to_utc(1995, 12, 31, 23, 0, 0, &t),
	    CW_LOCAL_INVALID);
	assert_int_equal(cw_london_to_utc(2026, 1, 1, 0, 0, 0, NULL),
	    CW_LOCAL_INVALID);
}

/* --- the deadline -------------------------------------------------------- */

struct deadline_case {
	const char *what;
	enum cw_division division;
	int64_t event;
	int64_t want;
	enum cw_deadline_rule rule;
};

#define SAME CW_DEADLINE_SAME_TIME_NEXT_WORKING_DAY
#define END CW_DEADLINE_END_OF_FIRST_WORKING_DAY

static const struct deadline_case deadline_cases[] = {
	{ "Fri before spring change 16:00 GMT -> Mon 16:00 BST", EW,
	    1774627200, 1774882800, SAME },
	{ "Fri before autumn change 16:00 BST -> Mon 16:00 GMT", EW,
	    1792767600, 1793030400, SAME },
	{ "Fri 23:30 -> Mon 23:30", EW, 1795217400, 1795476600, SAME },
	{ "Fri 23:59:59 -> Mon 23:59:59", EW, 1795219199, 1795478399, SAME },
	{ "Sat 10:00 -> end of Mon (Tue 00:00)", EW, 1795255200, 1795478400,
	    END },
	{ "Sun 10:00 -> end of Mon (Tue 00:00)", EW, 1795341600, 1795478400,
	    END },
	{ "Mon 00:00:00 -> Tue 00:00:00", EW, 1795392000, 1795478400, SAME },
	{ "Christmas Eve 2026 (Thu) 16:00 -> Tue 29 Dec 16:00", EW,
	    1798128000, 1798560000, SAME },
	{ "Eve of Easter (Sat) 12:00 -> end of Tue after Easter Monday", EW,
	    1775300400, 1775602800, END },
	{ "Good Friday 09:00 -> end of Tue after Easter Monday", EW,
	    1775203200, 1775602800, END },
	{ "Thu before Good Friday 16:00 -> Tue 16:00 BST", EW, 1775142000,
	    1775574000, SAME },
	{ "Scotland: eve of Easter -> end of Easter Monday (working)", SC,
	    1775300400, 1775516400, END },
	{ "Scotland: Fri 28 Nov 2025 -> Tue 2 Dec (St Andrew's substitute)",
	    SC, 1764345600, 1764691200, SAME },
	{ "NI: Fri 10 Jul 2026 -> Tue 14 Jul (Boyne substitute)", NI,
	    1783695600, 1784041200, SAME },
	{ "31 Dec 2025 16:00 -> Fri 2 Jan 16:00", EW, 1767196800, 1767369600,
	    SAME },
	{ "Scotland: 31 Dec 2025 16:00 -> Mon 5 Jan 16:00", SC, 1767196800,
	    1767628800, SAME },
	{ "Sunday of the spring change 01:30 UTC -> end of Monday (BST)", EW,
	    1774747800, 1774911600, END },
	{ "Sunday of the autumn change, first 01:30 -> end of Monday", EW,
	    1792888200, 1793059200, END },
	{ "Sunday of the autumn change, second 01:30 -> end of Monday", EW,
	    1792891800, 1793059200, END },
	{ "2020 by rule: Fri 1 May -> Tue 5 May (4 May is Early May)", EW,
	    1588345200, 1588690800, SAME },
};

static void
test_deadlines(void **state)
{
	struct cw_calendar cal;
	struct cw_deadline dl;
	size_t i;

	(void)state;
	for (i = 0; i < NELEMS(deadline_cases); i++) {
		const struct deadline_case *c = &deadline_cases[i];

		cw_calendar_init(&cal, c->division);
		assert_int_equal(cw_deadline_compute(&cal, c->event, &dl), 0);
		if (dl.deadline_utc != c->want || dl.rule != c->rule)
			fail_msg("%s: got %lld rule %d, want %lld rule %d",
			    c->what, (long long)dl.deadline_utc, dl.rule,
			    (long long)c->want, c->rule);
		assert_int_equal(cw_revocation_deadline(&cal, c->event),
		    c->want);
		assert_int_equal(dl.event_utc, c->event);
	}
}

/* The UTC gap differs from 3 days by exactly the change of offset. */
static void
test_deadline_across_clock_changes(void **state)
{
	struct cw_calendar cal;
	struct cw_deadline dl;

	(void)state;
	cw_calendar_init(&cal, EW);
	assert_int_equal(cw_deadline_compute(&cal, 1774627200, &dl), 0);
	assert_int_equal(dl.deadline_utc - dl.event_utc, 3 * 86400 - 3600);
	assert_int_equal(dl.event_local.utc_offset, 0);
	assert_int_equal(dl.deadline_local.utc_offset, 3600);
	assert_int_equal(dl.deadline_local.hour, 16);
	assert_int_equal(dl.deadline_local.weekday, 0);

	assert_int_equal(cw_deadline_compute(&cal, 1792767600, &dl), 0);
	assert_int_equal(dl.deadline_utc - dl.event_utc, 3 * 86400 + 3600);
	assert_int_equal(dl.event_local.utc_offset, 3600);
	assert_int_equal(dl.deadline_local.utc_offset, 0);
	assert_int_equal(dl.deadline_local.hour, 16);
	assert_int_equal(dl.working_year, 2026);
	assert_int_equal(dl.working_month, 10);
	assert_int_equal(dl.working_day, 26);
}

static void
test_deadline_out_of_range(void **state)
{
	struct cw_calendar cal;
	struct cw_deadline dl;

	(void)state;
	cw_calendar_init(&cal, EW);
	assert_int_equal(cw_revocation_deadline(&cal, 820454399), -1);
	assert_int_equal(cw_revocation_deadline(&cal, 0), -1);
	assert_int_equal(cw_revocation_deadline(&cal, INT64_MIN), -1);
	assert_int_equal(cw_revocation_deadline(&cal, INT64_MAX), -1);
	/* Friday 31 Dec 9999: the next working day is in year 10000. */
	assert_int_equal(cw_revocation_deadline(&cal, 253402300799), -1);
	assert_int_equal(cw_deadline_compute(&cal, 253402300799, &dl), -1);
	assert_int_equal(dl.deadline_utc, -1);
	assert_int_equal(cw_revocation_deadline(NULL, 1795424400), -1);
	assert_int_equal(cw_deadline_compute(&cal, 1795424400, NULL), -1);
	/* The first supported instant works. */
	assert_true(cw_revocation_deadline(&cal, 820454400) > 820454400);
}

/*
 * Properties over every hour of 2025-2027 in every division: the deadline
 * is later than the event and at most a few days on, and it lands on a
 * working day at the event's wall time, or at 00:00 after a working day.
 */
static void
test_deadline_properties(void **state)
{
	struct cw_calendar cal;
	struct cw_deadline dl;
	int64_t t;
	int div;

	(void)state;
	for (div = 0; div < CW_DIVISION_COUNT; div++) {
		cw_calendar_init(&cal, (enum cw_division)div);
		for (t = 1735689600; t < 1830297600; t += 3600 + 17) {
			const struct cw_local_time *e = &dl.event_local;
			const struct cw_local_time *d = &dl.deadline_local;

			assert_int_equal(cw_deadline_compute(&cal, t, &dl), 0);
			assert_true(dl.deadline_utc > t);
			assert_true(dl.deadline_utc - t <= 7 * 86400);
			assert_int_equal(cw_is_working_day(&cal,
			    dl.working_year, dl.working_month,
			    dl.working_day), 1);
			if (dl.rule == CW_DEADLINE_SAME_TIME_NEXT_WORKING_DAY) {
				assert_int_equal(cw_is_working_day(&cal,
				    e->year, e->month, e->day), 1);
				assert_int_equal(d->hour, e->hour);
				assert_int_equal(d->minute, e->minute);
				assert_int_equal(d->second, e->second);
				assert_int_equal(d->day, dl.working_day);
			} else {
				assert_int_equal(cw_is_working_day(&cal,
				    e->year, e->month, e->day), 0);
				assert_int_equal(d->hour, 0);
				assert_int_equal(d->minute, 0);
				assert_int_equal(d->second, 0);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_london_from_utc),
		cmocka_unit_test(test_london_to_utc),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_deadline_across_clock_changes),
		cmocka_unit_test(test_deadline_out_of_range),
		cmocka_unit_test(test_deadline_properties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
