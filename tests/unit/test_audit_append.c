/* SPDX-License-Identifier: MIT */
/*
 * test_audit_append.c - the writer of the trail's store (trail/audit_append.c, audit_files.c):
 * file names, resume and roll-over across days, one writer per directory,
 * and the repair of a write a crash cut short.
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
#include "gentime.h"

static void
test_file_names(void **state)
{
	char name[CW_AUDIT_FILE_NAME_SIZE];
	int64_t day;

	(void)state;
	assert_int_equal(cw_audit_file_name(cw_days_from_civil(2026, 11, 23),
	    name), 0);
	assert_string_equal(name, "audit-2026-11-23.jsonl");
	assert_int_equal(cw_audit_file_day(name, &day), 0);
	assert_true(day == cw_days_from_civil(2026, 11, 23));
	assert_int_equal(cw_audit_file_day("audit-2026-02-30.jsonl", &day), -1);
	assert_int_equal(cw_audit_file_day("audit-2026-2-03.jsonl", &day), -1);
	assert_int_equal(cw_audit_file_day("audit-2026-02-03.jsonl~", &day),
	    -1);
	assert_int_equal(cw_audit_file_day("audit-2026-02-03.json", &day), -1);
	assert_int_equal(cw_audit_file_name(-1, name), -1);
}

static void
test_round_trip_and_resume(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	struct cw_audit_store_options o = { .dir = fx->dir,
	    .key_dir = fx->keys, .host = "web1", .key_id = "k1" };
	struct cw_audit_store *st, *second;
	struct stat sb;
	char err[256], **lines, *path;
	size_t n;

	if (geteuid() != 0)
		skip();
	st = open_store(fx, "k1", noon(fx, 0));
	/* One writer per directory. */
	assert_int_equal(cw_audit_store_open(&o, noon(fx, 0), &second, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "another audit writer"));
	append_events(st, 10, noon(fx, 0));
	assert_true(cw_audit_store_chain(st)->seq == 11);
	cw_audit_store_close(st);
	assert_intact(fx, NULL, &rep);
	assert_true(rep.files == 1 && rep.records == 11 && rep.first_seq == 1 &&
	    rep.last_seq == 11);

	/* Root-only on disk. */
	assert_int_equal(stat(fx->dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	path = day_path(fx, 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(path);

	/* The next day: resumed, rolled over, chained across the files. */
	st = open_store(fx, "k1", noon(fx, 1));
	append_events(st, 5, noon(fx, 1));
	cw_audit_store_close(st);
	st = open_store(fx, "k1", noon(fx, 1) + HOUR_US);
	append_events(st, 1, noon(fx, 1) + HOUR_US);
	cw_audit_store_close(st);
	assert_intact(fx, NULL, &rep);
	assert_true(rep.files == 2 && rep.records == 18);

	path = day_path(fx, 1);
	lines = read_lines(path, &n);
	assert_int_equal(n, 7);
	assert_non_null(strstr(lines[0], "\"type\":\"day_opened\""));
	assert_non_null(strstr(lines[0], day_name(fx, 0)));
	assert_true(seq_of(lines[0]) == 12);
	write_lines(path, lines, n);
	free(path);

	/* A day the writer did not run is a date gap, not a break. */
	st = open_store(fx, "k1", noon(fx, 4));
	cw_audit_store_close(st);
	assert_intact(fx, NULL, &rep);
	assert_true(rep.files == 3 && rep.days_without_file == 2);
}

static void
test_writer_recovery(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	struct cw_audit_store *st;
	char **lines, *path;
	size_t n;
	FILE *f;

	if (geteuid() != 0)
		skip();
	build_days(fx, 1, 3);
	path = day_path(fx, 0);
	f = fopen(path, "a");
	fputs("{\"actor\":\"us", f);     /* a write cut short by a crash */
	fclose(f);
	assert_problem(fx, CW_AUDIT_TRUNCATED, day_name(fx, 0), 5);

	st = open_store(fx, "k1", noon(fx, 0) + HOUR_US);
	cw_audit_store_close(st);
	assert_intact(fx, NULL, &rep);
	lines = read_lines(path, &n);
	assert_int_equal(n, 5);
	assert_non_null(strstr(lines[4], "\"type\":\"writer_recovered\""));
	assert_non_null(strstr(lines[4], "\"discarded_bytes\":12"));
	write_lines(path, lines, n);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_names),
		T(test_round_trip_and_resume),
		T(test_writer_recovery),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
