/* SPDX-License-Identifier: MIT */
/*
 * test_calendar.c - bank holidays by rule and from bank-holidays.json,
 * Europe/London local time, and the revocation deadline (contract
 * section 5).
 *
 * Expected values come from outside the code under test: Easter dates
 * from published tables (cross-checked with python-dateutil's easter()),
 * holiday lists from the GOV.UK lists for those years (the rules give
 * them exactly, apart from the one-offs noted), and instants from Python's
 * zoneinfo with the system's Europe/London tzdata, written out as numbers
 * so that a bug shared by code and test cannot cancel out.  (The London
 * rule was also compared with tzdata every 15 minutes from 1996 to 2037.)
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

#include "calendar.h"
#include "config.h"
#include "config_file.h"
#include "gentime.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define EW CW_DIVISION_ENGLAND_AND_WALES
#define SC CW_DIVISION_SCOTLAND
#define NI CW_DIVISION_NORTHERN_IRELAND

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

/* Compares list with the "MM-DD[s] ..." words of want. */
static void
assert_days(const struct cw_holiday_list *list, const char *want,
    const char *what)
{
	char got[512] = "";
	size_t i;

	for (i = 0; i < list->count; i++) {
		char word[16];

		snprintf(word, sizeof(word), "%s%02u-%02u%s", i ? " " : "",
		    list->days[i].month, list->days[i].day,
		    list->days[i].substitute ? "s" : "");
		strcat(got, word);
	}
	if (strcmp(got, want) != 0)
		fail_msg("%s:\n got  %s\n want %s", what, got, want);
}

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

/* --- bank-holidays.json -------------------------------------------------- */

/* GOV.UK's 2020, when Early May moved to Friday 8 May for VE Day. */
static const char govuk_2020[] =
    "{\"england-and-wales\":{\"division\":\"england-and-wales\",\"events\":["
    "{\"title\":\"New Year\xe2\x80\x99s Day\",\"date\":\"2020-01-01\","
    "\"notes\":\"\",\"bunting\":true},"
    "{\"title\":\"Good Friday\",\"date\":\"2020-04-10\",\"notes\":\"\","
    "\"bunting\":false},"
    "{\"title\":\"Easter Monday\",\"date\":\"2020-04-13\",\"notes\":\"\","
    "\"bunting\":true},"
    "{\"title\":\"Early May bank holiday (VE day)\",\"date\":\"2020-05-08\","
    "\"notes\":\"\",\"bunting\":true},"
    "{\"title\":\"Spring bank holiday\",\"date\":\"2020-05-25\","
    "\"notes\":\"\",\"bunting\":true},"
    "{\"title\":\"Summer bank holiday\",\"date\":\"2020-08-31\","
    "\"notes\":\"\",\"bunting\":true},"
    "{\"title\":\"Boxing Day\",\"date\":\"2020-12-28\","
    "\"notes\":\"Substitute day\",\"bunting\":true},"
    "{\"title\":\"Christmas Day\",\"date\":\"2020-12-25\",\"notes\":\"\","
    "\"bunting\":true}]},"
    "\"northern-ireland\":{\"division\":\"northern-ireland\",\"events\":["
    "{\"title\":\"St Patrick\xe2\x80\x99s Day\",\"date\":\"2020-03-17\","
    "\"notes\":\"\",\"bunting\":true}]}}";

static void
parse_ok(const char *json, enum cw_division d, struct cw_calendar *cal)
{
	char err[256] = "";

	if (cw_holidays_json_parse(json, strlen(json), d, cal, err,
	    sizeof(err)) != 0)
		fail_msg("refused: %s", err);
}

static void
test_file_overrides_year(void **state)
{
	struct cw_holiday_list list;
	struct cw_calendar cal;
	struct cw_holiday h;

	(void)state;
	parse_ok(govuk_2020, EW, &cal);
	assert_int_equal(cal.file_count, 8);
	assert_int_equal(cw_calendar_holidays(&cal, 2020, &list), 0);
	assert_days(&list, "01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28s",
	    "file 2020");
	assert_true(list.days[0].from_file);
	assert_string_equal(list.days[0].title, "New Year\xe2\x80\x99s Day");
	/* The moved holiday: Monday 4 May is a working day, Friday 8 not. */
	assert_int_equal(cw_is_working_day(&cal, 2020, 5, 4), 1);
	assert_int_equal(cw_is_working_day(&cal, 2020, 5, 8), 0);
	assert_int_equal(cw_calendar_holiday_on(&cal, 2020, 12, 28, &h), 1);
	assert_true(h.substitute && h.from_file);
	/* Thu 7 May 16:00 BST -> Mon 11 May; Fri 1 May -> Mon 4 May. */
	assert_int_equal(cw_revocation_deadline(&cal, 1588863600), 1589209200);
	assert_int_equal(cw_revocation_deadline(&cal, 1588345200), 1588604400);
	/* A year the file does not cover comes from the rules. */
	assert_int_equal(cw_calendar_holidays(&cal, 2021, &list), 0);
	assert_days(&list, "01-01 04-02 04-05 05-03 05-31 08-30 12-27s 12-28s",
	    "rules 2021");
	assert_false(list.days[0].from_file);
	assert_int_equal(cw_calendar_holidays(&cal, 2019, &list), 0);
	assert_false(list.days[0].from_file);
	cw_calendar_free(&cal);

	/* Without the file, 2020 is by rule: Early May on Monday 4 May. */
	cw_calendar_init(&cal, EW);
	assert_int_equal(cw_is_working_day(&cal, 2020, 5, 4), 0);
	assert_int_equal(cw_is_working_day(&cal, 2020, 5, 8), 1);

	/* A division the file lists only partly: its list is the year. */
	parse_ok(govuk_2020, NI, &cal);
	assert_int_equal(cw_calendar_holidays(&cal, 2020, &list), 0);
	assert_days(&list, "03-17", "NI file 2020");
	cw_calendar_free(&cal);

	/* A division the file does not list: rules everywhere. */
	parse_ok(govuk_2020, SC, &cal);
	assert_int_equal(cal.file_count, 0);
	assert_int_equal(cw_calendar_holidays(&cal, 2020, &list), 0);
	assert_false(list.days[0].from_file);
	assert_int_equal(list.count, 9);
	cw_calendar_free(&cal);
}

static void
test_file_minimal_forms(void **state)
{
	struct cw_calendar cal;

	(void)state;
	parse_ok("{\"scotland\":{\"division\":\"scotland\",\"events\":[]}}",
	    SC, &cal);
	assert_int_equal(cal.file_count, 0);
	cw_calendar_free(&cal);
	/* notes and bunting are optional; whitespace is JSON's. */
	parse_ok(" {\n \"scotland\" : {\"events\":[{\"date\":\"2030-06-03\","
	    "\"title\":\"Extra\"}], \"division\":\"scotland\"}}\n", SC, &cal);
	assert_int_equal(cal.file_count, 1);
	assert_false(cal.file_days[0].substitute);
	cw_calendar_free(&cal);
	/* A weekend date is harmless (it is no working day anyway). */
	parse_ok("{\"scotland\":{\"division\":\"scotland\",\"events\":["
	    "{\"date\":\"2030-06-01\",\"title\":\"Sat\",\"notes\":\"substitute "
	    "DAY\"}]}}", SC, &cal);
	assert_true(cal.file_days[0].substitute);
	cw_calendar_free(&cal);
}

struct bad_file {
	const char *json;
	const char *want;       /* in the error */
};

#define DIV(events) "{\"scotland\":{\"division\":\"scotland\",\"events\":[" \
	events "]}}"
#define EVENT(fields) DIV("{" fields "}")

static const struct bad_file bad_files[] = {
	{ "not json", "not valid JSON" },
	{ "", "not valid JSON" },
	{ "{} x", "not valid JSON" },
	{ "[]", "must be an object keyed by division" },
	{ "{}", "must be an object keyed by division" },
	{ "\"scotland\"", "not valid JSON" },        /* not an object or array */
	{ "{\"wales\":{\"division\":\"wales\",\"events\":[]}}",
	    "unknown or repeated division \"wales\"" },
	{ "{\"Scotland\":{}}", "unknown or repeated division \"Scotland\"" },
	{ "{\"scotland\":[]}", "\"scotland\": not an object" },
	{ "{\"scotland\":{\"division\":\"england-and-wales\",\"events\":[]}}",
	    "\"division\" does not say \"scotland\"" },
	{ "{\"scotland\":{\"division\":\"scotland\"}}", "must hold exactly" },
	{ "{\"scotland\":{\"events\":[]}}", "must hold exactly" },
	{ "{\"scotland\":{\"division\":\"scotland\",\"events\":{}}}",
	    "must hold exactly" },
	{ "{\"scotland\":{\"division\":1,\"events\":[]}}", "must hold exactly" },
	{ "{\"scotland\":{\"division\":\"scotland\",\"events\":[],\"x\":1}}",
	    "must hold exactly" },
	{ "{\"scotland\":{\"division\":\"scotland\",\"division\":\"scotland\","
	    "\"events\":[]}}", "duplicate" },
	{ DIV("1"), "events[0]: not an object" },
	{ DIV("{\"title\":\"A\",\"date\":\"2026-06-01\"}, []"),
	    "events[1]: not an object" },
	{ EVENT("\"title\":1,\"date\":\"2026-06-01\""),
	    "\"title\" must be a string" },
	{ EVENT("\"title\":\"A\",\"date\":20260601"),
	    "\"date\" must be a string" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-06-01\",\"notes\":null"),
	    "\"notes\" must be a string" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-06-01\",\"bunting\":\"yes\""),
	    "\"bunting\" must be true or false" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-06-01\",\"colour\":\"red\""),
	    "unknown key \"colour\"" },
	{ EVENT("\"date\":\"2026-06-01\""), "no \"title\"" },
	{ EVENT("\"title\":\"A\""), "no \"date\"" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-02-30\""),
	    "date \"2026-02-30\" is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"2027-02-29\""),
	    "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-13-01\""),
	    "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-00-10\""),
	    "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-6-1\""), "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"26-06-01\""), "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026/06/01\""),
	    "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-06-01T00:00:00Z\""),
	    "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\" 2026-06-01\""),
	    "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"\""), "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"1995-12-25\""),
	    "outside the supported years 1996..9999" },
	{ EVENT("\"title\":\"\",\"date\":\"2026-06-01\""), "title must be" },
	{ EVENT("\"title\":\"a\\nb\",\"date\":\"2026-06-01\""),
	    "title must be" },
	{ EVENT("\"title\":\"a\\u001b[2J\",\"date\":\"2026-06-01\""),
	    "title must be" },
	{ EVENT("\"title\":\"a\\u0000b\",\"date\":\"2026-06-01\""),
	    "not valid JSON" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-06-01\",\"notes\":\"\\t\""),
	    "notes must be" },
	{ EVENT("\"title\":\"" "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "01234567890123456789012345678901234567890\","
	    "\"date\":\"2026-06-01\""), "title must be 1..120 bytes" },
	{ EVENT("\"title\":\"\xff\",\"date\":\"2026-06-01\""),
	    "not valid JSON" },
	{ DIV("{\"title\":\"A\",\"date\":\"2026-06-01\"},"
	    "{\"title\":\"B\",\"date\":\"2026-06-01\"}"),
	    "2026-06-01 is listed twice" },
	/* An error in a division not asked for is still an error. */
	{ "{\"england-and-wales\":{\"division\":\"england-and-wales\","
	    "\"events\":[]},\"northern-ireland\":{\"division\":"
	    "\"northern-ireland\",\"events\":[{\"title\":\"A\",\"date\":"
	    "\"2026-02-30\"}]}}", "\"northern-ireland\" events[0]" },
};

static void
assert_refused(const char *json, size_t len, enum cw_division d,
    const char *want)
{
	struct cw_calendar cal;
	char err[256] = "";

	if (cw_holidays_json_parse(json, len, d, &cal, err, sizeof(err)) != -1)
		fail_msg("accepted: %.80s", json);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
	/* A refused file leaves a rules-only calendar. */
	assert_int_equal(cal.file_count, 0);
	assert_null(cal.file_days);
	assert_int_equal(cal.division, d);
	cw_calendar_free(&cal);
}

static void
test_file_refused(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEMS(bad_files); i++)
		assert_refused(bad_files[i].json, strlen(bad_files[i].json),
		    EW, bad_files[i].want);
	/* Bytes after a NUL are part of the input, not ignored. */
	assert_refused(DIV("") "\0junk", sizeof(DIV("") "\0junk") - 1, EW,
	    "not valid JSON");
}

/* n events, the i-th on day first + i*step (days since 1970-01-01). */
static char *
generated_file(size_t n, int64_t first, int64_t step, size_t pad)
{
	size_t cap = 128 + n * 64 + pad, len;
	char *buf = malloc(cap);
	size_t i;

	assert_non_null(buf);
	len = (size_t)snprintf(buf, cap, "{\"scotland\":{\"division\":"
	    "\"scotland\",\"events\":[");
	for (i = 0; i < n; i++) {
		int64_t days = first + (int64_t)i * step, y;
		unsigned m, d;

		cw_civil_from_days(days, &y, &m, &d);
		len += (size_t)snprintf(buf + len, cap - len, "%s{\"title\":"
		    "\"H\",\"date\":\"%04d-%02u-%02u\"}", i ? "," : "", (int)y,
		    m, d);
	}
	memset(buf + len, ' ', pad);
	len += pad;
	snprintf(buf + len, cap - len, "]}}");
	return buf;
}

static void
test_file_bounds(void **state)
{
	int64_t jan1_2026 = 20454;      /* days from 1970-01-01 */
	struct cw_calendar cal;
	char *json;

	(void)state;
	/* 32 in one year is the most; 33 is refused. */
	json = generated_file(CW_HOLIDAYS_PER_YEAR_MAX, jan1_2026, 1, 0);
	parse_ok(json, SC, &cal);
	assert_int_equal(cal.file_count, CW_HOLIDAYS_PER_YEAR_MAX);
	cw_calendar_free(&cal);
	free(json);
	json = generated_file(CW_HOLIDAYS_PER_YEAR_MAX + 1, jan1_2026, 1, 0);
	assert_refused(json, strlen(json), SC, "more than 32 holidays in 2026");
	free(json);

	/* 1000 events (one a fortnight) is the most; 1001 is refused. */
	json = generated_file(CW_HOLIDAYS_MAX_EVENTS, jan1_2026, 14, 0);
	parse_ok(json, SC, &cal);
	assert_int_equal(cal.file_count, CW_HOLIDAYS_MAX_EVENTS);
	cw_calendar_free(&cal);
	free(json);
	json = generated_file(CW_HOLIDAYS_MAX_EVENTS + 1, jan1_2026, 14, 0);
	assert_refused(json, strlen(json), SC, "more than 1000 events");
	free(json);

	/* Over 1 MiB, whatever it holds. */
	json = generated_file(1, jan1_2026, 1, CW_HOLIDAYS_MAX_BYTES);
	assert_refused(json, strlen(json), SC, "larger than 1048576 bytes");
	free(json);

	/* Deep nesting is not JSON this parser wants, and must not crash. */
	json = malloc(200001);
	assert_non_null(json);
	memset(json, '[', 200000);
	json[200000] = '\0';
	assert_refused(json, 200000, SC, "not valid JSON");
	free(json);
}

static void
test_file_null_arguments(void **state)
{
	struct cw_calendar cal;
	char err[64];

	(void)state;
	assert_int_equal(cw_holidays_json_parse(NULL, 0, EW, &cal, err,
	    sizeof(err)), -1);
	assert_int_equal(cw_holidays_json_parse("{}", 2, EW, NULL, err,
	    sizeof(err)), -1);
	assert_int_equal(cw_holidays_json_parse("{}", 2, (enum cw_division)9,
	    &cal, err, sizeof(err)), -1);
	assert_int_equal(cw_holidays_json_parse("x", 1, EW, &cal, NULL, 0),
	    -1);
	cw_calendar_free(&cal);
	cw_calendar_free(NULL);
}

/* --- the configuration's part -------------------------------------------- */

static void
test_config_division_and_file(void **state)
{
	static const char base[] = "[daemon]\nldap_sync = no\n[policy]\n";
	struct cw_config c;
	char text[256], err[256];

	(void)state;
	assert_int_equal(cw_config_defaults(&c), 0);
	assert_int_equal(c.policy.division, EW);
	assert_null(c.policy.bank_holidays_file);
	snprintf(text, sizeof(text), "%sdivision = scotland\n"
	    "bank_holidays_file = /etc/clearway/bank-holidays.json\n", base);
	assert_int_equal(cw_config_parse(text, strlen(text), &c, err,
	    sizeof(err)), 0);
	assert_int_equal(c.policy.division, SC);
	assert_string_equal(c.policy.bank_holidays_file,
	    "/etc/clearway/bank-holidays.json");
	cw_config_free(&c);

	assert_int_equal(cw_config_defaults(&c), 0);
	snprintf(text, sizeof(text), "%sdivision = wales\n", base);
	assert_int_equal(cw_config_parse(text, strlen(text), &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "line 4: division must be one of "
	    "england-and-wales, scotland, northern-ireland"));
	cw_config_free(&c);

	assert_int_equal(cw_config_defaults(&c), 0);
	snprintf(text, sizeof(text), "%sbank_holidays_file = holidays.json\n",
	    base);
	assert_int_equal(cw_config_parse(text, strlen(text), &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "must be an absolute path"));
	cw_config_free(&c);
}

static char *
temp_file(const char *text, mode_t mode)
{
	char *path = strdup("/tmp/cw-test-holidays.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void
test_calendar_load(void **state)
{
	struct cw_calendar cal;
	char err[512], *path;

	(void)state;
	assert_int_equal(cw_calendar_load(NULL, SC, &cal, err, sizeof(err)), 0);
	assert_int_equal(cal.division, SC);
	assert_int_equal(cal.file_count, 0);
	cw_calendar_free(&cal);
	if (geteuid() != 0)
		skip();         /* ownership checks need root to set up */

	path = temp_file(govuk_2020, 0644);
	assert_int_equal(cw_calendar_load(path, EW, &cal, err, sizeof(err)), 0);
	assert_int_equal(cal.file_count, 8);
	assert_int_equal(cw_is_working_day(&cal, 2020, 5, 4), 1);
	cw_calendar_free(&cal);

	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(cw_calendar_load(path, EW, &cal, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "too open"));
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(cw_calendar_load(path, EW, &cal, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "must be owned by root"));
	unlink(path);
	free(path);

	path = temp_file("{\"wales\":{}}", 0644);
	assert_int_equal(cw_calendar_load(path, EW, &cal, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "unknown or repeated division"));
	assert_int_equal(cal.file_count, 0);
	unlink(path);
	free(path);

	assert_int_equal(cw_calendar_load("/nonexistent/h.json", EW, &cal, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/h.json"));
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
		cmocka_unit_test(test_london_from_utc),
		cmocka_unit_test(test_london_to_utc),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_deadline_across_clock_changes),
		cmocka_unit_test(test_deadline_out_of_range),
		cmocka_unit_test(test_deadline_properties),
		cmocka_unit_test(test_file_overrides_year),
		cmocka_unit_test(test_file_minimal_forms),
		cmocka_unit_test(test_file_refused),
		cmocka_unit_test(test_file_bounds),
		cmocka_unit_test(test_file_null_arguments),
		cmocka_unit_test(test_config_division_and_file),
		cmocka_unit_test(test_calendar_load),
	};

	return cmocka_run_group_tests_name("calendar", tests, NULL, NULL);
}
