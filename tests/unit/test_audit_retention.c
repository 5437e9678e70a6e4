/* SPDX-License-Identifier: MIT */
/*
 * test_audit_retention.c - retention (trail/audit_retention.c): the minimum,
 * the plan, the sweep, and a trail that still verifies after a sweep that
 * stopped part-way but not after a removal no record allows.
 * Fixture: trail_fixture.c.  Most tests need root (key files).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "trail_fixture.h"

static void
test_retention(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	struct cw_audit_removal plan, done;
	struct cw_audit_store *st;
	char err[256], *path, **saved;
	size_t nsaved;
	int d;

	if (geteuid() != 0)
		skip();
	st = open_store(fx, "k1", noon(fx, 0));
	for (d = 0; d < 3; d++)
		append_events(st, 2, noon(fx, d));
	append_events(st, 2, noon(fx, 100));
	cw_audit_store_close(st);

	/* Below six months is refused, by the plan and by the sweep. */
	assert_int_equal(cw_audit_retention_plan(fx->dir, 30, noon(fx, 200),
	    &plan, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "183"));
	st = open_store(fx, "k1", noon(fx, 200));
	assert_int_equal(cw_audit_retention_sweep(st, 30, "root",
	    noon(fx, 200), &done, err, sizeof(err)), -1);
	assert_int_equal(done.removed_files, 0);
	assert_intact(fx, NULL, &rep);
	assert_int_equal(rep.files, 5);

	/* Day 16 is the last whose whole day is 183 days before day 200. */
	assert_int_equal(cw_audit_retention_plan(fx->dir, 183, noon(fx, 200),
	    &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.removed_files, 3);
	assert_string_equal(plan.keep_from_file, day_name(fx, 100));
	assert_int_equal(cw_audit_retention_plan(fx->dir, 184, noon(fx, 200),
	    &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.removed_files, 3);
	assert_int_equal(cw_audit_retention_plan(fx->dir, 198, noon(fx, 200),
	    &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.removed_files, 2);

	path = day_path(fx, 2);
	saved = read_lines(path, &nsaved);
	assert_int_equal(cw_audit_retention_sweep(st, 183, "root",
	    noon(fx, 200), &done, err, sizeof(err)), 0);
	cw_audit_store_close(st);
	assert_int_equal(done.removed_files, 3);
	assert_string_equal(done.first_removed, day_name(fx, 0));
	assert_string_equal(done.last_removed, day_name(fx, 2));
	assert_int_equal(access(path, F_OK), -1);
	assert_intact(fx, NULL, &rep);
	assert_int_equal(rep.files, 2);
	assert_int_equal(rep.retention_removals, 1);

	/* A sweep that stopped part-way (crash) still verifies. */
	write_lines(path, saved, nsaved);
	assert_intact(fx, NULL, &rep);
	assert_int_equal(rep.files, 3);
	assert_int_equal(unlink(path), 0);
	free(path);

	/* Deleting more than the record allows does not. */
	path = day_path(fx, 100);
	assert_int_equal(unlink(path), 0);
	free(path);
	assert_problem(fx, CW_AUDIT_MISSING_START, day_name(fx, 200), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_retention),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
