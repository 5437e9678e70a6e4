/* SPDX-License-Identifier: MIT */
/*
 * test_audit_dedup.c - the writer's duplicate marks with gaps
 * (daemon/audit/audit_dedup.c) and the stream ids the host compares with
 * the writer's sealed mark (daemon/audit/audit_retain.c): a copy is
 * dropped, an event that comes late into a gap (sent again after Redis
 * went back) is sealed once, and the gaps are bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "audit/audit_dedup.h"
#include "audit/audit_retain.h"

#define RUN "0123456789abcdef"

static bool
see(struct cw_audit_dedup *dd, uint64_t counter, uint64_t *missing)
{
	return cw_audit_dedup_see(dd, "web1", RUN, counter, missing);
}

static void
test_in_order_and_copies(void **state)
{
	struct cw_audit_dedup *dd = cw_audit_dedup_new();
	uint64_t missing, i;

	(void)state;
	assert_non_null(dd);
	for (i = 1; i <= 10; i++) {
		assert_true(see(dd, i, &missing));
		assert_int_equal(missing, 0);
	}
	for (i = 1; i <= 10; i++)
		assert_false(see(dd, i, &missing));
	/* Another run of the same host starts from its own first event. */
	assert_true(cw_audit_dedup_see(dd, "web1", "fedcba9876543210", 1,
	    &missing));
	assert_int_equal(missing, 0);
	cw_audit_dedup_free(dd);
}

/* Redis went back: 6..9 lost, 10.. arrived first, then 1..12 again. */
static void
test_gap_filled_late(void **state)
{
	struct cw_audit_dedup *dd = cw_audit_dedup_new();
	uint64_t missing, i, sealed = 0;

	(void)state;
	for (i = 1; i <= 5; i++)
		assert_true(see(dd, i, &missing));
	assert_true(see(dd, 10, &missing));
	assert_int_equal(missing, 4);
	assert_true(see(dd, 11, &missing));
	for (i = 1; i <= 12; i++)
		sealed += see(dd, i, &missing);
	assert_int_equal(sealed, 4 + 1);        /* 6..9, and 12 */
	for (i = 1; i <= 12; i++)
		assert_false(see(dd, i, &missing));
	cw_audit_dedup_free(dd);
}

/* A gap filled from its middle splits in two. */
static void
test_gap_split(void **state)
{
	struct cw_audit_dedup *dd = cw_audit_dedup_new();
	uint64_t missing;

	(void)state;
	assert_true(see(dd, 1, &missing));
	assert_true(see(dd, 20, &missing));
	assert_true(see(dd, 10, &missing));
	assert_false(see(dd, 10, &missing));
	assert_true(see(dd, 9, &missing));
	assert_true(see(dd, 11, &missing));
	assert_true(see(dd, 2, &missing));
	assert_true(see(dd, 19, &missing));
	assert_false(see(dd, 1, &missing));
	assert_false(see(dd, 20, &missing));
	cw_audit_dedup_free(dd);
}

/* At most 16 gaps: the oldest gives way, its events then look copies. */
static void
test_gaps_bounded(void **state)
{
	struct cw_audit_dedup *dd = cw_audit_dedup_new();
	uint64_t missing, i;

	(void)state;
	assert_true(see(dd, 1, &missing));
	for (i = 1; i <= 17; i++)
		assert_true(see(dd, 1 + 2 * i, &missing));  /* gaps 2, 4 .. 34 */
	assert_false(see(dd, 2, &missing));             /* forgotten */
	for (i = 2; i <= 17; i++)
		assert_true(see(dd, 2 * i, &missing));
	cw_audit_dedup_free(dd);
}

static void
test_stream_ids(void **state)
{
	struct cw_stream_id a, b;
	char text[CW_STREAM_ID_TEXT];

	(void)state;
	assert_int_equal(cw_stream_id_parse("1700000000000-5", 15, &a), 0);
	assert_int_equal(cw_stream_id_parse("1700000000000-12", 16, &b), 0);
	assert_true(cw_stream_id_cmp(&a, &b) < 0);
	assert_true(cw_stream_id_cmp(&b, &a) > 0);
	assert_int_equal(cw_stream_id_cmp(&a, &a), 0);
	assert_int_equal(cw_stream_id_parse("1699999999999-99", 16, &b), 0);
	assert_true(cw_stream_id_cmp(&a, &b) > 0);
	cw_stream_id_format(text, &a);
	assert_string_equal(text, "1700000000000-5");
	assert_int_equal(cw_stream_id_parse("12", 2, &a), -1);
	assert_int_equal(cw_stream_id_parse("12-", 3, &a), -1);
	assert_int_equal(cw_stream_id_parse("-1", 2, &a), -1);
	assert_int_equal(cw_stream_id_parse("1-2x", 4, &a), -1);
	assert_int_equal(cw_stream_id_parse("99999999999999999999-0", 22,
	    &a), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_and_copies),
		cmocka_unit_test(test_gap_filled_late),
		cmocka_unit_test(test_gap_split),
		cmocka_unit_test(test_gaps_bounded),
		cmocka_unit_test(test_stream_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
