/* SPDX-License-Identifier: MIT */
/*
 * test_isotime.c - the ISO 8601 TIME arguments of the CLI: every accepted
 * form, every refusal with its reason, and the formatters.
 *
 * Expected instants were computed independently (Python's datetime with
 * zoneinfo's Europe/London) and are written out as numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "isotime.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))
/* A literal with its exact length, so embedded NULs are part of it. */
#define LIT(s) s, sizeof(s) - 1

struct good_case {
	const char *s;
	size_t len;
	int64_t want;
};

static const struct good_case good_cases[] = {
	/* UTC, with and without seconds. */
	{ LIT("2026-11-23T09:00:00Z"), 1795424400 },
	{ LIT("2026-11-23T09:00Z"), 1795424400 },
	{ LIT("1970-01-01T00:00:00Z"), 0 },
	{ LIT("1969-12-31T23:59:59Z"), -1 },
	{ LIT("0000-01-01T00:00:00Z"), INT64_C(-62167219200) },
	{ LIT("9999-12-31T23:59:59Z"), INT64_C(253402300799) },
	{ LIT("2024-02-29T12:00:00Z"), 1709208000 },
	/* Offsets: local time ahead of UTC is subtracted. */
	{ LIT("2026-07-14T16:00:00+01:00"), 1784041200 },
	{ LIT("2026-07-14T15:00:00+00:00"), 1784041200 },
	{ LIT("2026-07-14T10:30:00-04:30"), 1784041200 },
	{ LIT("2026-07-14T16:00:00-00:00"), 1784044800 },
	{ LIT("2026-11-23T00:30:00+01:00"), 1795390200 },
	{ LIT("2026-12-24T16:00:00+23:59"), 1798041660 },
	{ LIT("2026-10-25T01:30:00+01:00"), 1792888200 },
	{ LIT("2026-10-25T01:30:00Z"), 1792891800 },
	{ LIT("2026-03-29T01:30:00Z"), 1774747800 },
	/* Europe/London local time: GMT in winter, BST in summer. */
	{ LIT("2026-11-23T09:00:00"), 1795424400 },
	{ LIT("2026-11-23T09:00"), 1795424400 },
	{ LIT("2026-07-14T16:00:00"), 1784041200 },
	{ LIT("1996-01-01T00:00:00"), 820454400 },
	{ LIT("9999-12-31T23:59:59"), INT64_C(253402300799) },
	/* Either side of the clock changes. */
	{ LIT("2026-03-29T00:59:59"), 1774745999 },
	{ LIT("2026-03-29T02:00:00"), 1774746000 },
	{ LIT("2026-10-25T00:59:59"), 1792886399 },
	{ LIT("2026-10-25T02:00:00"), 1792893600 },
};

static void
test_parse_accepts_every_form(void **state)
{
	int64_t t;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < NELEMS(good_cases); i++) {
		const struct good_case *c = &good_cases[i];

		rc = cw_iso8601_parse(c->s, c->len, &t);
		if (rc != CW_ISO8601_OK || t != c->want)
			fail_msg("%s: rc %d, got %lld, want %lld", c->s, rc,
			    (long long)t, (long long)c->want);
	}
}

struct bad_case {
	const char *s;
	size_t len;
	int want;
};

#define MAL CW_ISO8601_MALFORMED
#define FIELD CW_ISO8601_BAD_FIELD

static const struct bad_case bad_cases[] = {
	/* Not the accepted shape. */
	{ LIT(""), MAL },
	{ LIT("2026-11-23"), MAL },
	{ LIT("2026-11-23T09"), MAL },
	{ LIT("2026-11-23T09:"), MAL },
	{ LIT("2026-11-23T09:00:"), MAL },
	{ LIT("2026-11-23T09:00:Z"), MAL },
	{ LIT("2026-11-23 09:00:00Z"), MAL },
	{ LIT("2026-11-23t09:00:00Z"), MAL },
	{ LIT("2026-11-23T09:00:00z"), MAL },
	{ LIT("20261123T090000Z"), MAL },
	{ LIT("20261123090000Z"), MAL },
	{ LIT("2026-11-23T09:00:00.5Z"), MAL },
	{ LIT("2026-11-23T09:00:00,5Z"), MAL },
	{ LIT("2026-11-23T09:00:00+0100"), MAL },
	{ LIT("2026-11-23T09:00:00+01"), MAL },
	{ LIT("2026-11-23T09:00:00+1:00"), MAL },
	{ LIT("2026-11-23T9:00:00Z"), MAL },
	{ LIT("2026-1-23T09:00:00Z"), MAL },
	{ LIT("026-11-23T09:00:00Z"), MAL },
	{ LIT("+2026-11-23T09:00:00Z"), MAL },
	{ LIT("-2026-11-23T09:00:00Z"), MAL },
	{ LIT("12026-11-23T09:00:00Z"), MAL },
	{ LIT(" 2026-11-23T09:00:00Z"), MAL },
	{ LIT("2026-11-23T09:00:00Z "), MAL },
	{ LIT("2026-11-23T09:00:00ZZ"), MAL },
	{ LIT("2026-11-23T09:00:00+01:00Z"), MAL },
	{ LIT("2026-11-23T09:00:00GMT"), MAL },
	{ LIT("2026-11-23T09:00:00 UTC"), MAL },
	{ LIT("2026-11-23T09:00:00Z\0"), MAL },
	{ LIT("2026-11-23T09:00:00\0"), MAL },
	{ LIT("2026-11-23T09:00:00\n"), MAL },
	{ LIT("\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x96-11-23T09:00Z"),
	    MAL },
	{ LIT("now"), MAL },
	/* The right shape, but no such date or time. */
	{ LIT("2026-02-29T00:00:00Z"), FIELD },
	{ LIT("2026-02-30T09:00:00"), FIELD },
	{ LIT("2100-02-29T00:00:00Z"), FIELD },
	{ LIT("2026-13-01T00:00:00Z"), FIELD },
	{ LIT("2026-00-01T00:00:00Z"), FIELD },
	{ LIT("2026-01-00T00:00:00Z"), FIELD },
	{ LIT("2026-01-32T00:00:00Z"), FIELD },
	{ LIT("2026-04-31T00:00:00Z"), FIELD },
	{ LIT("2026-11-23T24:00:00Z"), FIELD },
	{ LIT("2026-11-23T23:60:00Z"), FIELD },
	{ LIT("2026-11-23T23:59:60Z"), FIELD },
	{ LIT("2026-11-23T09:00:00+24:00"), FIELD },
	{ LIT("2026-11-23T09:00:00-01:60"), FIELD },
	/* Local time outside the calendar's years. */
	{ LIT("1995-12-31T23:59:59"), CW_ISO8601_OUT_OF_RANGE },
	{ LIT("0000-01-01T00:00:00"), CW_ISO8601_OUT_OF_RANGE },
	/* Local times a clock change skips or repeats. */
	{ LIT("2026-03-29T01:00:00"), CW_ISO8601_LOCAL_SKIPPED },
	{ LIT("2026-03-29T01:30"), CW_ISO8601_LOCAL_SKIPPED },
	{ LIT("2026-03-29T01:59:59"), CW_ISO8601_LOCAL_SKIPPED },
	{ LIT("2026-10-25T01:00:00"), CW_ISO8601_LOCAL_REPEATED },
	{ LIT("2026-10-25T01:59:59"), CW_ISO8601_LOCAL_REPEATED },
	{ LIT("2027-10-31T01:15:00"), CW_ISO8601_LOCAL_REPEATED },
};

static void
test_parse_refuses_with_reason(void **state)
{
	int64_t t;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < NELEMS(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];

		t = 42;
		rc = cw_iso8601_parse(c->s, c->len, &t);
		if (rc != c->want)
			fail_msg("case %zu \"%s\": rc %d, want %d", i, c->s, rc,
			    c->want);
		assert_int_equal(t, 0);
		assert_true(strlen(cw_iso8601_strerror(rc)) > 10);
	}
}

static void
test_parse_honours_len(void **state)
{
	static const char s[] = "2026-11-23T09:00:00Zjunk";
	int64_t t;

	(void)state;
	assert_int_equal(cw_iso8601_parse(s, 20, &t), CW_ISO8601_OK);
	assert_int_equal(t, 1795424400);
	/* Cut after the minutes: a local time then. */
	assert_int_equal(cw_iso8601_parse(s, 16, &t), CW_ISO8601_OK);
	assert_int_equal(t, 1795424400);
	assert_int_equal(cw_iso8601_parse(s, 15, &t), CW_ISO8601_MALFORMED);
	assert_int_equal(cw_iso8601_parse(s, 0, &t), CW_ISO8601_MALFORMED);
	assert_int_equal(cw_iso8601_parse(NULL, 5, &t), CW_ISO8601_MALFORMED);
	assert_int_equal(cw_iso8601_parse(s, 20, NULL), CW_ISO8601_MALFORMED);
}

static void
test_strerror_names_every_status(void **state)
{
	(void)state;
	assert_non_null(strstr(cw_iso8601_strerror(CW_ISO8601_LOCAL_SKIPPED),
	    "does not exist"));
	assert_non_null(strstr(cw_iso8601_strerror(CW_ISO8601_LOCAL_REPEATED),
	    "twice"));
	assert_non_null(strstr(cw_iso8601_strerror(CW_ISO8601_OUT_OF_RANGE),
	    "1996..9999"));
	assert_non_null(strstr(cw_iso8601_strerror(CW_ISO8601_BAD_FIELD),
	    "out of range"));
	assert_non_null(strstr(cw_iso8601_strerror(CW_ISO8601_MALFORMED),
	    "ISO 8601"));
	assert_non_null(strstr(cw_iso8601_strerror(-99), "ISO 8601"));
	assert_non_null(strstr(CW_ISO8601_FORMS, "YYYY-MM-DDTHH:MM"));
}

struct format_case {
	int64_t t;
	const char *utc;
	const char *local;      /* NULL: outside the London range */
};

static const struct format_case format_cases[] = {
	{ 1795424400, "2026-11-23T09:00:00Z", "2026-11-23T09:00:00+00:00" },
	{ 1784041200, "2026-07-14T15:00:00Z", "2026-07-14T16:00:00+01:00" },
	{ 1774745999, "2026-03-29T00:59:59Z", "2026-03-29T00:59:59+00:00" },
	{ 1774746000, "2026-03-29T01:00:00Z", "2026-03-29T02:00:00+01:00" },
	{ 1792889999, "2026-10-25T00:59:59Z", "2026-10-25T01:59:59+01:00" },
	{ 1792890000, "2026-10-25T01:00:00Z", "2026-10-25T01:00:00+00:00" },
	{ 820454400, "1996-01-01T00:00:00Z", "1996-01-01T00:00:00+00:00" },
	{ INT64_C(253402300799), "9999-12-31T23:59:59Z",
	    "9999-12-31T23:59:59+00:00" },
	{ 0, "1970-01-01T00:00:00Z", NULL },
	{ -1, "1969-12-31T23:59:59Z", NULL },
	{ INT64_C(-62167219200), "0000-01-01T00:00:00Z", NULL },
};

static void
test_format(void **state)
{
	char buf[CW_ISO8601_BUFSZ];
	size_t i;

	(void)state;
	for (i = 0; i < NELEMS(format_cases); i++) {
		const struct format_case *c = &format_cases[i];

		assert_int_equal(cw_iso8601_format_utc(c->t, buf), 0);
		assert_string_equal(buf, c->utc);
		if (c->local == NULL) {
			assert_int_equal(cw_iso8601_format_local(c->t, buf), -1);
			assert_string_equal(buf, "");
		} else {
			assert_int_equal(cw_iso8601_format_local(c->t, buf), 0);
			assert_string_equal(buf, c->local);
		}
	}
	assert_int_equal(cw_iso8601_format_utc(INT64_C(253402300800), buf), -1);
	assert_string_equal(buf, "");
	assert_int_equal(cw_iso8601_format_utc(INT64_C(-62167219201), buf), -1);
	assert_int_equal(cw_iso8601_format_utc(INT64_MAX, buf), -1);
	assert_int_equal(cw_iso8601_format_utc(INT64_MIN, buf), -1);
	assert_int_equal(cw_iso8601_format_local(INT64_MAX, buf), -1);
	assert_int_equal(cw_iso8601_format_utc(0, NULL), -1);
	assert_int_equal(cw_iso8601_format_local(0, NULL), -1);
}

/* Both formats parse back to the instant they were made from. */
static void
test_format_parse_round_trip(void **state)
{
	char buf[CW_ISO8601_BUFSZ];
	int64_t t, back;

	(void)state;
	for (t = INT64_C(-62167219200); t <= INT64_C(253402300799);
	    t += INT64_C(7777777)) {
		assert_int_equal(cw_iso8601_format_utc(t, buf), 0);
		assert_int_equal(cw_iso8601_parse(buf, strlen(buf), &back), 0);
		assert_int_equal(back, t);
		if (cw_iso8601_format_local(t, buf) != 0)
			continue;
		assert_int_equal(cw_iso8601_parse(buf, strlen(buf), &back), 0);
		assert_int_equal(back, t);
	}
	/* Every quarter hour around both 2026 changes. */
	for (t = 1774738800; t < 1774760400; t += 900) {
		assert_int_equal(cw_iso8601_format_local(t, buf), 0);
		assert_int_equal(cw_iso8601_parse(buf, strlen(buf), &back), 0);
		assert_int_equal(back, t);
	}
	for (t = 1792879200; t < 1792904400; t += 900) {
		assert_int_equal(cw_iso8601_format_local(t, buf), 0);
		assert_int_equal(cw_iso8601_parse(buf, strlen(buf), &back), 0);
		assert_int_equal(back, t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepts_every_form),
		cmocka_unit_test(test_parse_refuses_with_reason),
		cmocka_unit_test(test_parse_honours_len),
		cmocka_unit_test(test_strerror_names_every_status),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_parse_round_trip),
	};

	return cmocka_run_group_tests_name("isotime", tests, NULL, NULL);
}
