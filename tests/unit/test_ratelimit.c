/* SPDX-License-Identifier: MIT */
/*
 * test_ratelimit.c - the per-uid token buckets of daemon/serve/ratelimit.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "serve/ratelimit.h"

/* A burst is allowed, then the rate, and nothing more. */
static void
test_burst_then_rate(void **state)
{
	struct cw_ratelimit rl;
	int i, ok = 0;

	(void)state;
	cw_ratelimit_init(&rl, 20, 40);
	for (i = 0; i < 100; i++)
		ok += cw_ratelimit_take(&rl, 1000, 5000);
	assert_int_equal(ok, 40);
	/* One second later: 20 more, not 40. */
	for (i = 0, ok = 0; i < 100; i++)
		ok += cw_ratelimit_take(&rl, 1000, 6000);
	assert_int_equal(ok, 20);
	/* A long rest refills only up to the burst. */
	for (i = 0, ok = 0; i < 100; i++)
		ok += cw_ratelimit_take(&rl, 1000, 600000);
	assert_int_equal(ok, 40);
}

/* One uid's flood leaves another's bucket alone. */
static void
test_uids_apart(void **state)
{
	struct cw_ratelimit rl;
	int i;

	(void)state;
	cw_ratelimit_init(&rl, 1, 2);
	for (i = 0; i < 10; i++)
		cw_ratelimit_take(&rl, 1001, 0);
	assert_false(cw_ratelimit_take(&rl, 1001, 0));
	assert_true(cw_ratelimit_take(&rl, 1002, 0));
	assert_true(cw_ratelimit_take(&rl, 1002, 0));
	assert_false(cw_ratelimit_take(&rl, 1002, 0));
}

/*
 * More uids than slots: the table stays bounded, and the uid seen last is
 * the one kept (those seen longest ago make room).
 */
static void
test_table_full(void **state)
{
	struct cw_ratelimit rl;
	uid_t u;

	(void)state;
	cw_ratelimit_init(&rl, 1, 1);
	for (u = 0; u < 3 * CW_RATELIMIT_SLOTS; u++)
		assert_true(cw_ratelimit_take(&rl, 5000 + u, (long long)u));
	/* The most recent uid is still known, and still empty. */
	assert_false(cw_ratelimit_take(&rl, 5000 + u - 1, (long long)u));
}

/* A clock that goes backwards refills nothing and breaks nothing. */
static void
test_clock_backwards(void **state)
{
	struct cw_ratelimit rl;

	(void)state;
	cw_ratelimit_init(&rl, 10, 1);
	assert_true(cw_ratelimit_take(&rl, 7, 10000));
	assert_false(cw_ratelimit_take(&rl, 7, 5000));
	assert_false(cw_ratelimit_take(&rl, 7, 10000));
	assert_true(cw_ratelimit_take(&rl, 7, 10100));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_uids_apart),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_clock_backwards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
