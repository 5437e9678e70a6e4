/* SPDX-License-Identifier: MIT */
/*
 * test_db_suspended.c - suspensions applied from Redis deltas
 * (daemon/model/policy_db.c, suspended_keep): a running suspension that
 * a delta's set lacks stays unless the change log named its user (a lift
 * is always logged; Redis gone back to older data names nothing); a
 * replace after a loss's refill keeps it too; a plain full load does not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/policy_db.h"

#define UNTIL 1798761600        /* 2027-01-01 */

/* A Redis delta at gen carrying the suspended set `uids` (NULL-ended). */
static struct cw_delta *
sets(long long gen, const char *const *uids, bool keep)
{
	struct cw_delta *d = cw_delta_new(gen);
	struct cw_suspension *s;
	void *old;

	assert_non_null(d);
	d->origin = CW_DELTA_REDIS;
	d->has_suspended = true;
	d->suspended_keep = keep;
	for (; uids != NULL && *uids != NULL; uids++) {
		assert_non_null(s = calloc(1, sizeof(*s)));
		s->until = UNTIL;
		assert_int_equal(cw_strmap_put(&d->suspended, *uids, s, &old),
		    0);
	}
	return d;
}

static void
name(struct cw_delta *d, const char *uid)
{
	void *old;

	assert_int_equal(cw_strmap_put(&d->suspended_named, uid, (void *)1,
	    &old), 0);
}

static struct cw_db *
start(void)
{
	static const char *const both[] = { "alice", "bob", NULL };
	struct cw_db *db = cw_db_new();

	assert_non_null(db);
	cw_db_apply(&db, sets(1, both, true));
	assert_int_equal(cw_db_suspended_until(db, "alice"), UNTIL);
	assert_int_equal(cw_db_suspended_until(db, "bob"), UNTIL);
	return db;
}

/* Lost (not named): kept; lifted (named): gone. */
static void
test_named_only(void **state)
{
	static const char *const none[] = { NULL };
	struct cw_db *db = start();
	struct cw_delta *d = sets(2, none, true);

	(void)state;
	name(d, "bob");
	cw_db_apply(&db, d);
	assert_int_equal(cw_db_suspended_until(db, "alice"), UNTIL);
	assert_int_equal(cw_db_suspended_until(db, "bob"), 0);
	/* Kept from delta to delta until a lift names it. */
	cw_db_apply(&db, sets(3, none, true));
	assert_int_equal(cw_db_suspended_until(db, "alice"), UNTIL);
	d = sets(4, none, true);
	name(d, "alice");
	cw_db_apply(&db, d);
	assert_int_equal(cw_db_suspended_until(db, "alice"), 0);
	cw_db_free(db);
}

/* A replace with keep (the refill after a loss) keeps; without, not. */
static void
test_replace(void **state)
{
	static const char *const bob[] = { "bob", NULL };
	struct cw_db *db = start();
	struct cw_delta *d = sets(5, bob, true);

	(void)state;
	assert_non_null(d->replace = cw_db_new());
	cw_db_apply(&db, d);
	assert_int_equal(cw_db_suspended_until(db, "alice"), UNTIL);
	d = sets(6, bob, false);
	assert_non_null(d->replace = cw_db_new());
	cw_db_apply(&db, d);
	assert_int_equal(cw_db_suspended_until(db, "alice"), 0);
	assert_int_equal(cw_db_suspended_until(db, "bob"), UNTIL);
	cw_db_free(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_only),
		cmocka_unit_test(test_replace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
