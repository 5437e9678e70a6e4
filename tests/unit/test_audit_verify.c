/* SPDX-License-Identifier: MIT */
/*
 * test_audit_verify.c - the verifier (trail/audit_verify.c) against each kind of
 * tampering: a changed byte, a deleted or swapped line, a truncated file,
 * a missing day, start or tail, an empty directory and a stray line.
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
test_changed_byte(void **state)
{
	struct fixture *fx = *state;
	char **lines, *path, *at;
	size_t n;

	if (geteuid() != 0)
		skip();
	build_days(fx, 3, 5);
	path = day_path(fx, 1);
	lines = read_lines(path, &n);
	at = strstr(lines[2], "user1");
	at[4] = '7';
	write_lines(path, lines, n);
	free(path);
	assert_problem(fx, CW_AUDIT_CHANGED, day_name(fx, 1), 3);
}

static void
test_deleted_line(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	char **lines, *path;
	size_t n;

	if (geteuid() != 0)
		skip();
	build_days(fx, 3, 5);
	path = day_path(fx, 1);
	lines = read_lines(path, &n);
	free(lines[2]);
	memmove(&lines[2], &lines[3], (n - 3) * sizeof(*lines));
	write_lines(path, lines, n - 1);
	free(path);
	assert_problem(fx, CW_AUDIT_DELETED, day_name(fx, 1), 3);
	assert_int_equal(verify(fx, NULL, &rep), -1);
	assert_true(rep.problem.seq == 10);    /* 9 is gone */
	assert_non_null(strstr(rep.problem.what, "9..9"));
}

static void
test_swapped_pair(void **state)
{
	struct fixture *fx = *state;
	char **lines, *path, *tmp;
	size_t n;

	if (geteuid() != 0)
		skip();
	build_days(fx, 3, 5);
	path = day_path(fx, 1);
	lines = read_lines(path, &n);
	tmp = lines[2];
	lines[2] = lines[3];
	lines[3] = tmp;
	write_lines(path, lines, n);
	free(path);
	assert_problem(fx, CW_AUDIT_REORDERED, day_name(fx, 1), 3);
}

static void
test_truncated(void **state)
{
	struct fixture *fx = *state;
	struct stat sb;
	char *path;

	if (geteuid() != 0)
		skip();
	build_days(fx, 3, 5);
	/* Cut inside the last line of the newest file. */
	path = day_path(fx, 2);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(truncate(path, sb.st_size - 10), 0);
	free(path);
	assert_problem(fx, CW_AUDIT_TRUNCATED, day_name(fx, 2), 6);
}

static void
test_truncated_middle_file(void **state)
{
	struct fixture *fx = *state;
	char **lines, *path;
	size_t n;

	if (geteuid() != 0)
		skip();
	build_days(fx, 3, 5);
	path = day_path(fx, 1);
	lines = read_lines(path, &n);
	free(lines[n - 1]);
	free(lines[n - 2]);
	write_lines(path, lines, n - 2);
	free(path);
	assert_problem(fx, CW_AUDIT_DELETED, day_name(fx, 2), 1);
}

static void
test_missing_day(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	char *path;

	if (geteuid() != 0)
		skip();
	build_days(fx, 3, 5);
	path = day_path(fx, 1);
	assert_int_equal(unlink(path), 0);
	free(path);
	assert_problem(fx, CW_AUDIT_MISSING_DAY, day_name(fx, 2), 1);
	assert_int_equal(verify(fx, NULL, &rep), -1);
	assert_non_null(strstr(rep.problem.what, day_name(fx, 1)));
}

static void
test_missing_start_and_tail(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	struct cw_audit_chain end;
	char **lines, *path;
	size_t n;

	if (geteuid() != 0)
		skip();
	end = build_days(fx, 3, 5);
	assert_intact(fx, &end, &rep);

	/* Cutting records off the end shows only against the writer's state. */
	path = day_path(fx, 2);
	lines = read_lines(path, &n);
	free(lines[n - 1]);
	write_lines(path, lines, n - 1);
	free(path);
	assert_intact(fx, NULL, &rep);
	assert_int_equal(verify(fx, &end, &rep), -1);
	assert_int_equal(rep.problem.kind, CW_AUDIT_MISSING_TAIL);
	assert_string_equal(rep.problem.file, day_name(fx, 2));
	assert_int_equal(rep.problem.line, 5);

	/* The oldest file deleted, with no record to allow it. */
	path = day_path(fx, 0);
	assert_int_equal(unlink(path), 0);
	free(path);
	assert_problem(fx, CW_AUDIT_MISSING_START, day_name(fx, 1), 1);
}

static void
test_empty_and_malformed(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	char *path;
	FILE *f;

	if (geteuid() != 0)
		skip();
	assert_int_equal(mkdir(fx->dir, 0700), 0);
	assert_int_equal(verify(fx, NULL, &rep), -1);
	assert_int_equal(rep.problem.kind, CW_AUDIT_EMPTY);
	rmdir(fx->dir);

	build_days(fx, 2, 2);
	path = day_path(fx, 1);
	f = fopen(path, "a");
	fputs("not json\n", f);
	fclose(f);
	free(path);
	assert_problem(fx, CW_AUDIT_MALFORMED, day_name(fx, 1), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_changed_byte),
		T(test_deleted_line),
		T(test_swapped_pair),
		T(test_truncated),
		T(test_truncated_middle_file),
		T(test_missing_day),
		T(test_missing_start_and_tail),
		T(test_empty_and_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
