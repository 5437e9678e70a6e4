/* SPDX-License-Identifier: MIT */
/*
 * holidays_json.c - the strict parser of GOV.UK's bank-holidays.json
 * (calendar.h says what it accepts).  Apart from the rules in calendar.c
 * because this is the calendar's one parser of outside input, with its
 * own fuzz target (tests/fuzz/fuzz_holidays.c): nothing else here reads
 * bytes someone else wrote.  Pure: the file arrives as (buf, len).
 */
#include "calendar_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "text.h"

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
	if (!cw_cal_year_supported(out->year)) {
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

		if (i > 0 && cw_cal_compare_holidays(&days[i - 1], h) == 0) {
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
 * *daysp holds its events by date (caller frees with cw_cal_free_days()).
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
		qsort(days, n, sizeof(*days), cw_cal_compare_holidays);
	if (check_event_dates(name, days, n, err, errlen) < 0)
		goto out;
	*daysp = days;
	*countp = n;
	days = NULL;
	rc = 0;
out:
	cw_cal_free_days(days, n);
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
			cw_cal_free_days(parsed, n);
		}
	}
	cal->file_days = days;
	cal->file_count = count;
	days = NULL;
	rc = 0;
out:
	cw_cal_free_days(days, count);
	json_decref(root);
	return rc;
}
