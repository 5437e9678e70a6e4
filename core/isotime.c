/* SPDX-License-Identifier: MIT */
/*
 * isotime.c - the ISO 8601 subset of isotime.h.
 *
 * The operator's TIME decides when a revocation takes effect, so the
 * parser is strict rather than helpful: one spelling per instant, every
 * field checked, and a local time that could mean two instants (or none)
 * refused instead of guessed.
 */
#include "isotime.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "gentime.h"
#include "text.h"

#define SECS_PER_DAY 86400

struct fields {
	unsigned year, month, day, hour, minute, second;
	bool has_zone;
	int offset;             /* seconds east of UTC, when has_zone */
};

static bool
take_char(const char *s, size_t len, size_t *pos, char c)
{
	if (*pos >= len || s[*pos] != c)
		return false;
	(*pos)++;
	return true;
}

/* Z, +hh:mm, -hh:mm, or nothing.  Returns a status. */
static int
parse_zone(const char *s, size_t len, size_t *pos, struct fields *f)
{
	unsigned oh, om;
	char sign;

	f->has_zone = false;
	if (*pos == len)
		return CW_ISO8601_OK;
	sign = s[(*pos)++];
	f->has_zone = true;
	if (sign == 'Z') {
		f->offset = 0;
		return CW_ISO8601_OK;
	}
	if ((sign != '+' && sign != '-') ||
	    !cw_take_digits(s, len, pos, 2, &oh) || !take_char(s, len, pos, ':') ||
	    !cw_take_digits(s, len, pos, 2, &om))
		return CW_ISO8601_MALFORMED;
	if (oh > 23 || om > 59)
		return CW_ISO8601_BAD_FIELD;
	f->offset = (int)(oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
	return CW_ISO8601_OK;
}

/* The fields of s, shape checked; values are checked by the caller. */
static int
parse_fields(const char *s, size_t len, struct fields *f)
{
	size_t pos = 0;
	int rc;

	memset(f, 0, sizeof(*f));
	if (!cw_take_digits(s, len, &pos, 4, &f->year) ||
	    !take_char(s, len, &pos, '-') ||
	    !cw_take_digits(s, len, &pos, 2, &f->month) ||
	    !take_char(s, len, &pos, '-') ||
	    !cw_take_digits(s, len, &pos, 2, &f->day) ||
	    !take_char(s, len, &pos, 'T') ||
	    !cw_take_digits(s, len, &pos, 2, &f->hour) ||
	    !take_char(s, len, &pos, ':') ||
	    !cw_take_digits(s, len, &pos, 2, &f->minute))
		return CW_ISO8601_MALFORMED;
	if (take_char(s, len, &pos, ':') &&
	    !cw_take_digits(s, len, &pos, 2, &f->second))
		return CW_ISO8601_MALFORMED;
	if ((rc = parse_zone(s, len, &pos, f)) != CW_ISO8601_OK)
		return rc;
	return pos == len ? CW_ISO8601_OK : CW_ISO8601_MALFORMED;
}

static int
local_status(int rc)
{
	switch (rc) {
	case CW_LOCAL_OK:
		return CW_ISO8601_OK;
	case CW_LOCAL_SKIPPED:
		return CW_ISO8601_LOCAL_SKIPPED;
	case CW_LOCAL_REPEATED:
		return CW_ISO8601_LOCAL_REPEATED;
	default:
		return CW_ISO8601_OUT_OF_RANGE;
	}
}

int
cw_iso8601_parse(const char *s, size_t len, int64_t *out)
{
	struct fields f;
	int64_t t;
	int rc;

	if (out == NULL)
		return CW_ISO8601_MALFORMED;
	*out = 0;
	if (s == NULL)
		return CW_ISO8601_MALFORMED;
	if ((rc = parse_fields(s, len, &f)) != CW_ISO8601_OK)
		return rc;
	if (!cw_date_valid((int)f.year, f.month, f.day) || f.hour > 23 ||
	    f.minute > 59 || f.second > 59)
		return CW_ISO8601_BAD_FIELD;
	if (!f.has_zone) {
		if (f.year < CW_CALENDAR_YEAR_MIN)
			return CW_ISO8601_OUT_OF_RANGE;
		rc = local_status(cw_london_to_utc((int)f.year, f.month, f.day,
		    f.hour, f.minute, f.second, &t));
		if (rc == CW_ISO8601_OK)
			*out = t;
		return rc;
	}
	t = cw_days_from_civil(f.year, f.month, f.day) * SECS_PER_DAY +
	    (int64_t)f.hour * 3600 + (int64_t)f.minute * 60 + f.second;
	/* Local time at +hh:mm is ahead of UTC: subtract to get UTC. */
	*out = t - f.offset;
	return CW_ISO8601_OK;
}

const char *
cw_iso8601_strerror(int status)
{
	switch (status) {
	case CW_ISO8601_OK:
		return "ok";
	case CW_ISO8601_BAD_FIELD:
		return "a field is out of range (no such date or time)";
	case CW_ISO8601_OUT_OF_RANGE:
		return "a local time must fall within the years 1996..9999";
	case CW_ISO8601_LOCAL_SKIPPED:
		return "that Europe/London local time does not exist (the clocks "
		    "go forward over it): give Z or an offset";
	case CW_ISO8601_LOCAL_REPEATED:
		return "that Europe/London local time happens twice (the clocks "
		    "go back over it): give Z or an offset";
	default:
		return "not an ISO 8601 time of the accepted form";
	}
}

/* Writes civil fields and a zone suffix; 0 or -1 if it did not fit. */
static int
format_fields(char buf[CW_ISO8601_BUFSZ], int64_t y, unsigned m, unsigned d,
    int64_t secs, const char *zone)
{
	int n;

	n = snprintf(buf, CW_ISO8601_BUFSZ, "%04d-%02u-%02uT%02d:%02d:%02d%s",
	    (int)y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
	    (int)(secs % 60), zone);
	if (n < 0 || n >= CW_ISO8601_BUFSZ) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

int
cw_iso8601_format_utc(int64_t t, char buf[CW_ISO8601_BUFSZ])
{
	static const int64_t min_t = INT64_C(-62167219200);    /* 0000-01-01 */
	static const int64_t max_t = INT64_C(253402300799);    /* 9999-12-31 */
	int64_t days, y;
	unsigned m, d;

	if (buf == NULL)
		return -1;
	buf[0] = '\0';
	if (t < min_t || t > max_t)
		return -1;
	days = t / SECS_PER_DAY - (t % SECS_PER_DAY < 0 ? 1 : 0);
	cw_civil_from_days(days, &y, &m, &d);
	return format_fields(buf, y, m, d, t - days * SECS_PER_DAY, "Z");
}

int
cw_iso8601_format_local(int64_t t, char buf[CW_ISO8601_BUFSZ])
{
	struct cw_local_time lt;

	if (buf == NULL)
		return -1;
	buf[0] = '\0';
	if (cw_london_from_utc(t, &lt) < 0)
		return -1;
	/* London is only ever GMT or BST. */
	return format_fields(buf, lt.year, lt.month, lt.day,
	    (int64_t)lt.hour * 3600 + lt.minute * 60 + lt.second,
	    lt.utc_offset == 3600 ? "+01:00" : "+00:00");
}
