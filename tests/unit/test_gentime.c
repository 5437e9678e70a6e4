/* SPDX-License-Identifier: MIT */
/*
 * test_gentime.c - GeneralizedTime parsing and the civil calendar.
 *
 * Expected instants were computed independently (Python's calendar.timegm)
 * and are written out as numbers, so a bug shared by parser and test
 * cannot cancel out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gentime.h"

/* A literal with its exact length, so embedded NULs are part of it. */
#define LIT(s) s, sizeof(s) - 1

struct good_case {
	const char *s;
	size_t len;
	int64_t want;
};

static const struct good_case good_cases[] = {
	/* Every form: hour only, minutes, seconds. */
	{ LIT("20261122153000Z"), 1795361400 },
	{ LIT("202611221530Z"), 1795361400 },
	{ LIT("2026112215Z"), 1795359600 },
	{ LIT("19700101000000Z"), 0 },
	{ LIT("19691231235959Z"), -1 },
	/* Fractions with '.' and ',', of the hour, minute and second. */
	{ LIT("20261122153000.5Z"), 1795361400 },
	{ LIT("20261122153000,5Z"), 1795361400 },
	{ LIT("20261122153059.999Z"), 1795361459 },
	{ LIT("20261122153000.0000001Z"), 1795361400 },
	{ LIT("202611221530.5Z"), 1795361430 },
	{ LIT("202611221530,999999999999999999999Z"), 1795361459 },
	{ LIT("2026112215.5Z"), 1795361400 },
	{ LIT("2026112215,25Z"), 1795360500 },
	{ LIT("2026112215.999999999999Z"), 1795363199 },
	{ LIT("2026112215.0Z"), 1795359600 },
	{ LIT("2026112215.530Z"), 1795359600 + 1908 },
	/* Offsets: local time ahead of UTC is subtracted. */
	{ LIT("20261122153000+0100"), 1795357800 },
	{ LIT("20261122153000-0130"), 1795366800 },
	{ LIT("20261122153000+01"), 1795357800 },
	{ LIT("20261122153000-0000"), 1795361400 },
	{ LIT("2026112215+00"), 1795359600 },
	{ LIT("202611221530.5+0000"), 1795361430 },
	{ LIT("20261122153000.9-0000"), 1795361400 },
	/* Offsets crossing a day and a year boundary. */
	{ LIT("20261122003000+0100"), 1795303800 },
	{ LIT("20261231233000-0100"), 1798763400 },
	{ LIT("20261122153000+2359"), 1795361400 - 86340 },
	{ LIT("20261122153000-2359"), 1795361400 + 86340 },
	/* Leap years: 2024 and 2000 (div by 400), 1600. */
	{ LIT("20240229000000Z"), 1709164800 },
	{ LIT("20000229120000Z"), 951825600 },
	{ LIT("16000229000000Z"), -11670998400LL },
	{ LIT("00000229000000Z"), -62167219200LL + 59 * 86400 },
	/* Edges of the day and of the range. */
	{ LIT("20261122235959Z"), 1795391999 },
	{ LIT("00000101000000Z"), -62167219200LL },
	{ LIT("99991231235959Z"), 253402300799LL },
	{ LIT("00000101000000+2359"), -62167219200LL - 86340 },
	{ LIT("99991231235959-2359"), 253402300799LL + 86340 },
	{ LIT("20261231235959Z"), 1798761599 },
	{ LIT("20260101000000Z"), 1767225600 },
};

struct bad_case {
	const char *why;
	const char *s;
	size_t len;
};

static const struct bad_case bad_cases[] = {
	{ "empty", LIT("") },
	{ "one digit", LIT("2") },
	{ "year only", LIT("2026") },
	{ "date only", LIT("20261122Z") },
	{ "no zone", LIT("20261122153000") },
	{ "no zone, hour", LIT("2026112215") },
	{ "odd minute", LIT("202611221Z") },
	{ "three-digit minute", LIT("20261122153Z") },
	{ "odd second", LIT("2026112215300Z") },
	{ "seven-digit time", LIT("202611221530000Z") },
	{ "letters", LIT("abcdefghijklmnZ") },
	{ "letter in year", LIT("2O26112215Z") },
	{ "letter in second", LIT("2026112215300aZ") },
	{ "ISO 8601 punctuation", LIT("2026-11-22T15:30:00Z") },
	{ "lowercase z", LIT("20261122153000z") },
	{ "double Z", LIT("20261122153000ZZ") },
	{ "trailing space", LIT("20261122153000Z ") },
	{ "leading space", LIT(" 20261122153000Z") },
	{ "trailing newline", LIT("20261122153000Z\n") },
	{ "trailing NUL", LIT("20261122153000Z\0") },
	{ "embedded NUL", LIT("2026\0001122153000Z") },
	{ "NUL as zone", LIT("20261122153000\0") },
	{ "sign before year", LIT("-20261122153000Z") },
	{ "plus before year", LIT("+20261122153000Z") },
	{ "month 13", LIT("20261322000000Z") },
	{ "month 00", LIT("20260022000000Z") },
	{ "day 32", LIT("20260132000000Z") },
	{ "day 00", LIT("20260100000000Z") },
	{ "April 31", LIT("20260431000000Z") },
	{ "Feb 29 non-leap", LIT("20230229000000Z") },
	{ "Feb 29 in 1900", LIT("19000229000000Z") },
	{ "Feb 29 in 2100", LIT("21000229000000Z") },
	{ "Feb 30 in 2000", LIT("20000230000000Z") },
	{ "hour 24", LIT("20261122240000Z") },
	{ "minute 60", LIT("20261122156000Z") },
	{ "leap second 60", LIT("20261231235960Z") },
	{ "second 99", LIT("20261122153099Z") },
	{ "empty fraction", LIT("20261122153000.Z") },
	{ "empty fraction, comma", LIT("2026112215,Z") },
	{ "fraction without zone", LIT("20261122153000.5") },
	{ "two fractions", LIT("20261122153000.5.5Z") },
	{ "fraction then comma", LIT("20261122153000.5,5Z") },
	{ "fraction with letter", LIT("20261122153000.5aZ") },
	{ "offset hour 24", LIT("20261122153000+2400") },
	{ "offset minute 60", LIT("20261122153000+0060") },
	{ "offset one digit", LIT("20261122153000+1") },
	{ "offset three digits", LIT("20261122153000+010") },
	{ "offset five digits", LIT("20261122153000+01000") },
	{ "offset with colon", LIT("20261122153000+01:00") },
	{ "offset letters", LIT("20261122153000+0a00") },
	{ "bare plus", LIT("20261122153000+") },
	{ "bare minus", LIT("20261122153000-") },
	{ "Z then offset", LIT("20261122153000Z+0100") },
	{ "offset then Z", LIT("20261122153000+0100Z") },
	{ "non-ASCII digit", LIT("2026112215\xd9\xa2Z") },
	{ "high bytes", LIT("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xffZ") },
};

static void
test_parse_accepts_every_form(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		const struct good_case *c = &good_cases[i];
		int64_t got = 12345;

		if (cw_gentime_parse(c->s, c->len, &got) != 0)
			fail_msg("'%s' refused", c->s);
		if (got != c->want)
			fail_msg("'%s': got %lld, want %lld", c->s,
			    (long long)got, (long long)c->want);
	}
}

static void
test_parse_refuses_malformed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		int64_t got = 12345;

		if (cw_gentime_parse(c->s, c->len, &got) != -1)
			fail_msg("%s: accepted as %lld", c->why, (long long)got);
		/* The out-parameter never carries a half-parsed instant. */
		if (got != 0)
			fail_msg("%s: out left as %lld", c->why, (long long)got);
	}
}

/* The parser reads exactly len bytes, never up to a NUL. */
static void
test_parse_honours_len(void **state)
{
	const char *s = "20261122153000Z trailing";
	int64_t t;

	(void)state;
	assert_int_equal(cw_gentime_parse(s, 15, &t), 0);
	assert_int_equal(t, 1795361400);
	assert_int_equal(cw_gentime_parse(s, 16, &t), -1);
	assert_int_equal(cw_gentime_parse(s, 14, &t), -1);
	assert_int_equal(cw_gentime_parse(s, 0, &t), -1);
}

static void
test_parse_null_arguments(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(cw_gentime_parse(NULL, 15, &t), -1);
	assert_int_equal(cw_gentime_parse("20261122153000Z", 15, NULL), -1);
}

/* A fraction of any length is exact, and only ever truncated. */
static void
test_parse_long_fraction(void **state)
{
	size_t n = 10000, len = 14 + 1 + n + 1;
	char *s = malloc(len);
	int64_t t;

	(void)state;
	assert_non_null(s);
	memcpy(s, "20261122153059.", 15);
	memset(s + 15, '9', n);
	s[len - 1] = 'Z';
	assert_int_equal(cw_gentime_parse(s, len, &t), 0);
	assert_int_equal(t, 1795361459);

	/* 3599.99...: still the same hour fraction, never the next second. */
	memcpy(s, "2026112215.", 11);
	memset(s + 11, '9', len - 12);
	assert_int_equal(cw_gentime_parse(s, len, &t), 0);
	assert_int_equal(t, 1795363199);
	free(s);
}

/* A hostile 10 KB string of digits is refused without reading past it. */
static void
test_parse_huge_input(void **state)
{
	size_t len = 10 * 1024;
	char *s = malloc(len);
	int64_t t;

	(void)state;
	assert_non_null(s);
	memset(s, '1', len);
	assert_int_equal(cw_gentime_parse(s, len, &t), -1);
	s[len - 1] = 'Z';
	assert_int_equal(cw_gentime_parse(s, len, &t), -1);
	free(s);
}

struct format_case {
	int64_t t;
	const char *want;       /* NULL: out of range */
};

static const struct format_case format_cases[] = {
	{ 0, "19700101000000Z" },
	{ -1, "19691231235959Z" },
	{ 1795361400, "20261122153000Z" },
	{ 1709164800, "20240229000000Z" },
	{ 951825600, "20000229120000Z" },
	{ -62167219200LL, "00000101000000Z" },
	{ 253402300799LL, "99991231235959Z" },
	{ -62167219201LL, NULL },
	{ 253402300800LL, NULL },
	{ INT64_MIN, NULL },
	{ INT64_MAX, NULL },
};

static void
test_format(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		const struct format_case *c = &format_cases[i];
		char buf[CW_GENTIME_BUFSZ];
		int rc = cw_gentime_format(c->t, buf);

		if (c->want == NULL) {
			if (rc != -1 || buf[0] != '\0')
				fail_msg("%lld: formatted as '%s'",
				    (long long)c->t, buf);
			continue;
		}
		if (rc != 0 || strcmp(buf, c->want) != 0)
			fail_msg("%lld: got '%s', want '%s'", (long long)c->t,
			    buf, c->want);
	}
}

/* format then parse is the identity over the whole range, in big steps. */
static void
test_format_parse_round_trip(void **state)
{
	int64_t t;

	(void)state;
	for (t = -62167219200LL; t <= 253402300799LL; t += 7777777) {
		char buf[CW_GENTIME_BUFSZ];
		int64_t back;

		assert_int_equal(cw_gentime_format(t, buf), 0);
		if (cw_gentime_parse(buf, strlen(buf), &back) != 0 || back != t)
			fail_msg("%lld -> '%s' -> %lld", (long long)t, buf,
			    (long long)back);
	}
}

struct civil_case {
	int64_t y;
	unsigned m, d;
	int64_t days;
};

static const struct civil_case civil_cases[] = {
	{ 1970, 1, 1, 0 },
	{ 1969, 12, 31, -1 },
	{ 2000, 3, 1, 11017 },
	{ 2000, 2, 29, 11016 },
	{ 0, 1, 1, -719528 },
	{ 9999, 12, 31, 2932896 },
	{ 2026, 11, 22, 20779 },
};

static void
test_days_from_civil_known(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(civil_cases) / sizeof(civil_cases[0]); i++) {
		const struct civil_case *c = &civil_cases[i];
		int64_t y;
		unsigned m, d;

		if (cw_days_from_civil(c->y, c->m, c->d) != c->days)
			fail_msg("%lld-%u-%u: got %lld", (long long)c->y, c->m,
			    c->d, (long long)cw_days_from_civil(c->y, c->m, c->d));
		cw_civil_from_days(c->days, &y, &m, &d);
		if (y != c->y || m != c->m || d != c->d)
			fail_msg("%lld: got %lld-%u-%u", (long long)c->days,
			    (long long)y, m, d);
	}
}

static int
naive_days_in_month(int64_t y, unsigned m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return (m == 2 && leap) ? 29 : days[m - 1];
}

/*
 * Walks every day from 0000-01-01 to 9999-12-31 by counting, as a person
 * would, and checks both directions of the arithmetic on each one.
 */
static void
test_civil_walk_every_day(void **state)
{
	int64_t y, days = -719528, gy;
	unsigned m, d, gm, gd;

	(void)state;
	for (y = 0; y <= 9999; y++) {
		for (m = 1; m <= 12; m++) {
			for (d = 1; d <= (unsigned)naive_days_in_month(y, m); d++) {
				if (cw_days_from_civil(y, m, d) != days)
					fail_msg("%lld-%u-%u", (long long)y, m, d);
				cw_civil_from_days(days, &gy, &gm, &gd);
				if (gy != y || gm != m || gd != d)
					fail_msg("day %lld", (long long)days);
				days++;
			}
		}
	}
	assert_int_equal(days, 2932897);
}

/* Outside the documented domain: clamped, and no overflow under UBSan. */
static void
test_civil_extremes_do_not_overflow(void **state)
{
	int64_t y;
	unsigned m, d;

	(void)state;
	(void)cw_days_from_civil(INT64_MAX, 12, 31);
	(void)cw_days_from_civil(INT64_MIN, 1, 1);
	(void)cw_days_from_civil(2026, 0, 0);
	(void)cw_days_from_civil(2026, 99, 99);
	cw_civil_from_days(INT64_MAX, &y, &m, &d);
	assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
	cw_civil_from_days(INT64_MIN, &y, &m, &d);
	assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
	cw_civil_from_days(0, NULL, NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepts_every_form),
		cmocka_unit_test(test_parse_refuses_malformed),
		cmocka_unit_test(test_parse_honours_len),
		cmocka_unit_test(test_parse_null_arguments),
		cmocka_unit_test(test_parse_long_fraction),
		cmocka_unit_test(test_parse_huge_input),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_parse_round_trip),
		cmocka_unit_test(test_days_from_civil_known),
		cmocka_unit_test(test_civil_walk_every_day),
		cmocka_unit_test(test_civil_extremes_do_not_overflow),
	};

	return cmocka_run_group_tests_name("gentime", tests, NULL, NULL);
}
