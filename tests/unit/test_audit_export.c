/* SPDX-License-Identifier: MIT */
/*
 * test_audit_export.c - export (trail/audit_export.c): a time range as JSONL
 * exactly as stored and as RFC 4180 CSV, and lines that are not records
 * left out and counted.
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

static size_t
count(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s += strlen(what);
	}
	return n;
}

static char *
export_to_string(const struct fixture *fx, int64_t since, int64_t until,
    enum cw_audit_format format, struct cw_audit_export_result *res)
{
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (cw_audit_export(fx->dir, since, until, format, f, res, err,
	    sizeof(err)) < 0)
		fail_msg("export: %s", err);
	fclose(f);
	return buf;
}

static void
test_export(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_export_result res;
	struct cw_audit_event ev[4];
	struct cw_audit_store *st;
	char err[256], **lines, *out, *path, expect[8192];
	size_t n, i;
	int64_t t = noon(fx, 0);

	if (geteuid() != 0)
		skip();
	for (i = 0; i < 4; i++) {
		assert_int_equal(cw_audit_event_init(&ev[i],
		    CW_AUDIT_CLI_REQUEST, t + (int64_t)i * HOUR_US,
		    "o'neil, \"x\"", "bob", "success"), 0);
		assert_int_equal(cw_audit_event_add_string(&ev[i], "command",
		    "leaver"), 0);
		assert_int_equal(cw_audit_event_add_int(&ev[i], "exit", 0), 0);
	}
	st = open_store(fx, "k1", t);
	assert_int_equal(cw_audit_store_append(st, ev, 4, t + 4 * HOUR_US,
	    err, sizeof(err)), 0);
	cw_audit_store_close(st);
	path = day_path(fx, 0);
	lines = read_lines(path, &n);
	free(path);
	assert_int_equal(n, 5);

	/* [13:00, 15:00): the 2nd and 3rd events, exactly as stored. */
	out = export_to_string(fx, t + HOUR_US, t + 3 * HOUR_US,
	    CW_AUDIT_FORMAT_JSONL, &res);
	snprintf(expect, sizeof(expect), "%s%s", lines[2], lines[3]);
	assert_string_equal(out, expect);
	assert_true(res.records == 2 && res.skipped == 0);
	free(out);

	out = export_to_string(fx, t + HOUR_US, t + 2 * HOUR_US,
	    CW_AUDIT_FORMAT_CSV, &res);
	assert_true(res.records == 1);
	assert_non_null(strstr(out, "seq,time,host,type,actor,subject,"
	    "outcome,details,key_id,prev,mac\r\n3,2026-01-05T13:00:00.000000Z,"
	    "web1,cli_request,\"o'neil, \"\"x\"\"\",bob,success,"
	    "\"{\"\"command\"\":\"\"leaver\"\",\"\"exit\"\":0}\",k1,"));
	/* A header and one row, each ending in CRLF. */
	assert_int_equal(count(out, "\r\n"), 2);
	assert_int_equal(count(out, "\n"), 2);
	free(out);

	/* A line that is not a record is left out, and counted. */
	path = day_path(fx, 0);
	write_lines(path, lines, n);
	{
		FILE *f = fopen(path, "a");

		fputs("garbage\n", f);
		fclose(f);
	}
	free(path);
	out = export_to_string(fx, 0, INT64_MAX, CW_AUDIT_FORMAT_JSONL, &res);
	assert_true(res.records == 5 && res.skipped == 1);
	assert_non_null(strstr(res.first_skipped, ":6"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_export),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
