/* SPDX-License-Identifier: MIT */
/*
 * test_early.c - the overlay of changes that deny ahead of Redis
 * (daemon/model/early.c): an early record denies at once; a Redis delta
 * read before the change was written (older data) cannot re-allow; the
 * overlay goes once the db has applied the write's generation, whichever
 * of the write's notice and the delta comes first; a later early change
 * re-arms it; an orphaned one waits for a delta naming the entry; a
 * loosening from Redis works once Redis has caught up; a full load keeps
 * the overlay.
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

#define NOW 1767225600          /* 2026-01-01 */
#define ALICE "00000000-0000-0000-0000-00000000000a"
#define BOB "00000000-0000-0000-0000-00000000000b"

static struct cw_db_entry *
staff(const char *uuid, const char *uid, const char *status)
{
	char json[1024], err[256];
	struct cw_db_entry *e;

	snprintf(json, sizeof(json), "{\"dn\":\"uid=%s,ou=people,dc=t\","
	    "\"uuid\":\"%s\",\"attrs\":{\"uid\":[\"%s\"],"
	    "\"cwEmploymentStatus\":[\"%s\"],"
	    "\"cwIdentityCheck\":[\"20250101000000Z\"],"
	    "\"cwCriminalRecordCheck\":[\"20250101000000Z\"],"
	    "\"cwRightToWorkCheck\":[\"20250101000000Z\"],"
	    "\"cwClearance\":[\"SC\"],"
	    "\"cwClearanceExpiry\":[\"20281231000000Z\"],"
	    "\"cwTrainingCompleted\":[\"20251201000000Z\"],"
	    "\"cwRole\":[\"ops\"]}}", uid, uuid, uid, status);
	e = cw_db_entry_parse(CW_KIND_STAFF, json, strlen(json), NOW, err,
	    sizeof(err));
	assert_non_null(e);
	return e;
}

/* A delta of origin o at gen with one change (e NULL: removed/named). */
static struct cw_delta *
delta(enum cw_delta_origin o, long long gen, const char *uuid,
    struct cw_db_entry *e)
{
	struct cw_delta *d = cw_delta_new(gen);

	assert_non_null(d);
	d->origin = o;
	if (uuid != NULL)
		assert_int_equal(cw_delta_add(d, uuid, e), 0);
	return d;
}

static struct cw_delta *
redis(long long gen, const char *uuid, const char *uid, const char *status)
{
	return delta(CW_DELTA_REDIS, gen, uuid, uid != NULL ?
	    staff(uuid, uid, status) : NULL);
}

static bool
allowed(struct cw_db *db, const char *uid)
{
	return cw_decide_person(cw_db_staff(db, uid), false, 0, NOW,
	    365).verdict == CW_VERDICT_ALLOW;
}

static struct cw_db *
start(void)
{
	struct cw_db *db = cw_db_new();
	struct cw_delta *d = redis(10, ALICE, "alice", "active");

	assert_non_null(db);
	assert_int_equal(cw_delta_add(d, BOB, staff(BOB, "bob", "active")), 0);
	cw_db_apply(&db, d);
	assert_true(allowed(db, "alice"));
	assert_true(allowed(db, "bob"));
	return db;
}

static void
early_leaver(struct cw_db **db)
{
	cw_db_apply(db, delta(CW_DELTA_EARLY, 0, ALICE,
	    staff(ALICE, "alice", "leaver")));
}

/* The stale delta cannot re-allow; the write's generation releases. */
static void
test_stale_delta(void **state)
{
	struct cw_db *db = start();

	(void)state;
	early_leaver(&db);
	assert_false(allowed(db, "alice"));
	assert_int_equal(cw_db_staff(db, "alice")->employment,
	    CW_EMPLOYMENT_LEAVER);
	assert_true(allowed(db, "bob"));
	/* Read from Redis before the mirror's write: still active there. */
	cw_db_apply(&db, redis(11, ALICE, "alice", "active"));
	assert_false(allowed(db, "alice"));
	assert_int_equal(db->generation, 11);
	/* The write reached Redis at 12; the db is not there yet. */
	cw_db_apply(&db, delta(CW_DELTA_WRITTEN, 12, ALICE, NULL));
	assert_false(allowed(db, "alice"));
	assert_int_equal(db->generation, 11);
	cw_db_apply(&db, redis(12, ALICE, "alice", "leaver"));
	assert_int_equal(db->early.count, 0);
	assert_false(allowed(db, "alice"));
	/* A loosening, through Redis, works as before. */
	cw_db_apply(&db, redis(13, ALICE, "alice", "active"));
	assert_true(allowed(db, "alice"));
	cw_db_free(db);
}

/* The follow thread may apply the write before the notice arrives. */
static void
test_notice_after_delta(void **state)
{
	struct cw_db *db = start();

	(void)state;
	early_leaver(&db);
	cw_db_apply(&db, redis(11, ALICE, "alice", "leaver"));
	assert_int_equal(db->early.count, 1);
	cw_db_apply(&db, delta(CW_DELTA_WRITTEN, 11, ALICE, NULL));
	assert_int_equal(db->early.count, 0);
	assert_false(allowed(db, "alice"));
	cw_db_free(db);
}

/* A second early change re-arms: the first write's notice is old. */
static void
test_rearm(void **state)
{
	struct cw_db *db = start();

	(void)state;
	early_leaver(&db);
	cw_db_apply(&db, delta(CW_DELTA_WRITTEN, 11, ALICE, NULL));
	/* Back to active (through Redis: it is not early), then leaver
	 * again ahead of its write. */
	early_leaver(&db);
	cw_db_apply(&db, redis(11, ALICE, "alice", "active"));
	cw_db_apply(&db, redis(12, BOB, "bob", "active"));
	assert_false(allowed(db, "alice"));
	cw_db_apply(&db, delta(CW_DELTA_WRITTEN, 13, ALICE, NULL));
	assert_false(allowed(db, "alice"));
	cw_db_apply(&db, redis(13, ALICE, "alice", "leaver"));
	assert_int_equal(db->early.count, 0);
	assert_false(allowed(db, "alice"));
	cw_db_free(db);
}

/* Another daemon's mirror writes it: kept until a delta names it. */
static void
test_orphaned(void **state)
{
	struct cw_db *db = start();

	(void)state;
	early_leaver(&db);
	cw_db_apply(&db, redis(11, BOB, "bob", "active"));
	cw_db_apply(&db, delta(CW_DELTA_ORPHANED, 0, ALICE, NULL));
	cw_db_apply(&db, redis(12, BOB, "bob", "active"));
	assert_false(allowed(db, "alice"));
	cw_db_apply(&db, redis(13, ALICE, "alice", "leaver"));
	assert_int_equal(db->early.count, 0);
	assert_false(allowed(db, "alice"));
	cw_db_free(db);
}

/* A removal: the uid the db held for the uuid is unknown at once. */
static void
test_removed(void **state)
{
	struct cw_db *db = start();

	(void)state;
	cw_db_apply(&db, delta(CW_DELTA_EARLY, 0, ALICE, NULL));
	assert_null(cw_db_staff(db, "alice"));
	assert_null(cw_db_staff_entry(db, "alice"));
	cw_db_apply(&db, redis(11, BOB, "bob", "active"));
	assert_null(cw_db_staff(db, "alice"));
	cw_db_apply(&db, delta(CW_DELTA_WRITTEN, 12, ALICE, NULL));
	cw_db_apply(&db, redis(12, ALICE, NULL, NULL));
	assert_int_equal(db->early.count, 0);
	assert_null(cw_db_staff(db, "alice"));
	cw_db_free(db);
}

/* A rename that denies: the new uid's record, and the old uid gone. */
static void
test_rename(void **state)
{
	struct cw_db *db = start();

	(void)state;
	cw_db_apply(&db, delta(CW_DELTA_EARLY, 0, ALICE,
	    staff(ALICE, "alice2", "leaver")));
	assert_null(cw_db_staff(db, "alice"));
	assert_false(allowed(db, "alice2"));
	assert_int_equal(db->early.count, 2);
	cw_db_apply(&db, delta(CW_DELTA_WRITTEN, 11, ALICE, NULL));
	cw_db_apply(&db, redis(11, ALICE, "alice2", "leaver"));
	assert_int_equal(db->early.count, 0);
	cw_db_free(db);
}

/* A full load (a replace) keeps the overlay, and its rule. */
static void
test_replace(void **state)
{
	struct cw_db *db = start();
	struct cw_delta *d;

	(void)state;
	early_leaver(&db);
	d = cw_delta_new(11);
	assert_non_null(d);
	d->replace = cw_db_new();
	assert_non_null(d->replace);
	assert_int_equal(cw_db_put(d->replace, staff(ALICE, "alice",
	    "active")), 0);
	cw_db_apply(&db, d);
	assert_false(allowed(db, "alice"));
	cw_db_apply(&db, delta(CW_DELTA_WRITTEN, 12, ALICE, NULL));
	assert_false(allowed(db, "alice"));
	cw_db_apply(&db, redis(12, ALICE, "alice", "leaver"));
	assert_int_equal(db->early.count, 0);
	cw_db_free(db);
}

/* A notice never moves the db's generation (only Redis deltas do). */
static void
test_notice_keeps_generation(void **state)
{
	struct cw_db *db = start();

	(void)state;
	cw_db_apply(&db, delta(CW_DELTA_WRITTEN, 40, BOB, NULL));
	assert_int_equal(db->generation, 10);
	cw_db_free(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_delta),
		cmocka_unit_test(test_notice_after_delta),
		cmocka_unit_test(test_rearm),
		cmocka_unit_test(test_orphaned),
		cmocka_unit_test(test_removed),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_notice_keeps_generation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
