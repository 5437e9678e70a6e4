/* SPDX-License-Identifier: MIT */
/*
 * calendar.c - UK bank holidays, Europe/London local time and the
 * revocation deadline (contract section 5).  See calendar.h for the rules,
 * the supported years and how the holidays file overrides the rules.
 *
 * Everything is computed from rules and arguments: no TZ database (a host
 * without tzdata, or with a stale one, must not move a deadline), no
 * clock, no globals.  Dates are handled as days since 1970-01-01 through
 * gentime.c's civil-calendar functions, which are exact for every
 * supported year.
 */
#include "calendar.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gentime.h"
#include "text.h"

#define SECS_PER_DAY 86400
#define BST_OFFSET 3600
/*
 * The longest run of non-working days the search for the next working day
 * may cross.  By rule it is five (Scotland, New Year on a Saturday); a file
 * can add at most CW_HOLIDAYS_PER_YEAR_MAX days in each of two adjacent
 * years, which with their weekends stays far below this.
 */
#define WORKING_DAY_SEARCH_MAX 400
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
year_supported(int64_t y)
{
	return y >= CW_CALENDAR_YEAR_MIN && y <= CW_CALENDAR_YEAR_MAX;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

/* 0 = Monday .. 6 = Sunday; 1970-01-01 was a Thursday (3). */
static unsigned
weekday_of(int64_t day)
{
	return (unsigned)(day + 3 - floor_div(day + 3, 7) * 7);
}

static bool
is_weekend(int64_t day)
{
	return weekday_of(day) >= 5;
}

unsigned
cw_weekday(int year, unsigned month, unsigned day)
{
	return weekday_of(cw_days_from_civil(year, month, day));
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

	return first + (7 - weekday_of(first)) % 7;
}

static int64_t
last_monday(int year, unsigned month)
{
	int64_t last = cw_days_from_civil(year, month,
	    cw_days_in_month(year, month));

	return last - weekday_of(last);
}

static int64_t
last_sunday(int year, unsigned month)
{
	int64_t last = cw_days_from_civil(year, month,
	    cw_days_in_month(year, month));

	return last - (weekday_of(last) + 1) % 7;
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

static int
compare_holidays(const void *a, const void *b)
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
	qsort(out->days, out->count, sizeof(out->days[0]), compare_holidays);
}

/* --- the calendar -------------------------------------------------------- */

void
cw_calendar_init(struct cw_calendar *cal, enum cw_division division)
{
	memset(cal, 0, sizeof(*cal));
	cal->division = division;
}

static void
free_days(struct cw_holiday *days, size_t count)
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
	free_days(cal->file_days, cal->file_count);
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
	if (cal == NULL || out == NULL || !year_supported(year) ||
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

	if (!cw_date_valid(year, month, day) || !year_supported(year))
		return -1;
	if (cw_weekday(year, month, day) >= 5)
		return 0;
	if ((holiday = cw_calendar_holiday_on(cal, year, month, day,
	    NULL)) < 0)
		return -1;
	return !holiday;
}

/* --- bank-holidays.json -------------------------------------------------- */

/* Where an error was found, for messages: "scotland" events[3]. */
struct event_where {
	const char *division;
	size_t index;
};

/* 1..max bytes (min 0 for notes) of text without control characters. */
static bool
text_valid(const char *s, size_t len, size_t min)
{
	size_t i;

	if (len < min || len > CW_HOLIDAY_TITLE_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* Exactly "YYYY-MM-DD", a real date.  Returns 0 or -1. */
static int
parse_date(const char *s, size_t len, int *year, unsigned *month,
    unsigned *day)
{
	unsigned v[3] = { 0, 0, 0 };
	static const size_t width[3] = { 4, 2, 2 };
	size_t pos = 0, f, i;

	if (len != 10)
		return -1;
	for (f = 0; f < 3; f++) {
		if (f > 0 && s[pos++] != '-')
			return -1;
		for (i = 0; i < width[f]; i++, pos++) {
			if (s[pos] < '0' || s[pos] > '9')
				return -1;
			v[f] = v[f] * 10 + (unsigned)(s[pos] - '0');
		}
	}
	if (!cw_date_valid((int)v[0], v[1], v[2]))
		return -1;
	*year = (int)v[0];
	*month = v[1];
	*day = v[2];
	return 0;
}

/* Case-blind for ASCII letters only: strcasecmp() follows the locale. */
static bool
ascii_equal_nocase(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return false;
	for (i = 0; i < alen; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

/* An event's members as found, before they are checked. */
struct event_text {
	const char *title, *date, *notes;
	size_t title_len, date_len, notes_len;
};

/* Reads one string member; type errors are named. */
static int
take_string(const struct event_where *w, const char *key, json_t *v,
    const char **s, size_t *len, char *err, size_t errlen)
{
	if (!json_is_string(v)) {
		cw_set_err(err, errlen, "\"%s\" events[%zu]: \"%s\" must be a "
		    "string", w->division, w->index, key);
		return -1;
	}
	*s = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

/* One member of an event object into t; unknown keys are errors. */
static int
take_member(const struct event_where *w, const char *key, json_t *v,
    struct event_text *t, char *err, size_t errlen)
{
	char shown[48];

	if (strcmp(key, "title") == 0)
		return take_string(w, key, v, &t->title, &t->title_len, err,
		    errlen);
	if (strcmp(key, "date") == 0)
		return take_string(w, key, v, &t->date, &t->date_len, err,
		    errlen);
	if (strcmp(key, "notes") == 0)
		return take_string(w, key, v, &t->notes, &t->notes_len, err,
		    errlen);
	if (strcmp(key, "bunting") == 0) {
		if (json_is_boolean(v))
			return 0;       /* flags, nothing we use */
		cw_set_err(err, errlen, "\"%s\" events[%zu]: \"bunting\" must be "
		    "true or false", w->division, w->index);
		return -1;
	}
	cw_sanitize(shown, sizeof(shown), key, strlen(key));
	cw_set_err(err, errlen, "\"%s\" events[%zu]: unknown key \"%s\" "
	    "(expected title, date, notes, bunting)", w->division, w->index,
	    shown);
	return -1;
}

/* The event's date: a real YYYY-MM-DD within the supported years. */
static int
check_event_date(const struct event_where *w, const struct event_text *t,
    struct cw_holiday *out, char *err, size_t errlen)
{
	char shown[48];

	if (parse_date(t->date, t->date_len, &out->year, &out->month,
	    &out->day) < 0) {
		cw_sanitize(shown, sizeof(shown), t->date, t->date_len);
		cw_set_err(err, errlen, "\"%s\" events[%zu]: date \"%s\" is not "
		    "a real date in the form YYYY-MM-DD", w->division,
		    w->index, shown);
		return -1;
	}
	if (!year_supported(out->year)) {
		cw_set_err(err, errlen, "\"%s\" events[%zu]: date %04d-%02u-%02u "
		    "is outside the supported years %d..%d", w->division,
		    w->index, out->year, out->month, out->day,
		    CW_CALENDAR_YEAR_MIN, CW_CALENDAR_YEAR_MAX);
		return -1;
	}
	return 0;
}

/*
 * Titles and notes reach terminals and logs: no control characters (an
 * escape sequence in a title must not repaint an operator's screen).
 */
static int
check_event_text(const struct event_where *w, const struct event_text *t,
    char *err, size_t errlen)
{
	if (!text_valid(t->title, t->title_len, 1)) {
		cw_set_err(err, errlen, "\"%s\" events[%zu]: title must be 1..%d "
		    "bytes without control characters", w->division, w->index,
		    CW_HOLIDAY_TITLE_MAX);
		return -1;
	}
	if (!text_valid(t->notes, t->notes_len, 0)) {
		cw_set_err(err, errlen, "\"%s\" events[%zu]: notes must be 0..%d "
		    "bytes without control characters", w->division, w->index,
		    CW_HOLIDAY_TITLE_MAX);
		return -1;
	}
	return 0;
}

/*
 * One event into out, its title a copy the caller frees.  Returns 0 or -1
 * with err naming the event and what was wrong with it.
 */
static int
parse_event(const struct event_where *w, json_t *ev, struct cw_holiday *out,
    char *err, size_t errlen)
{
	struct event_text t = { NULL, NULL, "", 0, 0, 0 };
	const char *key;
	json_t *v;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(ev)) {
		cw_set_err(err, errlen, "\"%s\" events[%zu]: not an object",
		    w->division, w->index);
		return -1;
	}
	json_object_foreach(ev, key, v) {
		if (take_member(w, key, v, &t, err, errlen) < 0)
			return -1;
	}
	if (t.date == NULL || t.title == NULL) {
		cw_set_err(err, errlen, "\"%s\" events[%zu]: no \"%s\"",
		    w->division, w->index, t.date == NULL ? "date" : "title");
		return -1;
	}
	if (check_event_date(w, &t, out, err, errlen) < 0 ||
	    check_event_text(w, &t, err, errlen) < 0)
		return -1;
	if ((out->title = strdup(t.title)) == NULL) {
		cw_set_err(err, errlen, "out of memory");
		return -1;
	}
	out->substitute = ascii_equal_nocase(t.notes, t.notes_len,
	    "Substitute day");
	out->from_file = true;
	return 0;
}

/* After sorting: no date twice, no year over its bound. */
static int
check_event_dates(const char *division, const struct cw_holiday *days,
    size_t n, char *err, size_t errlen)
{
	size_t i, in_year = 0;

	for (i = 0; i < n; i++) {
		const struct cw_holiday *h = &days[i];

		if (i > 0 && compare_holidays(&days[i - 1], h) == 0) {
			cw_set_err(err, errlen, "\"%s\": %04d-%02u-%02u is listed "
			    "twice", division, h->year, h->month, h->day);
			return -1;
		}
		in_year = (i > 0 && days[i - 1].year == h->year) ?
		    in_year + 1 : 1;
		if (in_year > CW_HOLIDAYS_PER_YEAR_MAX) {
			cw_set_err(err, errlen, "\"%s\": more than %d holidays in "
			    "%d", division, CW_HOLIDAYS_PER_YEAR_MAX, h->year);
			return -1;
		}
	}
	return 0;
}

/*
 * One division's object: {"division": name, "events": [...]}.  On success
 * *daysp holds its events by date (caller frees with free_days()).
 */
static int
parse_division(const char *name, json_t *obj, struct cw_holiday **daysp,
    size_t *countp, char *err, size_t errlen)
{
	struct event_where where = { name, 0 };
	json_t *self, *events, *ev;
	struct cw_holiday *days = NULL;
	size_t n = 0, i;
	int rc = -1;

	*daysp = NULL;
	*countp = 0;
	if (!json_is_object(obj)) {
		cw_set_err(err, errlen, "\"%s\": not an object", name);
		goto out;
	}
	self = json_object_get(obj, "division");
	events = json_object_get(obj, "events");
	if (json_object_size(obj) != 2 || !json_is_string(self) ||
	    !json_is_array(events)) {
		cw_set_err(err, errlen, "\"%s\": must hold exactly \"division\" "
		    "(a string) and \"events\" (an array)", name);
		goto out;
	}
	if (strcmp(json_string_value(self), name) != 0 ||
	    json_string_length(self) != strlen(name)) {
		cw_set_err(err, errlen, "\"%s\": \"division\" does not say \"%s\"",
		    name, name);
		goto out;
	}
	if (json_array_size(events) > CW_HOLIDAYS_MAX_EVENTS) {
		cw_set_err(err, errlen, "\"%s\": more than %d events", name,
		    CW_HOLIDAYS_MAX_EVENTS);
		goto out;
	}
	if (json_array_size(events) > 0 && (days = calloc(
	    json_array_size(events), sizeof(*days))) == NULL) {
		cw_set_err(err, errlen, "out of memory");
		goto out;
	}
	json_array_foreach(events, i, ev) {
		where.index = i;
		if (parse_event(&where, ev, &days[n], err, errlen) < 0)
			goto out;
		n++;
	}
	if (n > 0)
		qsort(days, n, sizeof(*days), compare_holidays);
	if (check_event_dates(name, days, n, err, errlen) < 0)
		goto out;
	*daysp = days;
	*countp = n;
	days = NULL;
	rc = 0;
out:
	free_days(days, n);
	return rc;
}

int
cw_holidays_json_parse(const char *buf, size_t len,
    enum cw_division division, struct cw_calendar *cal, char *err,
    size_t errlen)
{
	bool seen[CW_DIVISION_COUNT] = { false };
	struct cw_holiday *days = NULL;
	json_error_t jerr;
	json_t *root = NULL, *value;
	const char *key;
	char shown[48];
	enum cw_division d;
	size_t count = 0;
	int rc = -1;

	if (cal == NULL)
		return -1;
	cw_calendar_init(cal, division);
	if (buf == NULL || (unsigned)division >= CW_DIVISION_COUNT) {
		cw_set_err(err, errlen, "no input, or an unknown division");
		goto out;
	}
	if (len > CW_HOLIDAYS_MAX_BYTES) {
		cw_set_err(err, errlen, "larger than %d bytes",
		    CW_HOLIDAYS_MAX_BYTES);
		goto out;
	}
	/* Duplicate keys would leave us to choose between two answers. */
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		cw_set_err(err, errlen, "not valid JSON: line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		goto out;
	}
	if (!json_is_object(root) || json_object_size(root) == 0) {
		cw_set_err(err, errlen, "must be an object keyed by division (%s)",
		    CW_DIVISION_NAMES);
		goto out;
	}
	json_object_foreach(root, key, value) {
		struct cw_holiday *parsed;
		size_t n;

		if (cw_division_parse(key, &d) < 0 || seen[d]) {
			cw_sanitize(shown, sizeof(shown), key, strlen(key));
			cw_set_err(err, errlen, "unknown or repeated division "
			    "\"%s\" (expected %s)", shown, CW_DIVISION_NAMES);
			goto out;
		}
		seen[d] = true;
		/* Every division is checked, even those not kept. */
		if (parse_division(key, value, &parsed, &n, err, errlen) < 0)
			goto out;
		if (d == division) {
			days = parsed;
			count = n;
		} else {
			free_days(parsed, n);
		}
	}
	cal->file_days = days;
	cal->file_count = count;
	days = NULL;
	rc = 0;
out:
	free_days(days, count);
	json_decref(root);
	return rc;
}

/* --- Europe/London ------------------------------------------------------- */

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

	cw_civil_from_days(floor_div(t, SECS_PER_DAY), &y, NULL, NULL);
	if (!year_supported(y))
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
	day = floor_div(local, SECS_PER_DAY);
	secs = local - day * SECS_PER_DAY;
	cw_civil_from_days(day, &y, &out->month, &out->day);
	out->year = (int)y;
	out->hour = (unsigned)(secs / 3600);
	out->minute = (unsigned)(secs / 60 % 60);
	out->second = (unsigned)(secs % 60);
	out->weekday = weekday_of(day);
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
	if (!year_supported(year) || !cw_date_valid(year, month, day) ||
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
	if (!year_supported(y))
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
	if (!year_supported(y))
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
