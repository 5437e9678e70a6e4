/* SPDX-License-Identifier: MIT */
/*
 * gentime.c - LDAP GeneralizedTime (RFC 4517 section 3.3.13) <-> seconds.
 *
 * Every date that decides a logon (leaving date, checks, expiries,
 * training) comes through cw_gentime_parse(), so it is strict and does its
 * own calendar arithmetic: timegm()/mktime() consult TZ and the C library's
 * notion of a valid date, and neither belongs in a decision.
 */
#include "gentime.h"
#include "text.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define SECS_PER_DAY 86400
#define YEAR_MIN 0
#define YEAR_MAX 9999

/*
 * Bounds that keep the era arithmetic below far from int64 overflow
 * (it multiplies years/400 by 146097).  They are generous: callers only
 * ever pass years 0..9999.
 */
#define CIVIL_YEAR_LIMIT INT64_C(1000000000000)
#define CIVIL_DAYS_LIMIT (CIVIL_YEAR_LIMIT * 366)

static bool
is_leap_year(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

unsigned
cw_days_in_month(int64_t y, unsigned m)
{
	static const unsigned char days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && is_leap_year(y))
		return 29;
	return days[m - 1];
}

/* Floor division for the negative side of the proleptic calendar. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/*
 * The civil calendar is counted in 400-year eras starting on 1 March, so
 * that the leap day is the last day of its year and month lengths follow a
 * fixed pattern.  Inputs outside the documented domain are clamped rather
 * than allowed to overflow: the function has no error return, and no caller
 * passes them.
 */
int64_t
cw_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe, mp;

	if (y > CIVIL_YEAR_LIMIT)
		y = CIVIL_YEAR_LIMIT;
	if (y < -CIVIL_YEAR_LIMIT)
		y = -CIVIL_YEAR_LIMIT;
	if (m < 1)
		m = 1;
	if (m > 12)
		m = 12;
	if (d < 1)
		d = 1;
	if (d > 31)
		d = 31;

	if (m <= 2)
		y -= 1;                 /* January and February end the era year */
	era = floor_div(y, 400);
	yoe = y - era * 400;                            /* 0..399 */
	mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;   /* March = 0 */
	doy = (153 * mp + 2) / 5 + (int64_t)d - 1;      /* 0..365 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;    /* 0..146096 */
	return era * 146097 + doe - 719468;     /* 719468: 0000-03-01 to epoch */
}

void
cw_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z, era, doe, yoe, doy, mp, year;
	unsigned month;

	if (days > CIVIL_DAYS_LIMIT)
		days = CIVIL_DAYS_LIMIT;
	if (days < -CIVIL_DAYS_LIMIT)
		days = -CIVIL_DAYS_LIMIT;

	z = days + 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;                                 /* 0..146096 */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);          /* 0..365 */
	mp = (5 * doy + 2) / 153;                               /* 0..11 */
	month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	year = yoe + era * 400 + (month <= 2 ? 1 : 0);

	if (y != NULL)
		*y = year;
	if (m != NULL)
		*m = month;
	if (d != NULL)
		*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
}

static bool
is_digit_at(const char *s, size_t len, size_t pos)
{
	return pos < len && s[pos] >= '0' && s[pos] <= '9';
}

/*
 * floor(unit * 0.<digits>) for the fraction digits s[start..end), exactly,
 * however many digits there are: multiplying from the last digit towards
 * the first and dropping one decimal place per step divides by 10^n with
 * the carry never exceeding unit.
 */
static int64_t
fraction_seconds(const char *s, size_t start, size_t end, unsigned unit)
{
	uint64_t carry = 0;
	size_t i;

	for (i = end; i > start; i--)
		carry = ((uint64_t)(s[i - 1] - '0') * unit + carry) / 10;
	return (int64_t)carry;
}

int
cw_gentime_parse(const char *s, size_t len, int64_t *out)
{
	unsigned year, month, day, hour, minute = 0, second = 0;
	unsigned off_h = 0, off_m = 0;
	unsigned frac_unit = 3600;      /* a fraction refines the last field */
	int64_t t, frac = 0, offset = 0;
	size_t pos = 0, frac_start;
	char sign;

	if (out != NULL)
		*out = 0;
	if (s == NULL || out == NULL)
		return -1;

	if (!cw_take_digits(s, len, &pos, 4, &year) ||
	    !cw_take_digits(s, len, &pos, 2, &month) ||
	    !cw_take_digits(s, len, &pos, 2, &day) ||
	    !cw_take_digits(s, len, &pos, 2, &hour))
		return -1;
	if (is_digit_at(s, len, pos)) {
		if (!cw_take_digits(s, len, &pos, 2, &minute))
			return -1;
		frac_unit = 60;
		if (is_digit_at(s, len, pos)) {
			if (!cw_take_digits(s, len, &pos, 2, &second))
				return -1;
			frac_unit = 1;
		}
	}

	if (pos < len && (s[pos] == '.' || s[pos] == ',')) {
		pos++;
		frac_start = pos;
		while (is_digit_at(s, len, pos))
			pos++;
		if (pos == frac_start)
			return -1;      /* RFC 4517: at least one digit */
		frac = fraction_seconds(s, frac_start, pos, frac_unit);
	}

	if (pos >= len)
		return -1;              /* the zone is mandatory */
	sign = s[pos++];
	if (sign == 'Z') {
		offset = 0;
	} else if (sign == '+' || sign == '-') {
		/* RFC 4517 g-differential: hour [ minute ]. */
		if (!cw_take_digits(s, len, &pos, 2, &off_h))
			return -1;
		if (pos < len && !cw_take_digits(s, len, &pos, 2, &off_m))
			return -1;
		if (off_h > 23 || off_m > 59)
			return -1;
		offset = (int64_t)off_h * 3600 + (int64_t)off_m * 60;
		if (sign == '-')
			offset = -offset;
	} else {
		return -1;
	}
	if (pos != len)
		return -1;              /* trailing bytes, including a NUL */

	/* Year 0000..9999 holds by construction of four digits. */
	if (month < 1 || month > 12)
		return -1;
	if (day < 1 || day > cw_days_in_month(year, month))
		return -1;
	if (hour > 23 || minute > 59 || second > 59)
		return -1;

	t = cw_days_from_civil(year, month, day) * SECS_PER_DAY +
	    (int64_t)hour * 3600 + (int64_t)minute * 60 + second + frac;
	/* Local time at +hhmm is ahead of UTC: subtract to get UTC. */
	*out = t - offset;
	return 0;
}

int
cw_gentime_format(int64_t t, char buf[CW_GENTIME_BUFSZ])
{
	static const int64_t min_t = INT64_C(-62167219200);    /* 0000-01-01 */
	static const int64_t max_t = INT64_C(253402300799);    /* 9999-12-31 */
	int64_t days, secs, y;
	unsigned m, d;
	int n;

	if (buf == NULL)
		return -1;
	buf[0] = '\0';
	if (t < min_t || t > max_t)
		return -1;

	days = floor_div(t, SECS_PER_DAY);
	secs = t - days * SECS_PER_DAY;
	cw_civil_from_days(days, &y, &m, &d);
	n = snprintf(buf, CW_GENTIME_BUFSZ, "%04d%02u%02u%02d%02d%02dZ",
	    (int)y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
	    (int)(secs % 60));
	if (n != CW_GENTIME_BUFSZ - 1) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}
