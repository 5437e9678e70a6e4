/* SPDX-License-Identifier: MIT */
/*
 * test_set_again.c - what a daemon must make again after a Redis loss, on
 * disk (daemon/sync/set_again.c): written and read back across a
 * "restart", the records that no longer matter left out, a hostile file
 * refused with its name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sync/set_again.h"
#include "sync/sync.h"

static char dir[] = "/tmp/cw-set-again.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char path[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/set-again.state", dir);
	unlink(path);
	return rmdir(dir);
}

static void
write_file(const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/set-again.state", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
}

/* Saved by one daemon, loaded by the next: what still matters comes
 * back, an ended suspension and an old drop do not. */
static void
test_round_trip(void **state)
{
	struct cw_sync *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	int64_t now = (int64_t)time(NULL);
	char err[512];

	(void)state;
	assert_int_equal(cw_set_again_load(a, dir, err, sizeof(err)), 0);
	cw_wake_init(&a->wake);
	snprintf(a->drops[0].uid, sizeof(a->drops[0].uid), "alice");
	snprintf(a->drops[0].role, sizeof(a->drops[0].role), "db-admin");
	a->drops[0].at = now - 60;
	snprintf(a->drops[1].uid, sizeof(a->drops[1].uid), "bob");
	snprintf(a->drops[1].role, sizeof(a->drops[1].role), "db-admin");
	a->drops[1].at = now - CW_SYNC_DROP_KEEP_S - 60;
	snprintf(a->susps[0].uid, sizeof(a->susps[0].uid), "carol");
	a->susps[0].s = (struct cw_suspension){ .until = now + 3600,
	    .since = now - 10, .by = "anna", .reason = "on leave \"x\"" };
	snprintf(a->susps[1].uid, sizeof(a->susps[1].uid), "dave");
	a->susps[1].s = (struct cw_suspension){ .until = now - 1,
	    .since = now - 100, .by = "anna", .reason = "over" };
	cw_set_again_save(a);

	assert_int_equal(cw_set_again_load(b, dir, err, sizeof(err)), 0);
	assert_string_equal(b->drops[0].uid, "alice");
	assert_string_equal(b->drops[0].role, "db-admin");
	assert_int_equal(b->drops[0].at, now - 60);
	assert_int_equal(b->drops[1].at, 0);            /* too old */
	assert_int_equal(b->drop_next, 1);
	assert_string_equal(b->susps[0].uid, "carol");
	assert_int_equal(b->susps[0].s.until, now + 3600);
	assert_string_equal(b->susps[0].s.by, "anna");
	assert_string_equal(b->susps[0].s.reason, "on leave \"x\"");
	assert_string_equal(b->susps[1].uid, "");       /* ended */
	cw_set_again_free(a);
	cw_set_again_free(b);
	cw_wake_destroy(&a->wake);
	free(a);
	free(b);
}

/* A file that is not what this daemon writes stops the start, naming
 * the file; nothing in it is taken. */
static void
test_hostile_files_refused(void **state)
{
	static const char *bad[] = {
		"not json",
		"{\"version\":2,\"drops\":[],\"suspensions\":[]}",
		"{\"version\":1,\"drops\":{},\"suspensions\":[]}",
		"{\"version\":1,\"drops\":[{\"uid\":\"../etc\",\"role\":\"r\","
		    "\"at\":5}],\"suspensions\":[]}",
		"{\"version\":1,\"drops\":[],\"suspensions\":[{\"uid\":\"a\","
		    "\"by\":\"b\",\"reason\":\"r\",\"until\":-1,\"since\":0}]}",
		"{\"version\":1,\"drops\":[],\"suspensions\":[{\"uid\":\"a\"}]}",
	};
	struct cw_sync *s;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bad[i]);
		s = calloc(1, sizeof(*s));
		assert_int_equal(cw_set_again_load(s, dir, err, sizeof(err)),
		    -1);
		assert_non_null(strstr(err, "set-again.state"));
		assert_int_equal(s->drops[0].at, 0);
		cw_set_again_free(s);
		free(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hostile_files_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
