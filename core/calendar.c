/* SPDX-License-Identifier: MIT */
/*
 * calendar.c - UK bank holidays (contract section 5): by rule for each
 * division, or from the holidays file where it covers a year, and whether
 * a date is a Working Day.  See calendar.h for the rules, the supported
 * years and how the holidays file overrides the rules.  The file itself is
 * parsed in holidays_json.c, London time and the deadline are deadline.c:
 * this file is the one place that says which days are holidays.
 *
 * Everything is computed from rules and arguments: no TZ database, no
 * clock, no globals.  Dates are handled as days since 1970-01-01 through
 * gentime.c's civil-calendar functions, which are exact for every
 * supported year.
 */
#include "calendar_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gentime.h"

/* Room for every rule holiday of a year before substitution. */
#define RULE_HOLIDAYS_MAX 16

static const char *const division_names[CW_DIVISION_COUNT] = {
	[CW_DIVISION_ENGLAND_AND_WALES] = "england-and-wales",
	[CW_DIVISION_SCOTLAND] = "scotland",
	[CW_DIVISION_NORTHERN_IRELAND] = "northern-ireland",
};

const char *
cw_division_name(enum cw_division d)
{
	if ((unsigned)d >= CW_DIVISION_COUNT)
		return "?";
	return division_names[d];
}

int
cw_division_parse(const char *name, enum cw_division *out)
{
	size_t i;

	if (name == NULL || out == NULL)
		return -1;
	for (i = 0; i < CW_DIVISION_COUNT; i++) {
		if (strcmp(name, division_names[i]) == 0) {
			*out = (enum cw_division)i;
			return 0;
		}
	}
	return -1;
}

/* --- civil dates --------------------------------------------------------- */

bool
cw_date_valid(int year, unsigned month, unsigned day)
{
	return month >= 1 && month <= 12 && day >= 1 &&
	    day <= cw_days_in_month(year, month);
}

static bool
is_weekend(int64_t day)
{
	return cw_cal_weekday_of(day) >= 5;
}

unsigned
cw_weekday(int year, unsigned month, unsigned day)
{
	return cw_cal_weekday_of(cw_days_from_civil(year, month, day));
}

const char *
cw_weekday_name(unsigned weekday)
{
	static const char *const names[7] = {
		"Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
		"Saturday", "Sunday"
	};

	return weekday < 7 ? names[weekday] : "?";
}

static int64_t
first_monday(int year, unsigned month)
{
	int64_t first = cw_days_from_civil(year, month, 1);

	return first + (7 - cw_cal_weekday_of(first)) % 7;
}

static int64_t
last_monday(int year, unsigned month)
{
	int64_t last = cw_days_from_civil(year, month,
	    cw_days_in_month(year, month));

	return last - cw_cal_weekday_of(last);
}

/*
 * The "anonymous Gregorian algorithm" (Meeus, Astronomical Algorithms,
 * ch. 8; published in Nature in 1876): the Gregorian computus as integer
 * arithmetic, exact for every Gregorian year.
 */
int
cw_easter_sunday(int year, unsigned *month, unsigned *day)
{
	int a, b, c, d, e, f, g, h, i, k, l, m, n;

	if (year < 1583 || year > 9999 || month == NULL || day == NULL)
		return -1;
	a = year % 19;                  /* place in the Metonic cycle */
	b = year / 100;
	c = year % 100;
	d = b / 4;
	e = b % 4;
	f = (b + 8) / 25;
	g = (b - f + 1) / 3;            /* the Moon's correction */
	h = (19 * a + b - d - g + 15) % 30;     /* epact: Paschal full moon */
	i = c / 4;
	k = c % 4;
	l = (32 + 2 * e + 2 * i - h - k) % 7;   /* days on to Sunday */
	m = (a + 11 * h + 22 * l) / 451;
	n = h + l - 7 * m + 114;
	*month = (unsigned)(n / 31);
	*day = (unsigned)(n % 31 + 1);
	return 0;
}

/* --- holidays by rule ---------------------------------------------------- */

struct rule_holiday {
	int64_t day;
	const char *title;
};

static void
sort_rule_holidays(struct rule_holiday *h, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct rule_holiday x = h[i];

		for (j = i; j > 0 && h[j - 1].day > x.day; j--)
			h[j] = h[j - 1];
		h[j] = x;
	}
}

/* Every rule holiday of year on its own date, weekends included, by date. */
static size_t
rule_dates(enum cw_division div, int year, struct rule_holiday *out)
{
	bool scotland = div == CW_DIVISION_SCOTLAND;
	bool ni = div == CW_DIVISION_NORTHERN_IRELAND;
	unsigned em, ed;
	int64_t easter;
	size_t n = 0;

	(void)cw_easter_sunday(year, &em, &ed);   /* year is in range */
	easter = cw_days_from_civil(year, em, ed);

#define ADD(d, t) (out[n].day = (d), out[n].title = (t), n++)
	ADD(cw_days_from_civil(year, 1, 1), "New Year's Day");
	if (scotland)
		ADD(cw_days_from_civil(year, 1, 2), "2nd January");
	if (ni)
		ADD(cw_days_from_civil(year, 3, 17), "St Patrick's Day");
	ADD(easter - 2, "Good Friday");
	if (!scotland)
		ADD(easter + 1, "Easter Monday");
	ADD(first_monday(year, 5), "Early May bank holiday");
	ADD(last_monday(year, 5), "Spring bank holiday");
	if (ni)
		ADD(cw_days_from_civil(year, 7, 12),
		    "Battle of the Boyne (Orangemen's Day)");
	ADD(scotland ? first_monday(year, 8) : last_monday(year, 8),
	    "Summer bank holiday");
	if (scotland && year >= 2007)
		ADD(cw_days_from_civil(year, 11, 30), "St Andrew's Day");
	ADD(cw_days_from_civil(year, 12, 25), "Christmas Day");
	ADD(cw_days_from_civil(year, 12, 26), "Boxing Day");
#undef ADD
	assert(n <= RULE_HOLIDAYS_MAX);
	sort_rule_holidays(out, n);
	return n;
}

static int64_t
holiday_key(int year, unsigned month, unsigned day)
{
	return (int64_t)year * 10000 + month * 100 + day;
}

static bool
list_has_day(const struct cw_holiday_list *l, int64_t day)
{
	int64_t y;
	unsigned m, d;
	size_t i;

	cw_civil_from_days(day, &y, &m, &d);
	for (i = 0; i < l->count; i++)
		if (l->days[i].year == y && l->days[i].month == m &&
		    l->days[i].day == d)
			return true;
	return false;
}

static void
list_append(struct cw_holiday_list *l, int64_t day, const char *title,
    bool substitute)
{
	struct cw_holiday *h = &l->days[l->count++];
	int64_t y;

	cw_civil_from_days(day, &y, &h->month, &h->day);
	h->year = (int)y;
	h->title = title;
	h->substitute = substitute;
	h->from_file = false;
}

int
cw_cal_compare_holidays(const void *a, const void *b)
{
	const struct cw_holiday *x = a, *y = b;
	int64_t kx = holiday_key(x->year, x->month, x->day);
	int64_t ky = holiday_key(y->year, y->month, y->day);

	return (kx > ky) - (kx < ky);
}

/*
 * The rule holidays of year as the GOV.UK list gives them: weekdays only,
 * a weekend holiday replaced by its substitute day.  Substitutes are given
 * out in date order, each to the first weekday after its holiday not
 * already taken, so that Christmas on a Saturday takes Monday 27 and
 * Boxing Day on the Sunday Tuesday 28; Christmas on a Sunday finds Boxing
 * Day on Monday 26 and takes Tuesday 27.  Only date-fixed holidays can fall
 * at a weekend, and none of their substitutes leaves the year.
 */
static void
rule_holidays(enum cw_division div, int year, struct cw_holiday_list *out)
{
	struct rule_holiday dates[RULE_HOLIDAYS_MAX];
	size_t n, i;
	int64_t sub;

	n = rule_dates(div, year, dates);
	out->count = 0;
	for (i = 0; i < n; i++)
		if (!is_weekend(dates[i].day))
			list_append(out, dates[i].day, dates[i].title, false);
	for (i = 0; i < n; i++) {
		if (!is_weekend(dates[i].day))
			continue;
		sub = dates[i].day + 1;
		while (is_weekend(sub) || list_has_day(out, sub))
			sub++;
		list_append(out, sub, dates[i].title, true);
	}
	qsort(out->days, out->count, sizeof(out->days[0]), cw_cal_compare_holidays);
}

/* --- the calendar -------------------------------------------------------- */

void
cw_calendar_init(struct cw_calendar *cal, enum cw_division division)
{
	memset(cal, 0, sizeof(*cal));
	cal->division = division;
}

void
cw_cal_free_days(struct cw_holiday *days, size_t count)
{
	size_t i;

	if (days == NULL)
		return;
	for (i = 0; i < count; i++)
		free((char *)days[i].title);
	free(days);
}

void
cw_calendar_free(struct cw_calendar *cal)
{
	if (cal == NULL)
		return;
	cw_cal_free_days(cal->file_days, cal->file_count);
	cal->file_days = NULL;
	cal->file_count = 0;
}

/* Index of the file's first event in year, and how many; 0 if none. */
static size_t
file_year(const struct cw_calendar *cal, int year, size_t *first)
{
	size_t lo = 0, hi = cal->file_count, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cal->file_days[mid].year < year)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo + n < cal->file_count && cal->file_days[lo + n].year == year)
		n++;
	return n;
}

int
cw_calendar_holidays(const struct cw_calendar *cal, int year,
    struct cw_holiday_list *out)
{
	size_t first, n;

	if (out != NULL)
		out->count = 0;
	if (cal == NULL || out == NULL || !cw_cal_year_supported(year) ||
	    (unsigned)cal->division >= CW_DIVISION_COUNT)
		return -1;
	n = file_year(cal, year, &first);
	if (n == 0) {
		rule_holidays(cal->division, year, out);
		return 0;
	}
	/* The parser bounds a year's events by the list's size. */
	assert(n <= CW_HOLIDAYS_PER_YEAR_MAX);
	memcpy(out->days, cal->file_days + first, n * sizeof(out->days[0]));
	out->count = n;
	return 0;
}

int
cw_calendar_holiday_on(const struct cw_calendar *cal, int year,
    unsigned month, unsigned day, struct cw_holiday *out)
{
	struct cw_holiday_list list;
	size_t i;

	if (!cw_date_valid(year, month, day) ||
	    cw_calendar_holidays(cal, year, &list) < 0)
		return -1;
	for (i = 0; i < list.count; i++) {
		if (list.days[i].month == month && list.days[i].day == day) {
			if (out != NULL)
				*out = list.days[i];
			return 1;
		}
	}
	return 0;
}

int
cw_is_working_day(const struct cw_calendar *cal, int year, unsigned month,
    unsigned day)
{
	int holiday;

	if (!cw_date_valid(year, month, day) || !cw_cal_year_supported(year))
		return -1;
	if (cw_weekday(year, month, day) >= 5)
		return 0;
	if ((holiday = cw_calendar_holiday_on(cal, year, month, day,
	    NULL)) < 0)
		return -1;
	return !holiday;
}
