/* SPDX-License-Identifier: MIT */
/*
 * test_refill.c - daemon/sync/refill.c: when a store that went back may be
 * answered from again, and that this survives a restart (the state file
 * read back by a second cw_refill_init).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sync/refill.h"

#define OLD "rid=000,csn=20261203100000.000000Z#000000#000#000000"
#define MID "rid=000,csn=20261203110000.000000Z#000000#000#000000"
#define NEW "rid=000,csn=20261203120000.000000Z#000000#000#000000"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cw-refill-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/directory.state", dir);
	(void)unlink(path);
	return rmdir(dir);
}

/* A restart: the state read back from the file. */
static void
restart(struct cw_refill *r)
{
	char err[256];

	cw_refill_free(r);
	assert_int_equal(cw_refill_init(r, dir, err, sizeof(err)), 0);
}

/* No file: nothing known, any store is current and none behind. */
static void
fresh(void **state)
{
	struct cw_refill r;
	char err[256];

	(void)state;
	assert_int_equal(cw_refill_init(&r, dir, err, sizeof(err)), 0);
	assert_true(cw_refill_current(&r, NULL));
	assert_true(cw_refill_current(&r, OLD));
	assert_false(cw_refill_behind(&r, OLD));
	cw_refill_free(&r);
}

/*
 * The fault suite's case: a loss seen at the old cookie, then a restart
 * before the refill: still not current until the mirror writes another
 * cookie; then answered, and the loss is over for good.
 */
static void
loss_outlives_restart(void **state)
{
	struct cw_refill r;
	char err[256];

	(void)state;
	assert_int_equal(cw_refill_init(&r, dir, err, sizeof(err)), 0);
	cw_refill_answered(&r, NEW);
	cw_refill_loss(&r, OLD);
	restart(&r);
	assert_true(r.loss);
	assert_false(cw_refill_current(&r, OLD));
	assert_false(cw_refill_current(&r, NULL));      /* full refresh */
	assert_true(cw_refill_current(&r, MID));        /* refilled */
	cw_refill_answered(&r, MID);
	restart(&r);
	assert_false(r.loss);
	assert_string_equal(r.known, MID);
	cw_refill_free(&r);
}

/*
 * Stopped through the loss: Redis's cookie older than the one answered
 * from is behind; one that covers it (a refill done meanwhile) is not,
 * even when it is also the cookie at the loss.
 */
static void
loss_while_stopped(void **state)
{
	struct cw_refill r;
	char err[256];

	(void)state;
	assert_int_equal(cw_refill_init(&r, dir, err, sizeof(err)), 0);
	cw_refill_answered(&r, MID);
	restart(&r);
	assert_true(cw_refill_behind(&r, OLD));
	assert_false(cw_refill_behind(&r, MID));
	assert_false(cw_refill_behind(&r, NEW));
	assert_false(cw_refill_behind(&r, NULL));
	assert_false(cw_refill_behind(&r, "rid=000,csn=garbage"));
	cw_refill_loss(&r, NEW);
	assert_true(cw_refill_current(&r, NEW));
	cw_refill_loss(&r, OLD);
	assert_false(cw_refill_current(&r, OLD));
	cw_refill_free(&r);
}

/* A damaged file stops the start (guessing could take old data). */
static void
damaged(void **state)
{
	static const char *const bad[] = {
		"{", "[]", "{\"version\":2,\"cookie\":null,\"loss\":false,"
		"\"loss_cookie\":null}",
		"{\"version\":1,\"cookie\":\"x\",\"loss\":false,"
		"\"loss_cookie\":null}",
		"{\"version\":1,\"cookie\":null,\"loss\":1,"
		"\"loss_cookie\":null}",
	};
	struct cw_refill r;
	char path[128], err[256];
	size_t i;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/directory.state", dir);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_non_null(f = fopen(path, "w"));
		fputs(bad[i], f);
		fclose(f);
		assert_int_equal(chmod(path, 0600), 0);
		assert_int_equal(cw_refill_init(&r, dir, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "directory.state"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(loss_outlives_restart, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(loss_while_stopped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(damaged, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
