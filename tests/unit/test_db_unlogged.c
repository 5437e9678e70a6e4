/* SPDX-License-Identifier: MIT */
/*
 * test_db_unlogged.c - suspensions and elevations applied from Redis
 * deltas (daemon/model/policy_db.c, keep_unlogged): a running suspension
 * that a delta's set lacks stays unless the change log named its user (a
 * lift is always logged; Redis gone back to older data names nothing); a
 * replace after a loss's refill keeps it too; a plain full load does not.
 * A grant the set has takes effect only when the log named its user: one
 * dropped here that old data brought back is not taken.
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
	d->keep_unlogged = keep;
	for (; uids != NULL && *uids != NULL; uids++) {
		assert_non_null(s = calloc(1, sizeof(*s)));
		s->until = UNTIL;
		assert_int_equal(cw_strmap_put(&d->suspended, *uids, s, &old),
		    0);
	}
	return d;
}

/* The change log named uid (in m: suspended_named, elevations_named). */
static void
name(struct cw_strmap *m, const char *uid)
{
	void *old;

	assert_int_equal(cw_strmap_put(m, uid, (void *)1, &old), 0);
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
	name(&d->suspended_named, "bob");
	cw_db_apply(&db, d);
	assert_int_equal(cw_db_suspended_until(db, "alice"), UNTIL);
	assert_int_equal(cw_db_suspended_until(db, "bob"), 0);
	/* Kept from delta to delta until a lift names it. */
	cw_db_apply(&db, sets(3, none, true));
	assert_int_equal(cw_db_suspended_until(db, "alice"), UNTIL);
	d = sets(4, none, true);
	name(&d->suspended_named, "alice");
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

/* A Redis delta at gen whose elevations give uid one grant of role. */
static struct cw_delta *
grants(long long gen, const char *uid, const char *role, bool keep)
{
	struct cw_delta *d = cw_delta_new(gen);
	struct cw_user_elevations *ue;
	void *old;

	assert_non_null(d);
	d->origin = CW_DELTA_REDIS;
	d->has_elevations = true;
	d->keep_unlogged = keep;
	if (uid != NULL) {
		assert_non_null(ue = calloc(1, sizeof(*ue)));
		assert_non_null(ue->list = calloc(1, sizeof(*ue->list)));
		ue->count = 1;
		snprintf(ue->list[0].role, sizeof(ue->list[0].role), "%s", role);
		ue->list[0].end = UNTIL;
		assert_int_equal(cw_strmap_put(&d->elevations, uid, ue, &old),
		    0);
	}
	return d;
}

static const char *
role_of(struct cw_db *db, const char *uid)
{
	const struct cw_user_elevations *ue = cw_strmap_get(&db->elevations,
	    uid);

	return ue != NULL && ue->count > 0 ? ue->list[0].role : "";
}

/* Granted (named): taken; brought back unnamed: not; changed: memory's. */
static void
test_grants(void **state)
{
	struct cw_db *db = cw_db_new();
	struct cw_delta *d = grants(1, "alice", "dba", true);

	(void)state;
	assert_non_null(db);
	name(&d->elevations_named, "alice");
	cw_db_apply(&db, d);
	assert_string_equal(role_of(db, "alice"), "dba");
	/* Dropped (logged, the set lacks it): gone. */
	d = grants(2, NULL, NULL, true);
	name(&d->elevations_named, "alice");
	cw_db_apply(&db, d);
	assert_string_equal(role_of(db, "alice"), "");
	/* Brought back by old data, nothing logged: not taken. */
	cw_db_apply(&db, grants(3, "alice", "dba", true));
	assert_string_equal(role_of(db, "alice"), "");
	/* Without keep_unlogged (a full load), the set is taken. */
	cw_db_apply(&db, grants(4, "alice", "web", false));
	assert_string_equal(role_of(db, "alice"), "web");
	/* Unnamed, different: memory's grants stay. */
	cw_db_apply(&db, grants(5, "alice", "dba", true));
	assert_string_equal(role_of(db, "alice"), "web");
	cw_db_free(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_only),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_grants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
