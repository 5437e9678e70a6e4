/* SPDX-License-Identifier: MIT */
/*
 * test_staff_store.c - the compact staff store (daemon/model/staff_store.c)
 * gives exactly the records, and so the decisions, of the old path: each
 * entry parsed by record.c into a struct cw_staff kept whole, and a uid
 * held by several entries read as one invalid record.
 *
 * A seeded generator makes a directory with the shapes that matter (every
 * date absent, valid or not a GeneralizedTime, values outside their set,
 * several values where one is allowed, valid and invalid role names,
 * duplicate uids, locked accounts, no modifyTimestamp), then puts,
 * replaces and removes entries at random (free slots reused, tombstones,
 * arena compaction), and after each round compares every uid's record
 * field by field and its decision on every host class and mode.
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

#define NENTRIES 3000
#define NUIDS 2600              /* fewer uids than entries: duplicates */
#define NOW 1767225600          /* 2026-01-01 */

static const char *const roles[] = { "ops", "dev", "hr", "audit", "db",
    "net", "sec", "web", "ops admin", "dev/ops", "breakglass" };
#define NROLES (sizeof(roles) / sizeof(roles[0]))
static const char *const dates[] = { "20250101000000Z", "20261231120000Z",
    "20240615083000Z", "19990101000000Z", "notadate", "20250230000000Z" };
#define NDATES (sizeof(dates) / sizeof(dates[0]))
static const char *const date_attrs[] = { "cwLeavingDate", "cwIdentityCheck",
    "cwCriminalRecordCheck", "cwRightToWorkCheck", "cwRightToWorkExpiry",
    "cwClearanceExpiry", "cwTrainingCompleted" };
static const char *const statuses[] = { "active", "active", "active",
    "suspended", "leaver", "Active", "contractor" };
static const char *const clearances[] = { "none", "BPSS", "CTC", "SC", "eSC",
    "DV", "eDV", "Secret", "sc" };

static unsigned rnd_state = 12345;

static unsigned
rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* Appends ,"attr":["v1",...] with k values picked from vals. */
static void
add_attr(char *buf, size_t len, const char *attr, const char *const *vals,
    size_t nvals, unsigned k)
{
	unsigned i;

	if (k == 0)
		return;
	snprintf(buf + strlen(buf), len - strlen(buf), ",\"%s\":[", attr);
	for (i = 0; i < k; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s\"%s\"",
		    i ? "," : "", vals[rnd((unsigned)nvals)]);
	snprintf(buf + strlen(buf), len - strlen(buf), "]");
}

/* One staff entry's JSON (as the mirror stores it) for uuid n. */
static void
make_entry(char *buf, size_t len, unsigned n)
{
	static const char *const locked[] = { "000001010000Z",
	    "20250101000000Z" };
	static const char *const modified[] = { "20251201101010Z" };
	char uid[32];
	const char *uidp = uid;
	size_t i;

	snprintf(uid, sizeof(uid), "u%05u", rnd(NUIDS));
	snprintf(buf, len, "{\"dn\":\"uid=%s,ou=people,dc=t\",\"uuid\":"
	    "\"00000000-0000-0000-0000-%012u\",\"attrs\":{\"uid\":[\"%s\"]",
	    uid, n, uid);
	(void)uidp;
	add_attr(buf, len, "cwEmploymentStatus", statuses, 7,
	    rnd(20) == 0 ? 2 : rnd(10) != 0);
	for (i = 0; i < 7; i++)
		add_attr(buf, len, date_attrs[i], dates,
		    rnd(50) == 0 ? NDATES : 4, rnd(40) == 0 ? 2 : rnd(3) != 0);
	add_attr(buf, len, "cwClearance", clearances, rnd(30) == 0 ? 9 : 7,
	    rnd(8) != 0);
	add_attr(buf, len, "cwRole", roles, rnd(30) == 0 ? NROLES : 8,
	    rnd(5));
	add_attr(buf, len, "pwdAccountLockedTime", locked, 2, rnd(10) == 0);
	add_attr(buf, len, "modifyTimestamp", modified, 1, rnd(4) != 0);
	snprintf(buf + strlen(buf), len - strlen(buf), "}}");
}

/* The old path: every entry parsed whole, by uuid (NULL: absent). */
struct ref {
	struct cw_db_entry *e[NENTRIES];
};

static struct cw_db_entry *
parse(const char *json)
{
	char err[256];

	return cw_db_entry_parse(CW_KIND_STAFF, json, strlen(json), NOW, err,
	    sizeof(err));
}

/* The old path's record of uid: the one entry, or ambiguous, or none. */
static const struct cw_staff *
ref_staff(const struct ref *r, const char *uid, struct cw_staff *amb)
{
	const struct cw_staff *one = NULL;
	size_t i, count = 0;

	for (i = 0; i < NENTRIES; i++) {
		if (r->e[i] != NULL && strcmp(r->e[i]->rec.staff.uid, uid) == 0) {
			one = &r->e[i]->rec.staff;
			count++;
		}
	}
	if (count <= 1)
		return one;
	memset(amb, 0, sizeof(*amb));
	snprintf(amb->uid, sizeof(amb->uid), "%s", uid);
	amb->invalid = true;
	snprintf(amb->invalid_why, sizeof(amb->invalid_why),
	    "uid '%s' is held by %zu entries", uid, count);
	return amb;
}

static void
same_staff(const struct cw_staff *a, const struct cw_staff *b)
{
	const struct cw_when *wa[] = { &a->leaving, &a->identity_check,
	    &a->criminal_record_check, &a->right_to_work_check,
	    &a->right_to_work_expiry, &a->clearance_expiry, &a->training };
	const struct cw_when *wb[] = { &b->leaving, &b->identity_check,
	    &b->criminal_record_check, &b->right_to_work_check,
	    &b->right_to_work_expiry, &b->clearance_expiry, &b->training };
	size_t i;

	assert_string_equal(a->uid, b->uid);
	assert_int_equal(a->invalid, b->invalid);
	assert_string_equal(a->invalid_why, b->invalid_why);
	assert_int_equal(a->employment, b->employment);
	assert_int_equal(a->clearance, b->clearance);
	for (i = 0; i < 7; i++) {
		assert_int_equal(wa[i]->present, wb[i]->present);
		assert_int_equal(wa[i]->at, wb[i]->at);
	}
	assert_int_equal(a->roles.count, b->roles.count);
	for (i = 0; i < a->roles.count; i++)
		assert_string_equal(a->roles.names[i], b->roles.names[i]);
}

/* A few host classes and roles, the same in both paths. */
static void
add_tables(struct cw_db *db)
{
	static const char *const hc[] = {
	    "{\"dn\":\"cn=h1\",\"uuid\":\"h1\",\"attrs\":{\"cn\":[\"h1\"],"
	    "\"cwRequiredClearance\":[\"BPSS\"],\"cwLoginRole\":[\"ops\","
	    "\"dev\",\"web\"],\"cwAdminRole\":[\"ops\"]}}",
	    "{\"dn\":\"cn=h2\",\"uuid\":\"h2\",\"attrs\":{\"cn\":[\"h2\"],"
	    "\"cwRequiredClearance\":[\"SC\"],\"cwLoginRole\":[\"db\","
	    "\"sec\",\"breakglass\"],\"cwAdminRole\":[\"db\"]}}" };
	static const char *const names[] = { "ops", "dev", "web", "db",
	    "sec", "breakglass" };
	char json[256], err[128];
	size_t i;

	for (i = 0; i < 2; i++)
		assert_int_equal(cw_db_put(db, cw_db_entry_parse(
		    CW_KIND_HOST_CLASS, hc[i], strlen(hc[i]), NOW, err,
		    sizeof(err))), 0);
	for (i = 0; i < 6; i++) {
		snprintf(json, sizeof(json), "{\"dn\":\"cn=%s\",\"uuid\":"
		    "\"r%zu\",\"attrs\":{\"cn\":[\"%s\"],"
		    "\"cwRequiredClearance\":[\"%s\"]}}", names[i], i, names[i],
		    i % 2 ? "BPSS" : "CTC");
		assert_int_equal(cw_db_put(db, cw_db_entry_parse(CW_KIND_ROLE,
		    json, strlen(json), NOW, err, sizeof(err))), 0);
	}
}

/* Every uid: the same record, entry and decisions in both paths. */
static void
compare(struct cw_db *db, const struct ref *r)
{
	static const char *const hcs[] = { "h1", "h2", "h3" };
	struct cw_policy_input in, rin;
	struct cw_staff amb;
	const struct cw_staff *want;
	char uid[16];
	unsigned u, h, m;

	for (u = 0; u < NUIDS; u++) {
		snprintf(uid, sizeof(uid), "u%05u", u);
		want = ref_staff(r, uid, &amb);
		for (h = 0; h < 3; h++) {
			for (m = 0; m < 2; m++) {
				cw_db_policy_input(db, uid, hcs[h],
				    m ? CW_MODE_ADMIN : CW_MODE_LOGIN, NOW, &in);
				rin = in;
				rin.staff = want;
				rin.training_validity_days =
				    in.training_validity_days = 365;
				assert_int_equal(cw_decide(&in).verdict,
				    cw_decide(&rin).verdict);
				assert_int_equal(cw_decide(&in).reason,
				    cw_decide(&rin).reason);
			}
		}
		assert_int_equal(in.staff == NULL, want == NULL);
		if (want != NULL)
			same_staff(cw_db_staff(db, uid), want);
	}
}

static void
check_entry(struct cw_db *db, const struct ref *r)
{
	const struct cw_db_entry *e;
	struct cw_staff amb;
	size_t i;

	for (i = 0; i < NENTRIES; i++) {
		const struct cw_db_entry *w = r->e[i];

		if (w == NULL || ref_staff(r, w->rec.staff.uid, &amb) == &amb)
			continue;
		assert_non_null(e = cw_db_staff_entry(db, w->rec.staff.uid));
		assert_string_equal(e->uuid, w->uuid);
		assert_string_equal(e->dn, w->dn);
		assert_int_equal(e->modified == NULL, w->modified == NULL);
		if (w->modified != NULL)
			assert_string_equal(e->modified, w->modified);
		assert_int_equal(e->locked, w->locked);
		assert_int_equal(e->learned, w->learned);
	}
}

/* Puts (or removes, with json NULL) entry n in both. */
static void
change(struct cw_db *db, struct ref *r, unsigned n, const char *json)
{
	char uuid[64];

	snprintf(uuid, sizeof(uuid), "00000000-0000-0000-0000-%012u", n);
	cw_db_entry_free(r->e[n]);
	r->e[n] = NULL;
	if (json == NULL) {
		cw_db_remove(db, uuid);
		return;
	}
	if ((r->e[n] = parse(json)) == NULL) {
		cw_db_remove(db, uuid);
		return;
	}
	assert_int_equal(cw_db_put(db, parse(json)), 0);
}

static void
test_same_as_old_path(void **state)
{
	struct cw_db *db = cw_db_new();
	struct ref *r = calloc(1, sizeof(*r));
	char json[4096];
	unsigned i, round;

	(void)state;
	assert_non_null(db);
	assert_non_null(r);
	db->staff.garbage_min = 4096;   /* compacted often */
	add_tables(db);
	for (i = 0; i < NENTRIES; i++) {
		make_entry(json, sizeof(json), i);
		change(db, r, i, json);
	}
	compare(db, r);
	check_entry(db, r);
	for (round = 0; round < 6; round++) {
		for (i = 0; i < NENTRIES / 2; i++) {
			unsigned n = rnd(NENTRIES);

			make_entry(json, sizeof(json), n);
			change(db, r, n, rnd(3) == 0 ? NULL : json);
		}
		compare(db, r);
		check_entry(db, r);
	}
	assert_true(db->staff.compactions > 0);
	for (i = 0; i < NENTRIES; i++)
		cw_db_entry_free(r->e[i]);
	free(r);
	cw_db_free(db);
}

/* Pages of uids: every uid once, ambiguous ones too. */
static void
count_uid(const char *uid, void *value, void *arg)
{
	(void)uid;
	(void)value;
	(*(size_t *)arg)++;
}

static void
test_pages(void **state)
{
	struct cw_db *db = cw_db_new();
	char json[512];
	size_t n = 0, cursor = 0;
	unsigned i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(json, sizeof(json), "{\"dn\":\"uid=x\",\"uuid\":\"e%u\","
		    "\"attrs\":{\"uid\":[\"p%u\"]}}", i, i % 60);
		assert_int_equal(cw_db_put(db, parse(json)), 0);
	}
	cw_db_remove(db, "e7");
	while (cursor < cw_db_staff_end(db))
		cursor = cw_db_staff_pages(db, cursor, 7, count_uid, &n);
	assert_int_equal(n, 60);
	assert_int_equal(db->counts[CW_KIND_STAFF], 99);
	cw_db_free(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_old_path),
		cmocka_unit_test(test_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
