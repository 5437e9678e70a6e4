/* SPDX-License-Identifier: MIT */
/*
 * test_calendar.c - core/calendar.c: Easter, the bank holidays by rule
 * in every division, and working days.  (The holidays file is
 * test_holidays_json.c, London time and the deadline test_deadline.c.) *
 * Expected values come from outside the code under test: Easter dates
 * from published tables (cross-checked with python-dateutil's easter()),
 * holiday lists from the GOV.UK lists for those years (the rules give
 * them exactly, apart from the one-offs noted), and instants from Python's
 * zoneinfo with the system's Europe/London tzdata, written out as numbers
 * so that a bug shared by code and test cannot cancel out.
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

/* --- Easter ------------------------------------------------------------- */

struct easter_case {
	int year;
	unsigned month, day;
};

static const struct easter_case easter_cases[] = {
	{ 2000, 4, 23 }, { 2001, 4, 15 }, { 2002, 3, 31 }, { 2003, 4, 20 },
	{ 2004, 4, 11 }, { 2005, 3, 27 }, { 2006, 4, 16 }, { 2007, 4, 8 },
	{ 2008, 3, 23 }, { 2009, 4, 12 }, { 2010, 4, 4 }, { 2011, 4, 24 },
	{ 2012, 4, 8 }, { 2013, 3, 31 }, { 2014, 4, 20 }, { 2015, 4, 5 },
	{ 2016, 3, 27 }, { 2017, 4, 16 }, { 2018, 4, 1 }, { 2019, 4, 21 },
	{ 2020, 4, 12 }, { 2021, 4, 4 }, { 2022, 4, 17 }, { 2023, 4, 9 },
	{ 2024, 3, 31 }, { 2025, 4, 20 }, { 2026, 4, 5 }, { 2027, 3, 28 },
	{ 2028, 4, 16 }, { 2029, 4, 1 }, { 2030, 4, 21 }, { 2031, 4, 13 },
	{ 2032, 3, 28 }, { 2033, 4, 17 }, { 2034, 4, 9 }, { 2035, 3, 25 },
	{ 2036, 4, 13 }, { 2037, 4, 5 }, { 2038, 4, 25 }, { 2039, 4, 10 },
	{ 2040, 4, 1 },
	/* Far years; 1818 and 2285 are the earliest possible, 22 March;
	 * 1943 and 2038 the latest, 25 April. */
	{ 1583, 4, 10 }, { 1600, 4, 2 }, { 1700, 4, 11 }, { 1818, 3, 22 },
	{ 1943, 4, 25 }, { 1961, 4, 2 }, { 1996, 4, 7 }, { 2100, 3, 28 },
	{ 2200, 4, 6 }, { 2285, 3, 22 }, { 2400, 4, 16 }, { 3000, 4, 13 },
	{ 4099, 4, 19 }, { 5000, 3, 30 }, { 9999, 3, 28 },
};

static void
test_easter_known_dates(void **state)
{
	unsigned m, d;
	size_t i;

	(void)state;
	for (i = 0; i < NELEMS(easter_cases); i++) {
		const struct easter_case *c = &easter_cases[i];

		assert_int_equal(cw_easter_sunday(c->year, &m, &d), 0);
		if (m != c->month || d != c->day)
			fail_msg("Easter %d: got %u-%u, want %u-%u", c->year, m,
			    d, c->month, c->day);
		assert_int_equal(cw_weekday(c->year, m, d), 6);
	}
	assert_int_equal(cw_easter_sunday(1582, &m, &d), -1);
	assert_int_equal(cw_easter_sunday(10000, &m, &d), -1);
	assert_int_equal(cw_easter_sunday(2026, NULL, &d), -1);
}

/* --- holidays by rule ---------------------------------------------------- */

/*
 * A year's list as "MM-DD" words, "s" marking a substitute day.  Where the
 * GOV.UK list differed by a one-off, the comment says so: those come from
 * the file (tested below), never from rules.
 */
struct year_case {
	enum cw_division division;
	int year;
	const char *days;
};

static const struct year_case year_cases[] = {
	{ EW, 2026, "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28s" },
	{ SC, 2026, "01-01 01-02 04-03 05-04 05-25 08-03 11-30 12-25 12-28s" },
	{ NI, 2026, "01-01 03-17 04-03 04-06 05-04 05-25 07-13s 08-31 "
	    "12-25 12-28s" },
	{ EW, 2027, "01-01 03-26 03-29 05-03 05-31 08-30 12-27s 12-28s" },
	{ SC, 2027, "01-01 01-04s 03-26 05-03 05-31 08-02 11-30 12-27s "
	    "12-28s" },
	{ NI, 2027, "01-01 03-17 03-26 03-29 05-03 05-31 07-12 08-30 12-27s "
	    "12-28s" },
	/* Christmas on Saturday, Boxing Day on Sunday. */
	{ EW, 2021, "01-01 04-02 04-05 05-03 05-31 08-30 12-27s 12-28s" },
	{ SC, 2021, "01-01 01-04s 04-02 05-03 05-31 08-02 11-30 12-27s "
	    "12-28s" },
	{ NI, 2021, "01-01 03-17 04-02 04-05 05-03 05-31 07-12 08-30 12-27s "
	    "12-28s" },
	/* New Year on Saturday; Christmas on Sunday, Boxing Day on Monday.
	 * (GOV.UK 2022 also moves Spring to 06-02 and adds 06-03, 09-19.) */
	{ EW, 2022, "01-03s 04-15 04-18 05-02 05-30 08-29 12-26 12-27s" },
	{ SC, 2022, "01-03s 01-04s 04-15 05-02 05-30 08-01 11-30 12-26 "
	    "12-27s" },
	{ NI, 2022, "01-03s 03-17 04-15 04-18 05-02 05-30 07-12 08-29 12-26 "
	    "12-27s" },
	/* New Year on Sunday (GOV.UK 2023 adds 05-08, the coronation). */
	{ EW, 2023, "01-02s 04-07 04-10 05-01 05-29 08-28 12-25 12-26" },
	{ SC, 2023, "01-02 01-03s 04-07 05-01 05-29 08-07 11-30 12-25 12-26" },
	{ NI, 2023, "01-02s 03-17 04-07 04-10 05-01 05-29 07-12 08-28 12-25 "
	    "12-26" },
	/* St Patrick's on Sunday; St Andrew's on Saturday. */
	{ NI, 2024, "01-01 03-18s 03-29 04-01 05-06 05-27 07-12 08-26 12-25 "
	    "12-26" },
	{ SC, 2024, "01-01 01-02 03-29 05-06 05-27 08-05 12-02s 12-25 12-26" },
	/* St Andrew's on Sunday; the Boyne on Saturday. */
	{ SC, 2025, "01-01 01-02 04-18 05-05 05-26 08-04 12-01s 12-25 12-26" },
	{ NI, 2025, "01-01 03-17 04-18 04-21 05-05 05-26 07-14s 08-25 12-25 "
	    "12-26" },
	{ EW, 2025, "01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26" },
	/* St Patrick's on Saturday. */
	{ NI, 2029, "01-01 03-19s 03-30 04-02 05-07 05-28 07-12 08-27 12-25 "
	    "12-26" },
	/* Christmas on Saturday again. */
	{ EW, 2032, "01-01 03-26 03-29 05-03 05-31 08-30 12-27s 12-28s" },
	{ SC, 2032, "01-01 01-02 03-26 05-03 05-31 08-02 11-30 12-27s "
	    "12-28s" },
	/* St Andrew's Day is a bank holiday from 2007. */
	{ SC, 2006, "01-02 01-03s 04-14 05-01 05-29 08-07 12-25 12-26" },
	{ SC, 2007, "01-01 01-02 04-06 05-07 05-28 08-06 11-30 12-25 12-26" },
	/* The first supported year, and far ones. */
	{ EW, 1996, "01-01 04-05 04-08 05-06 05-27 08-26 12-25 12-26" },
	{ EW, 2285, "01-01 03-20 03-23 05-04 05-25 08-31 12-25 12-28s" },
	{ EW, 9999, "01-01 03-26 03-29 05-03 05-31 08-30 12-27s 12-28s" },
};

static void
test_rules_every_division(void **state)
{
	struct cw_holiday_list list;
	struct cw_calendar cal;
	char what[64];
	size_t i, j;

	(void)state;
	for (i = 0; i < NELEMS(year_cases); i++) {
		const struct year_case *c = &year_cases[i];

		cw_calendar_init(&cal, c->division);
		assert_int_equal(cw_calendar_holidays(&cal, c->year, &list), 0);
		snprintf(what, sizeof(what), "%s %d",
		    cw_division_name(c->division), c->year);
		assert_days(&list, c->days, what);
		for (j = 0; j < list.count; j++) {
			assert_int_equal(list.days[j].year, c->year);
			assert_false(list.days[j].from_file);
			/* Only weekdays are listed, as GOV.UK does. */
			assert_true(cw_weekday(c->year, list.days[j].month,
			    list.days[j].day) < 5);
		}
		cw_calendar_free(&cal);
	}
}

struct title_case {
	enum cw_division division;
	int year;
	unsigned month, day;
	const char *title;
	bool substitute;
};

static const struct title_case title_cases[] = {
	{ EW, 2026, 1, 1, "New Year's Day", false },
	{ EW, 2026, 4, 3, "Good Friday", false },
	{ EW, 2026, 4, 6, "Easter Monday", false },
	{ EW, 2026, 5, 4, "Early May bank holiday", false },
	{ EW, 2026, 5, 25, "Spring bank holiday", false },
	{ EW, 2026, 8, 31, "Summer bank holiday", false },
	{ EW, 2026, 12, 25, "Christmas Day", false },
	{ EW, 2026, 12, 28, "Boxing Day", true },
	{ SC, 2026, 1, 2, "2nd January", false },
	{ SC, 2026, 8, 3, "Summer bank holiday", false },
	{ SC, 2025, 12, 1, "St Andrew's Day", true },
	{ NI, 2026, 3, 17, "St Patrick's Day", false },
	{ NI, 2026, 7, 13, "Battle of the Boyne (Orangemen's Day)", true },
	{ EW, 2027, 12, 27, "Christmas Day", true },
	{ EW, 2027, 12, 28, "Boxing Day", true },
	{ EW, 2022, 12, 27, "Christmas Day", true },
	{ SC, 2023, 1, 3, "New Year's Day", true },
};

static void
test_rule_titles(void **state)
{
	struct cw_calendar cal;
	struct cw_holiday h;
	size_t i;

	(void)state;
	for (i = 0; i < NELEMS(title_cases); i++) {
		const struct title_case *c = &title_cases[i];

		cw_calendar_init(&cal, c->division);
		assert_int_equal(cw_calendar_holiday_on(&cal, c->year,
		    c->month, c->day, &h), 1);
		assert_string_equal(h.title, c->title);
		assert_int_equal(h.substitute, c->substitute);
	}
	cw_calendar_init(&cal, EW);
	assert_int_equal(cw_calendar_holiday_on(&cal, 2026, 12, 26, &h), 0);
	assert_int_equal(cw_calendar_holiday_on(&cal, 2026, 2, 30, &h), -1);
	assert_int_equal(cw_calendar_holiday_on(&cal, 1995, 12, 25, &h), -1);
}

struct working_case {
	enum cw_division division;
	int year;
	unsigned month, day;
	int want;
};

static const struct working_case working_cases[] = {
	{ EW, 2026, 11, 23, 1 },        /* Monday */
	{ EW, 2026, 11, 21, 0 },        /* Saturday */
	{ EW, 2026, 11, 22, 0 },        /* Sunday */
	{ EW, 2026, 12, 24, 1 },        /* Christmas Eve, Thursday */
	{ EW, 2026, 12, 25, 0 },
	{ EW, 2026, 12, 28, 0 },        /* Boxing Day, substitute */
	{ EW, 2026, 12, 29, 1 },
	{ EW, 2026, 4, 6, 0 },          /* Easter Monday ... */
	{ SC, 2026, 4, 6, 1 },          /* ... is not a Scottish holiday */
	{ SC, 2026, 1, 2, 0 },
	{ EW, 2026, 1, 2, 1 },
	{ EW, 2026, 8, 3, 1 },          /* Scotland's summer holiday ... */
	{ SC, 2026, 8, 3, 0 },
	{ SC, 2026, 8, 31, 1 },         /* ... and the rest's */
	{ EW, 2026, 8, 31, 0 },
	{ NI, 2026, 3, 17, 0 },
	{ EW, 2026, 3, 17, 1 },
	{ NI, 2026, 7, 13, 0 },
	{ SC, 2025, 12, 1, 0 },
	{ EW, 2025, 12, 1, 1 },
	{ EW, 2026, 2, 29, -1 },        /* no such date */
	{ EW, 2026, 13, 1, -1 },
	{ EW, 1995, 6, 1, -1 },         /* outside the supported years */
	{ EW, 10000, 6, 1, -1 },
	{ EW, 2024, 2, 29, 1 },
};

static void
test_working_days(void **state)
{
	struct cw_calendar cal;
	size_t i;

	(void)state;
	for (i = 0; i < NELEMS(working_cases); i++) {
		const struct working_case *c = &working_cases[i];

		cw_calendar_init(&cal, c->division);
		if (cw_is_working_day(&cal, c->year, c->month, c->day) !=
		    c->want)
			fail_msg("%s %d-%02u-%02u: want %d",
			    cw_division_name(c->division), c->year, c->month,
			    c->day, c->want);
	}
}

static void
test_holidays_range_and_names(void **state)
{
	struct cw_holiday_list list;
	struct cw_calendar cal;
	enum cw_division d;

	(void)state;
	cw_calendar_init(&cal, EW);
	assert_int_equal(cw_calendar_holidays(&cal, 1995, &list), -1);
	assert_int_equal(list.count, 0);
	assert_int_equal(cw_calendar_holidays(&cal, 10000, &list), -1);
	assert_int_equal(cw_calendar_holidays(NULL, 2026, &list), -1);
	assert_int_equal(cw_calendar_holidays(&cal, 2026, NULL), -1);

	assert_int_equal(cw_division_parse("scotland", &d), 0);
	assert_int_equal(d, SC);
	assert_int_equal(cw_division_parse("northern-ireland", &d), 0);
	assert_int_equal(d, NI);
	assert_int_equal(cw_division_parse("england-and-wales", &d), 0);
	assert_int_equal(d, EW);
	assert_int_equal(cw_division_parse("Scotland", &d), -1);
	assert_int_equal(cw_division_parse("wales", &d), -1);
	assert_int_equal(cw_division_parse("", &d), -1);
	assert_string_equal(cw_division_name(NI), "northern-ireland");
	assert_string_equal(cw_division_name((enum cw_division)7), "?");
	assert_string_equal(cw_weekday_name(0), "Monday");
	assert_string_equal(cw_weekday_name(6), "Sunday");
	assert_string_equal(cw_weekday_name(7), "?");
}

/* Every year's list is sorted, unique, weekdays only, for every division. */
static void
test_rules_every_year_well_formed(void **state)
{
	struct cw_holiday_list list;
	struct cw_calendar cal;
	int y, div;
	size_t i;

	(void)state;
	for (div = 0; div < CW_DIVISION_COUNT; div++) {
		cw_calendar_init(&cal, (enum cw_division)div);
		for (y = CW_CALENDAR_YEAR_MIN; y <= CW_CALENDAR_YEAR_MAX; y++) {
			assert_int_equal(cw_calendar_holidays(&cal, y, &list), 0);
			assert_true(list.count >= 8 && list.count <= 10);
			for (i = 0; i < list.count; i++) {
				const struct cw_holiday *h = &list.days[i];

				assert_true(cw_weekday(y, h->month, h->day) < 5);
				if (i > 0)
					assert_true(h[-1].month * 100 +
					    h[-1].day < h->month * 100 +
					    h->day);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_easter_known_dates),
		cmocka_unit_test(test_rules_every_division),
		cmocka_unit_test(test_rule_titles),
		cmocka_unit_test(test_working_days),
		cmocka_unit_test(test_holidays_range_and_names),
		cmocka_unit_test(test_rules_every_year_well_formed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
