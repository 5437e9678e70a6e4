/* SPDX-License-Identifier: MIT */
/*
 * test_duration.c - DURATION (contract section 4): every accepted form,
 * every refusal with its reason, the limits, and the formatter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "duration.h"
#include "wire.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))
/* A literal with its exact length, so embedded NULs are part of it. */
#define LIT(s) s, sizeof(s) - 1

struct good_case {
	const char *s;
	size_t len;
	int64_t want;
};

static const struct good_case good_cases[] = {
	/* The contract's examples. */
	{ LIT("30m"), 1800 },
	{ LIT("2h"), 7200 },
	{ LIT("1h30m"), 5400 },
	/* Every unit alone. */
	{ LIT("45s"), 45 },
	{ LIT("1s"), 1 },
	{ LIT("1m"), 60 },
	{ LIT("1h"), 3600 },
	{ LIT("1d"), 86400 },
	/* Combinations, largest first, gaps allowed. */
	{ LIT("1d12h"), 129600 },
	{ LIT("1d30s"), 86430 },
	{ LIT("1h0m"), 3600 },
	{ LIT("2h0m30s"), 7230 },
	{ LIT("1d2h3m4s"), 93784 },
	{ LIT("0d1s"), 1 },
	/* Numbers past the next unit are fine: 90m is 1h30m. */
	{ LIT("90m"), 5400 },
	{ LIT("36h"), 129600 },
	{ LIT("3600s"), 3600 },
	/* The upper limit, in several spellings. */
	{ LIT("366d"), CW_DURATION_MAX },
	{ LIT("8784h"), CW_DURATION_MAX },
	{ LIT("31622400s"), CW_DURATION_MAX },
	{ LIT("365d23h59m59s"), CW_DURATION_MAX - 1 },
	/* Only len bytes count: what follows is not read. */
	{ "4hXYZ", 2, 14400 },
};

static void
test_parse_accepts(void **state)
{
	int64_t got;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < NELEMS(good_cases); i++) {
		const struct good_case *c = &good_cases[i];

		got = -1;
		rc = cw_duration_parse(c->s, c->len, &got);
		if (rc != CW_DURATION_OK || got != c->want)
			fail_msg("'%.*s': rc %d (%s), got %lld, want %lld",
			    (int)c->len, c->s, rc, cw_duration_strerror(rc),
			    (long long)got, (long long)c->want);
	}
}

struct bad_case {
	const char *s;
	size_t len;
	int want;
};

static const struct bad_case bad_cases[] = {
	/* Empty and garbage. */
	{ LIT(""), CW_DURATION_MALFORMED },
	{ LIT("h"), CW_DURATION_MALFORMED },
	{ LIT("30"), CW_DURATION_MALFORMED },
	{ LIT("1h30"), CW_DURATION_MALFORMED },
	{ LIT("forever"), CW_DURATION_MALFORMED },
	{ LIT("1w"), CW_DURATION_MALFORMED },
	{ LIT("90min"), CW_DURATION_MALFORMED },
	{ LIT("2H"), CW_DURATION_MALFORMED },
	{ LIT("1.5h"), CW_DURATION_MALFORMED },
	{ LIT("1,5h"), CW_DURATION_MALFORMED },
	/* Signs and spaces. */
	{ LIT("-1h"), CW_DURATION_MALFORMED },
	{ LIT("+1h"), CW_DURATION_MALFORMED },
	{ LIT("1h-30m"), CW_DURATION_MALFORMED },
	{ LIT(" 1h"), CW_DURATION_MALFORMED },
	{ LIT("1h "), CW_DURATION_MALFORMED },
	{ LIT("1h 30m"), CW_DURATION_MALFORMED },
	{ LIT("1 h"), CW_DURATION_MALFORMED },
	/* An embedded NUL is a byte like any other. */
	{ LIT("1h\0" "30m"), CW_DURATION_MALFORMED },
	{ LIT("\0" "1h"), CW_DURATION_MALFORMED },
	/* Leading zeros: one spelling per value. */
	{ LIT("01h"), CW_DURATION_LEADING_ZERO },
	{ LIT("00m"), CW_DURATION_LEADING_ZERO },
	{ LIT("1h05m"), CW_DURATION_LEADING_ZERO },
	/* Order and repeats. */
	{ LIT("30m1h"), CW_DURATION_UNIT_ORDER },
	{ LIT("1s1d"), CW_DURATION_UNIT_ORDER },
	{ LIT("1h1d"), CW_DURATION_UNIT_ORDER },
	{ LIT("1h1h"), CW_DURATION_UNIT_REPEATED },
	{ LIT("30m30m"), CW_DURATION_UNIT_REPEATED },
	{ LIT("1h30m1h"), CW_DURATION_UNIT_REPEATED },
	/* Zero. */
	{ LIT("0s"), CW_DURATION_ZERO },
	{ LIT("0h0m"), CW_DURATION_ZERO },
	{ LIT("0d0h0m0s"), CW_DURATION_ZERO },
	/* Too long, including numbers that would overflow int64_t. */
	{ LIT("367d"), CW_DURATION_TOO_LONG },
	{ LIT("366d1s"), CW_DURATION_TOO_LONG },
	{ LIT("8785h"), CW_DURATION_TOO_LONG },
	{ LIT("99999999999h"), CW_DURATION_TOO_LONG },
	{ LIT("9223372036854775807s"), CW_DURATION_TOO_LONG },
	{ LIT("9223372036854775808s"), CW_DURATION_TOO_LONG },
	{ LIT("99999999999999999999999999999999999999d"),
	  CW_DURATION_TOO_LONG },
	{ LIT("200d200d"), CW_DURATION_UNIT_REPEATED },
	{ LIT("300d2000h"), CW_DURATION_TOO_LONG },
	/* The shape is judged before the size. */
	{ LIT("99999999999x"), CW_DURATION_MALFORMED },
};

static void
test_parse_refuses(void **state)
{
	int64_t got;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < NELEMS(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];

		got = 12345;
		rc = cw_duration_parse(c->s, c->len, &got);
		if (rc != c->want || got != 0)
			fail_msg("#%zu '%.*s': rc %d (%s), want %d; got %lld",
			    i, (int)c->len, c->s, rc, cw_duration_strerror(rc),
			    c->want, (long long)got);
	}
}

static void
test_parse_null(void **state)
{
	int64_t got = 7;

	(void)state;
	assert_int_equal(cw_duration_parse(NULL, 0, &got),
	    CW_DURATION_MALFORMED);
	assert_int_equal(got, 0);
}

static void
test_strerror_names_every_status(void **state)
{
	int s;

	(void)state;
	for (s = CW_DURATION_OK; s >= CW_DURATION_TOO_LONG; s--)
		assert_string_not_equal(cw_duration_strerror(s),
		    "unknown duration error");
	assert_string_equal(cw_duration_strerror(1), "unknown duration error");
	assert_non_null(strstr(cw_duration_strerror(CW_DURATION_TOO_LONG),
	    "366d"));
}

struct format_case {
	int64_t s;
	const char *want;
};

static const struct format_case format_cases[] = {
	{ 0, "0s" },
	{ 1, "1s" },
	{ 59, "59s" },
	{ 60, "1m" },
	{ 1800, "30m" },
	{ 3600, "1h" },
	{ 5340, "1h29m" },
	{ 5400, "1h30m" },
	{ 7230, "2h30s" },
	{ 14400, "4h" },
	{ 86400, "1d" },
	{ 93784, "1d2h3m4s" },
	{ CW_DURATION_MAX, "366d" },
	{ INT64_MAX, "106751991167300d15h30m7s" },
};

static void
test_format(void **state)
{
	char buf[CW_DURATION_BUFSZ];
	size_t i;

	(void)state;
	for (i = 0; i < NELEMS(format_cases); i++) {
		const struct format_case *c = &format_cases[i];

		assert_int_equal(cw_duration_format(c->s, buf, sizeof(buf)), 0);
		assert_string_equal(buf, c->want);
	}
}

static void
test_format_refuses(void **state)
{
	char buf[CW_DURATION_BUFSZ], small[5];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(cw_duration_format(-1, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	/* "1h30m" needs 6 bytes. */
	assert_int_equal(cw_duration_format(5400, small, sizeof(small)), -1);
	assert_string_equal(small, "");
	assert_int_equal(cw_duration_format(5400, small, 0), -1);
	assert_int_equal(cw_duration_format(3600, small, 3), 0);
	assert_string_equal(small, "1h");
}

/* Whatever the formatter writes in range, the parser reads back. */
static void
test_round_trip(void **state)
{
	static const int64_t samples[] = {
		1, 59, 60, 61, 3599, 3600, 3601, 5400, 86399, 86400, 86401,
		90061, 1000000, CW_DURATION_MAX - 1, CW_DURATION_MAX,
	};
	char buf[CW_DURATION_BUFSZ];
	int64_t back, s;
	size_t i;

	(void)state;
	for (i = 0; i < NELEMS(samples); i++) {
		s = samples[i];
		assert_int_equal(cw_duration_format(s, buf, sizeof(buf)), 0);
		assert_int_equal(cw_duration_parse(buf, strlen(buf), &back),
		    CW_DURATION_OK);
		assert_int_equal(back, s);
	}
	for (s = 1; s <= 2 * 86400; s += 37) {
		assert_int_equal(cw_duration_format(s, buf, sizeof(buf)), 0);
		assert_int_equal(cw_duration_parse(buf, strlen(buf), &back),
		    CW_DURATION_OK);
		assert_int_equal(back, s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepts),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_parse_null),
		cmocka_unit_test(test_strerror_names_every_status),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
