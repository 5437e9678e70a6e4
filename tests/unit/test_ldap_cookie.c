/* SPDX-License-Identifier: MIT */
/*
 * test_ldap_cookie.c - syncprov cookies: which are plausible, and when one
 * covers another (the test of a refill after Redis went back).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ldap_cookie.h"

#define T1 "20261203183326.123456Z#000000#000#000000"
#define T2 "20261203183326.123457Z#000000#000#000000"
#define T3 "20261203190000.000000Z#000002#000#000000"
#define S1_OLD "20261203100000.000000Z#000000#001#000000"
#define S1_NEW "20261203200000.000000Z#000000#001#000000"

static void
plausible(void **state)
{
	(void)state;
	assert_true(cw_cookie_plausible("rid=000,csn=" T1));
	assert_true(cw_cookie_plausible("csn=" T1));
	assert_true(cw_cookie_plausible("rid=001,sid=002,csn=" T1 ";" S1_NEW));
	assert_true(cw_cookie_plausible("rid=000,csn=" T1 ",delcsn=x"));
	assert_false(cw_cookie_plausible(NULL));
	assert_false(cw_cookie_plausible(""));
	assert_false(cw_cookie_plausible("rid=000"));
	assert_false(cw_cookie_plausible("rid=000,csn="));
	/* Cut short, a wrong separator, a letter in the time. */
	assert_false(cw_cookie_plausible("rid=000,csn=20261203183326.12345"));
	assert_false(cw_cookie_plausible("rid=000,csn=" T1 ";"));
	assert_false(cw_cookie_plausible("rid=000,csn=" T1 "x"));
	assert_false(cw_cookie_plausible(
	    "rid=000,csn=2026120318332a.123456Z#000000#000#000000"));
	assert_false(cw_cookie_plausible(
	    "rid=000,csn=20261203183326.123456Z#00000g#000#000000"));
	/* "csn=" inside another field's value is not the CSN list. */
	assert_false(cw_cookie_plausible("rid=000,xcsn=" T1));
}

static void
too_many(void **state)
{
	char buf[64 * 48] = "csn=";
	size_t i;

	(void)state;
	for (i = 0; i < CW_COOKIE_MAX_CSNS; i++) {
		if (i > 0)
			strcat(buf, ";");
		strcat(buf, T1);
	}
	assert_true(cw_cookie_plausible(buf));
	strcat(buf, ";" T1);
	assert_false(cw_cookie_plausible(buf));
}

static void
covers(void **state)
{
	(void)state;
	/* Same or newer: covered; older: not. */
	assert_int_equal(cw_cookie_covers("rid=000,csn=" T1, "csn=" T1), 1);
	assert_int_equal(cw_cookie_covers("rid=000,csn=" T2, "csn=" T1), 1);
	assert_int_equal(cw_cookie_covers("rid=000,csn=" T3, "csn=" T2), 1);
	assert_int_equal(cw_cookie_covers("rid=000,csn=" T1, "csn=" T2), 0);
	/* Several servers: each of known's must be covered. */
	assert_int_equal(cw_cookie_covers("csn=" T3 ";" S1_NEW,
	    "csn=" T1 ";" S1_OLD), 1);
	assert_int_equal(cw_cookie_covers("csn=" S1_NEW ";" T3,
	    "csn=" T1 ";" S1_OLD), 1);
	assert_int_equal(cw_cookie_covers("csn=" T3 ";" S1_OLD,
	    "csn=" T1 ";" S1_NEW), 0);
	/* A server known but missing: not covered; one more: fine. */
	assert_int_equal(cw_cookie_covers("csn=" T3, "csn=" T1 ";" S1_OLD),
	    0);
	assert_int_equal(cw_cookie_covers("csn=" T3 ";" S1_OLD, "csn=" T1),
	    1);
	/* Not cookies. */
	assert_int_equal(cw_cookie_covers(NULL, "csn=" T1), -1);
	assert_int_equal(cw_cookie_covers("csn=" T1, NULL), -1);
	assert_int_equal(cw_cookie_covers("rid=000", "csn=" T1), -1);
	assert_int_equal(cw_cookie_covers("csn=" T1, "junk"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plausible),
		cmocka_unit_test(too_many),
		cmocka_unit_test(covers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
