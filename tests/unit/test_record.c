/* SPDX-License-Identifier: MIT */
/*
 * test_record.c - raw entries into validated staff, host class and role
 * records: every attribute, every way it can be wrong, and what the
 * administrator is told.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"

#define MAX_AVAS 16

enum kind { STAFF, HOST, ROLE };

/* Builds an entry from "name=value" strings (split at the first '='). */
static void
build_entry(struct cw_entry *e, const char *const *avas)
{
	size_t i;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < MAX_AVAS && avas[i] != NULL; i++) {
		const char *eq = strchr(avas[i], '=');
		char name[64];

		assert_non_null(eq);
		assert_true((size_t)(eq - avas[i]) < sizeof(name));
		memcpy(name, avas[i], (size_t)(eq - avas[i]));
		name[eq - avas[i]] = '\0';
		if (cw_entry_add_value(e, name, eq + 1) != 0)
			fail_msg("cannot add '%s'", avas[i]);
	}
}

static void
assert_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			fail_msg("unprintable byte 0x%02x", (unsigned char)*s);
}

struct record_case {
	const char *why;
	enum kind kind;
	const char *avas[MAX_AVAS];
	int rc;                 /* -1: cannot be keyed */
	bool invalid;
	const char *text;       /* expected in err (rc -1) or invalid_why */
};

#define STAFF_OK "uid=alice"
#define HOST_OK "cn=payments-db"
#define ROLE_OK "cn=dba"

static const struct record_case record_cases[] = {
	/* Staff: the key. */
	{ "staff no uid", STAFF, { "cn=alice" }, -1, false, "uid: missing" },
	{ "staff two uids", STAFF, { "uid=alice", "uid=bob" }, -1, false,
	    "uid: more than one value" },
	{ "staff uid leading dash", STAFF, { "uid=-alice" }, -1, false,
	    "uid: '-alice' is not a valid login name" },
	{ "staff uid slash", STAFF, { "uid=al/ice" }, -1, false,
	    "uid: 'al/ice' is not a valid login name" },
	{ "staff uid control", STAFF, { "uid=al\001ice" }, -1, false,
	    "uid: 'al?ice' is not" },
	{ "staff uid empty", STAFF, { "uid=" }, -1, false,
	    "uid: '' is not a valid login name" },
	{ "staff uid any case", STAFF, { "UID=alice" }, 0, false, NULL },
	{ "staff minimal", STAFF, { STAFF_OK }, 0, false, NULL },
	{ "staff unrelated ignored", STAFF, { STAFF_OK, "mail=a@b",
	    "objectClass=cwStaff", "cwFuture=whatever" }, 0, false, NULL },

	/* Staff: employment status. */
	{ "status active", STAFF, { STAFF_OK, "cwEmploymentStatus=active" }, 0,
	    false, NULL },
	{ "status suspended", STAFF, { STAFF_OK,
	    "cwEmploymentStatus=suspended" }, 0, false, NULL },
	{ "status leaver", STAFF, { STAFF_OK, "cwemploymentstatus=leaver" }, 0,
	    false, NULL },
	{ "status capitalised", STAFF, { STAFF_OK,
	    "cwEmploymentStatus=Active" }, 0, true,
	    "cwEmploymentStatus: 'Active' is not active, suspended or leaver" },
	{ "status empty", STAFF, { STAFF_OK, "cwEmploymentStatus=" }, 0, true,
	    "cwEmploymentStatus: '' is not" },
	{ "status trailing space", STAFF, { STAFF_OK,
	    "cwEmploymentStatus=active " }, 0, true,
	    "cwEmploymentStatus: 'active ' is not" },
	{ "status two values", STAFF, { STAFF_OK, "cwEmploymentStatus=active",
	    "cwEmploymentStatus=leaver" }, 0, true,
	    "cwEmploymentStatus: more than one value ('active', 'leaver')" },

	/* Staff: clearance. */
	{ "clearance SC", STAFF, { STAFF_OK, "cwClearance=SC" }, 0, false,
	    NULL },
	{ "clearance unknown", STAFF, { STAFF_OK, "cwClearance=Secret" }, 0,
	    true, "cwClearance: 'Secret' is not a clearance level" },
	{ "clearance wrong case", STAFF, { STAFF_OK, "cwClearance=sc" }, 0, true,
	    "cwClearance: 'sc' is not a clearance level" },
	{ "clearance wrong case esc", STAFF, { STAFF_OK, "cwClearance=ESC" }, 0,
	    true, "cwClearance: 'ESC' is not a clearance level" },
	{ "clearance NONE", STAFF, { STAFF_OK, "cwClearance=NONE" }, 0, true,
	    "cwClearance: 'NONE' is not" },
	{ "clearance escape chars", STAFF, { STAFF_OK,
	    "cwClearance=\033[2JDV\n" }, 0, true,
	    "cwClearance: '?[2JDV?' is not a clearance level" },
	{ "clearance two values", STAFF, { STAFF_OK, "cwClearance=SC",
	    "cwClearance=DV" }, 0, true,
	    "cwClearance: more than one value ('SC', 'DV')" },

	/* Staff: every date. */
	{ "leaving date bad", STAFF, { STAFF_OK, "cwLeavingDate=2026-11-22" }, 0,
	    true, "cwLeavingDate: '2026-11-22' is not a GeneralizedTime" },
	{ "identity check bad", STAFF, { STAFF_OK,
	    "cwIdentityCheck=20261122" }, 0, true,
	    "cwIdentityCheck: '20261122' is not a GeneralizedTime" },
	{ "criminal check bad", STAFF, { STAFF_OK,
	    "cwCriminalRecordCheck=yes" }, 0, true,
	    "cwCriminalRecordCheck: 'yes' is not a GeneralizedTime" },
	{ "rtw check bad", STAFF, { STAFF_OK,
	    "cwRightToWorkCheck=20261301000000Z" }, 0, true,
	    "cwRightToWorkCheck: '20261301000000Z' is not a GeneralizedTime" },
	{ "rtw expiry bad", STAFF, { STAFF_OK,
	    "cwRightToWorkExpiry=20260132000000Z" }, 0, true,
	    "cwRightToWorkExpiry: '20260132000000Z' is not a GeneralizedTime" },
	{ "clearance expiry bad", STAFF, { STAFF_OK,
	    "cwClearanceExpiry=20261122235960Z" }, 0, true,
	    "cwClearanceExpiry: '20261122235960Z' is not a GeneralizedTime" },
	{ "training bad", STAFF, { STAFF_OK,
	    "cwTrainingCompleted=20230229000000Z" }, 0, true,
	    "cwTrainingCompleted: '20230229000000Z' is not a GeneralizedTime" },
	{ "date trailing garbage", STAFF, { STAFF_OK,
	    "cwLeavingDate=20261122153000Zx" }, 0, true,
	    "cwLeavingDate: '20261122153000Zx' is not" },
	{ "date two values", STAFF, { STAFF_OK,
	    "cwLeavingDate=20261122153000Z", "cwLeavingDate=20271122153000Z" },
	    0, true, "cwLeavingDate: more than one value ('20261122153000Z', "
	    "'20271122153000Z')" },
	{ "date with offset", STAFF, { STAFF_OK,
	    "cwLeavingDate=20261122153000+0100" }, 0, false, NULL },

	/* Staff: roles. */
	{ "roles", STAFF, { STAFF_OK, "cwRole=ops", "cwRole=dba" }, 0, false,
	    NULL },
	{ "role with slash", STAFF, { STAFF_OK, "cwRole=ops", "cwRole=a/b" }, 0,
	    true, "cwRole: 'a/b' is not a valid role name" },
	{ "role with space", STAFF, { STAFF_OK, "cwRole=db admins" }, 0, true,
	    "cwRole: 'db admins' is not a valid role name" },
	{ "role empty", STAFF, { STAFF_OK, "cwRole=" }, 0, true,
	    "cwRole: '' is not a valid role name" },
	{ "role with @", STAFF, { STAFF_OK, "cwRole=ops@corp" }, 0, true,
	    "cwRole: 'ops@corp' is not" },

	/* First problem wins, in a fixed order. */
	{ "first problem kept", STAFF, { STAFF_OK, "cwRole=a/b",
	    "cwClearance=Secret", "cwEmploymentStatus=gone" }, 0, true,
	    "cwEmploymentStatus: 'gone'" },

	/* Host classes. */
	{ "host minimal", HOST, { HOST_OK }, 0, false, NULL },
	{ "host no cn", HOST, { "ou=hosts" }, -1, false, "cn: missing" },
	{ "host two cns", HOST, { HOST_OK, "cn=Payments DB" }, -1, false,
	    "cn: more than one value" },
	{ "host bad cn", HOST, { "cn=payments db" }, -1, false,
	    "cn: 'payments db' is not a valid host class name" },
	{ "host cn any case", HOST, { "CN=payments-db" }, 0, false, NULL },
	{ "host required bad", HOST, { HOST_OK,
	    "cwRequiredClearance=TopSecret" }, 0, true,
	    "cwRequiredClearance: 'TopSecret' is not a clearance level" },
	{ "host required two", HOST, { HOST_OK, "cwRequiredClearance=SC",
	    "cwRequiredClearance=none" }, 0, true,
	    "cwRequiredClearance: more than one value ('SC', 'none')" },
	{ "host login role bad", HOST, { HOST_OK, "cwLoginRole=ops",
	    "cwLoginRole=ops;rm" }, 0, true,
	    "cwLoginRole: 'ops;rm' is not a valid role name" },
	{ "host admin role bad", HOST, { HOST_OK, "cwAdminRole=../dba" }, 0,
	    true, "cwAdminRole: '../dba' is not a valid role name" },
	{ "host description ignored", HOST, { HOST_OK,
	    "description=any text\tat all" }, 0, false, NULL },

	/* Role definitions. */
	{ "role minimal", ROLE, { ROLE_OK }, 0, false, NULL },
	{ "role no cn", ROLE, { "description=x" }, -1, false, "cn: missing" },
	{ "role bad cn", ROLE, { "cn=d/ba" }, -1, false,
	    "cn: 'd/ba' is not a valid role name" },
	{ "role required bad", ROLE, { ROLE_OK, "cwRequiredClearance=dv" }, 0,
	    true, "cwRequiredClearance: 'dv' is not a clearance level" },
	{ "max elevation 1", ROLE, { ROLE_OK, "cwMaxElevation=1" }, 0, false,
	    NULL },
	{ "max elevation year", ROLE, { ROLE_OK, "cwMaxElevation=31536000" }, 0,
	    false, NULL },
	{ "max elevation over a year", ROLE, { ROLE_OK,
	    "cwMaxElevation=31536001" }, 0, true,
	    "cwMaxElevation: '31536001' is not a number of seconds" },
	{ "max elevation zero", ROLE, { ROLE_OK, "cwMaxElevation=0" }, 0, true,
	    "cwMaxElevation: '0' is not" },
	{ "max elevation negative", ROLE, { ROLE_OK, "cwMaxElevation=-5" }, 0,
	    true, "cwMaxElevation: '-5' is not" },
	{ "max elevation plus", ROLE, { ROLE_OK, "cwMaxElevation=+5" }, 0, true,
	    "cwMaxElevation: '+5' is not" },
	{ "max elevation leading zero", ROLE, { ROLE_OK,
	    "cwMaxElevation=0600" }, 0, true, "cwMaxElevation: '0600' is not" },
	{ "max elevation leading space", ROLE, { ROLE_OK,
	    "cwMaxElevation= 600" }, 0, true, "cwMaxElevation: ' 600' is not" },
	{ "max elevation trailing junk", ROLE, { ROLE_OK,
	    "cwMaxElevation=600s" }, 0, true, "cwMaxElevation: '600s' is not" },
	{ "max elevation empty", ROLE, { ROLE_OK, "cwMaxElevation=" }, 0, true,
	    "cwMaxElevation: '' is not" },
	{ "max elevation hex", ROLE, { ROLE_OK, "cwMaxElevation=0x10" }, 0, true,
	    "cwMaxElevation: '0x10' is not" },
	{ "max elevation overflow", ROLE, { ROLE_OK,
	    "cwMaxElevation=18446744073709551617" }, 0, true,
	    "cwMaxElevation: '18446744073709551617' is not" },
	{ "max elevation two", ROLE, { ROLE_OK, "cwMaxElevation=60",
	    "cwMaxElevation=3600" }, 0, true,
	    "cwMaxElevation: more than one value ('60', '3600')" },
	{ "privileged TRUE", ROLE, { ROLE_OK, "cwPrivileged=TRUE" }, 0, false,
	    NULL },
	{ "privileged FALSE", ROLE, { ROLE_OK, "cwPrivileged=FALSE" }, 0, false,
	    NULL },
	{ "privileged lowercase", ROLE, { ROLE_OK, "cwPrivileged=true" }, 0,
	    true, "cwPrivileged: 'true' is not TRUE or FALSE" },
	{ "privileged yes", ROLE, { ROLE_OK, "cwPrivileged=yes" }, 0, true,
	    "cwPrivileged: 'yes' is not TRUE or FALSE" },
	{ "privileged 1", ROLE, { ROLE_OK, "cwPrivileged=1" }, 0, true,
	    "cwPrivileged: '1' is not" },
	{ "privileged two", ROLE, { ROLE_OK, "cwPrivileged=TRUE",
	    "cwPrivileged=FALSE" }, 0, true,
	    "cwPrivileged: more than one value ('TRUE', 'FALSE')" },
};

/* Runs one builder; returns rc and copies out invalid/why. */
static int
run_builder(enum kind kind, const struct cw_entry *e, bool *invalid,
    char *why, char *err, size_t errlen)
{
	int rc;

	if (kind == STAFF) {
		struct cw_staff s;

		rc = cw_staff_from_entry(e, &s, err, errlen);
		*invalid = s.invalid;
		memcpy(why, s.invalid_why, CW_INVALID_MAX);
		cw_staff_free(&s);
	} else if (kind == HOST) {
		struct cw_host_class h;

		rc = cw_host_class_from_entry(e, &h, err, errlen);
		*invalid = h.invalid;
		memcpy(why, h.invalid_why, CW_INVALID_MAX);
		cw_host_class_free(&h);
	} else {
		struct cw_role_def r;

		rc = cw_role_def_from_entry(e, &r, err, errlen);
		*invalid = r.invalid;
		memcpy(why, r.invalid_why, CW_INVALID_MAX);
		cw_role_def_free(&r);
	}
	return rc;
}

static void
test_record_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(record_cases) / sizeof(record_cases[0]); i++) {
		const struct record_case *c = &record_cases[i];
		struct cw_entry e;
		char err[256] = "", why[CW_INVALID_MAX];
		bool invalid;
		int rc;

		build_entry(&e, c->avas);
		rc = run_builder(c->kind, &e, &invalid, why, err, sizeof(err));
		cw_entry_free(&e);

		if (rc != c->rc)
			fail_msg("%s: rc %d (err '%s')", c->why, rc, err);
		if (rc != 0) {
			if (strstr(err, c->text) == NULL)
				fail_msg("%s: err '%s' lacks '%s'", c->why, err,
				    c->text);
			assert_printable(err);
			/* A refused entry yields no half-built record. */
			if (invalid || why[0] != '\0')
				fail_msg("%s: record not cleared", c->why);
			continue;
		}
		if (invalid != c->invalid)
			fail_msg("%s: invalid %d (why '%s')", c->why, invalid, why);
		if (c->invalid && strstr(why, c->text) == NULL)
			fail_msg("%s: why '%s' lacks '%s'", c->why, why, c->text);
		if (!c->invalid && why[0] != '\0')
			fail_msg("%s: why '%s' on a valid record", c->why, why);
		assert_printable(why);
	}
}

static void
test_staff_fields(void **state)
{
	static const char *const avas[MAX_AVAS] = {
		"uid=alice.smith", "cwEmploymentStatus=active",
		"cwLeavingDate=20261122153000Z",
		"cwIdentityCheck=20200101000000Z",
		"cwCriminalRecordCheck=19700101000000Z",
		"cwRightToWorkCheck=2020010100Z",
		"cwRightToWorkExpiry=20261122153000+0100",
		"cwClearance=eDV", "cwClearanceExpiry=20240229000000Z",
		"cwTrainingCompleted=20000229120000Z",
		"cwRole=ops", "cwRole=dba", "cwrole=payments-db",
	};
	struct cw_entry e;
	struct cw_staff s;
	char err[128];

	(void)state;
	build_entry(&e, avas);
	assert_int_equal(cw_staff_from_entry(&e, &s, err, sizeof(err)), 0);
	cw_entry_free(&e);
	assert_false(s.invalid);
	assert_string_equal(s.uid, "alice.smith");
	assert_int_equal(s.employment, CW_EMPLOYMENT_ACTIVE);
	assert_true(s.leaving.present);
	assert_int_equal(s.leaving.at, 1795361400);
	assert_true(s.identity_check.present);
	assert_int_equal(s.identity_check.at, 1577836800);
	assert_true(s.criminal_record_check.present);
	assert_int_equal(s.criminal_record_check.at, 0);
	assert_true(s.right_to_work_check.present);
	assert_int_equal(s.right_to_work_check.at, 1577836800);
	assert_true(s.right_to_work_expiry.present);
	assert_int_equal(s.right_to_work_expiry.at, 1795357800);
	assert_int_equal(s.clearance, CW_CLEARANCE_EDV);
	assert_true(s.clearance_expiry.present);
	assert_int_equal(s.clearance_expiry.at, 1709164800);
	assert_true(s.training.present);
	assert_int_equal(s.training.at, 951825600);
	assert_int_equal(s.roles.count, 3);
	assert_true(cw_name_list_contains(&s.roles, "ops"));
	assert_true(cw_name_list_contains(&s.roles, "dba"));
	assert_true(cw_name_list_contains(&s.roles, "payments-db"));
	cw_staff_free(&s);
	cw_staff_free(&s);              /* freed records are inert */
}

/* Absent is a real state: no defaults beyond the contract's own. */
static void
test_staff_absent_fields(void **state)
{
	static const char *const avas[MAX_AVAS] = { "uid=bob" };
	struct cw_entry e;
	struct cw_staff s;

	(void)state;
	build_entry(&e, avas);
	assert_int_equal(cw_staff_from_entry(&e, &s, NULL, 0), 0);
	cw_entry_free(&e);
	assert_false(s.invalid);
	assert_int_equal(s.employment, CW_EMPLOYMENT_ABSENT);
	assert_int_equal(s.clearance, CW_CLEARANCE_NONE);
	assert_false(s.leaving.present);
	assert_false(s.identity_check.present);
	assert_false(s.criminal_record_check.present);
	assert_false(s.right_to_work_check.present);
	assert_false(s.right_to_work_expiry.present);
	assert_false(s.clearance_expiry.present);
	assert_false(s.training.present);
	assert_int_equal(s.roles.count, 0);
	cw_staff_free(&s);
}

/* Invalid role names are left out: the list holds only valid names. */
static void
test_staff_invalid_role_dropped(void **state)
{
	static const char *const avas[MAX_AVAS] = { "uid=bob", "cwRole=ops",
	    "cwRole=a b", "cwRole=dba" };
	struct cw_entry e;
	struct cw_staff s;

	(void)state;
	build_entry(&e, avas);
	assert_int_equal(cw_staff_from_entry(&e, &s, NULL, 0), 0);
	cw_entry_free(&e);
	assert_true(s.invalid);
	assert_int_equal(s.roles.count, 2);
	assert_false(cw_name_list_contains(&s.roles, "a b"));
	cw_staff_free(&s);
}

/*
 * An attribute whose values could not all be kept (more than
 * CW_ENTRY_MAX_VALUES of them) makes every kind of record invalid, naming
 * the attribute, rather than leaving a silently shortened but valid one.
 */
static void
test_incomplete_attribute_invalid(void **state)
{
	static const char *const staff[MAX_AVAS] = { "uid=bob", "cwRole=ops",
	    "cwEmploymentStatus=active" };
	static const char *const host[MAX_AVAS] = { "cn=db", "cwLoginRole=ops" };
	static const char *const role[MAX_AVAS] = { "cn=ops" };
	struct cw_entry e;
	struct cw_staff s;
	struct cw_host_class h;
	struct cw_role_def r;
	char name[32];
	size_t i;

	(void)state;
	build_entry(&e, staff);
	for (i = 1; i < CW_ENTRY_MAX_VALUES; i++) {
		snprintf(name, sizeof(name), "r%zu", i);
		assert_int_equal(cw_entry_add_value(&e, "cwRole", name), 0);
	}
	assert_int_equal(cw_entry_add_value(&e, "cwRole", "one-too-many"), -1);
	assert_null(cw_entry_incomplete(&e));
	assert_int_equal(cw_staff_from_entry(&e, &s, NULL, 0), 0);
	assert_false(s.invalid);
	cw_staff_free(&s);
	assert_int_equal(cw_entry_mark_incomplete(&e, "cwRole",
	    "more than 1024 values"), 0);
	assert_non_null(cw_entry_incomplete(&e));
	assert_int_equal(cw_staff_from_entry(&e, &s, NULL, 0), 0);
	assert_true(s.invalid);
	assert_non_null(strstr(s.invalid_why, "cwRole"));
	assert_non_null(strstr(s.invalid_why, "more than 1024 values"));
	cw_staff_free(&s);
	cw_entry_free(&e);

	build_entry(&e, host);
	assert_int_equal(cw_entry_mark_incomplete(&e, "cwLoginRole",
	    "more than 1024 values"), 0);
	assert_int_equal(cw_host_class_from_entry(&e, &h, NULL, 0), 0);
	assert_true(h.invalid);
	assert_non_null(strstr(h.invalid_why, "cwLoginRole"));
	cw_host_class_free(&h);
	cw_entry_free(&e);

	build_entry(&e, role);
	assert_int_equal(cw_entry_mark_incomplete(&e, "cwPrivileged",
	    "a value that cannot be stored"), 0);
	assert_int_equal(cw_role_def_from_entry(&e, &r, NULL, 0), 0);
	assert_true(r.invalid);
	assert_non_null(strstr(r.invalid_why, "cwPrivileged"));
	cw_role_def_free(&r);
	cw_entry_free(&e);
}

static void
test_host_class_fields(void **state)
{
	static const char *const avas[MAX_AVAS] = { "cn=payments-db",
	    "cwRequiredClearance=SC", "cwLoginRole=ops", "cwLoginRole=dev",
	    "cwAdminRole=dba", "description=Payments database" };
	static const char *const bare[MAX_AVAS] = { "cn=lab" };
	struct cw_entry e;
	struct cw_host_class h;

	(void)state;
	build_entry(&e, avas);
	assert_int_equal(cw_host_class_from_entry(&e, &h, NULL, 0), 0);
	cw_entry_free(&e);
	assert_false(h.invalid);
	assert_string_equal(h.name, "payments-db");
	assert_int_equal(h.required, CW_CLEARANCE_SC);
	assert_int_equal(h.login_roles.count, 2);
	assert_true(cw_name_list_contains(&h.login_roles, "ops"));
	assert_true(cw_name_list_contains(&h.login_roles, "dev"));
	assert_int_equal(h.admin_roles.count, 1);
	assert_true(cw_name_list_contains(&h.admin_roles, "dba"));
	cw_host_class_free(&h);

	build_entry(&e, bare);
	assert_int_equal(cw_host_class_from_entry(&e, &h, NULL, 0), 0);
	cw_entry_free(&e);
	assert_int_equal(h.required, CW_CLEARANCE_NONE);
	assert_int_equal(h.login_roles.count, 0);
	assert_int_equal(h.admin_roles.count, 0);
	cw_host_class_free(&h);
}

struct role_field_case {
	const char *avas[MAX_AVAS];
	enum cw_clearance required;
	bool elevatable;
	int64_t max_elevation;
	bool privileged;
};

static const struct role_field_case role_field_cases[] = {
	{ { "cn=dba", "cwRequiredClearance=DV", "cwMaxElevation=3600",
	    "cwPrivileged=TRUE" }, CW_CLEARANCE_DV, true, 3600, true },
	{ { "cn=dba", "cwMaxElevation=1" }, CW_CLEARANCE_NONE, true, 1, false },
	{ { "cn=dba", "cwMaxElevation=31536000", "cwPrivileged=FALSE" },
	    CW_CLEARANCE_NONE, true, 31536000, false },
	{ { "cn=ops" }, CW_CLEARANCE_NONE, false, 0, false },
	{ { "cn=ops", "cwRequiredClearance=BPSS" }, CW_CLEARANCE_BPSS, false, 0,
	    false },
};

static void
test_role_def_fields(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(role_field_cases) / sizeof(role_field_cases[0]);
	    i++) {
		const struct role_field_case *c = &role_field_cases[i];
		struct cw_entry e;
		struct cw_role_def r;

		build_entry(&e, c->avas);
		assert_int_equal(cw_role_def_from_entry(&e, &r, NULL, 0), 0);
		cw_entry_free(&e);
		if (r.invalid || r.required != c->required ||
		    r.elevatable != c->elevatable ||
		    r.max_elevation != c->max_elevation ||
		    r.privileged != c->privileged)
			fail_msg("#%zu: fields differ (%s)", i, r.invalid_why);
		assert_string_equal(r.name, c->avas[0] + 3);
		cw_role_def_free(&r);
	}
}

/* A hostile value is quoted short and printable, within the buffer. */
static void
test_hostile_values_in_messages(void **state)
{
	size_t len = 10 * 1024, i;
	char *big = malloc(len + 1);
	struct cw_entry e;
	struct cw_staff s;
	struct cw_role_def r;
	char err[256];

	(void)state;
	assert_non_null(big);
	for (i = 0; i < len; i++)
		big[i] = (char)(1 + i % 127);   /* every byte but NUL and high */
	big[len] = '\0';

	memset(&e, 0, sizeof(e));
	assert_int_equal(cw_entry_add_value(&e, "uid", "mallory"), 0);
	assert_int_equal(cw_entry_add_value(&e, "cwClearance", big), 0);
	assert_int_equal(cw_staff_from_entry(&e, &s, NULL, 0), 0);
	assert_true(s.invalid);
	assert_non_null(strstr(s.invalid_why, "cwClearance: '"));
	assert_non_null(strstr(s.invalid_why, "...' is not a clearance level"));
	assert_true(strlen(s.invalid_why) < CW_INVALID_MAX);
	assert_printable(s.invalid_why);
	cw_staff_free(&s);
	cw_entry_free(&e);

	/* Two long values of a single-valued attribute still fit. */
	memset(&e, 0, sizeof(e));
	assert_int_equal(cw_entry_add_value(&e, "uid", "mallory"), 0);
	assert_int_equal(cw_entry_add_value(&e, "cwEmploymentStatus", big), 0);
	assert_int_equal(cw_entry_add_value(&e, "cwEmploymentStatus", big), 0);
	assert_int_equal(cw_staff_from_entry(&e, &s, NULL, 0), 0);
	assert_true(s.invalid);
	assert_non_null(strstr(s.invalid_why, "more than one value"));
	assert_printable(s.invalid_why);
	cw_staff_free(&s);
	cw_entry_free(&e);

	/* A 10 KB uid: refused, and err quotes only a prefix. */
	memset(big, 'a', len);
	memset(&e, 0, sizeof(e));
	assert_int_equal(cw_entry_add_value(&e, "uid", big), 0);
	assert_int_equal(cw_staff_from_entry(&e, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "...' is not a valid login name"));
	assert_true(strlen(err) < 128);
	cw_staff_free(&s);
	cw_entry_free(&e);

	/* A 65-byte role name (one over the limit) as a cn. */
	big[CW_NAME_MAX + 1] = '\0';
	memset(&e, 0, sizeof(e));
	assert_int_equal(cw_entry_add_value(&e, "cn", big), 0);
	assert_int_equal(cw_role_def_from_entry(&e, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a valid role name"));
	cw_role_def_free(&r);
	cw_entry_free(&e);
	free(big);
}

static void
test_builders_bad_arguments(void **state)
{
	struct cw_entry e;
	struct cw_staff s;
	struct cw_host_class h;
	struct cw_role_def r;
	char err[64];

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(cw_staff_from_entry(NULL, &s, err, sizeof(err)), -1);
	assert_int_equal(cw_staff_from_entry(&e, NULL, err, sizeof(err)), -1);
	assert_int_equal(cw_host_class_from_entry(NULL, &h, err, sizeof(err)),
	    -1);
	assert_int_equal(cw_host_class_from_entry(&e, NULL, NULL, 0), -1);
	assert_int_equal(cw_role_def_from_entry(NULL, &r, err, sizeof(err)), -1);
	assert_int_equal(cw_role_def_from_entry(&e, NULL, NULL, 0), -1);
	/* An empty entry has no key. */
	assert_int_equal(cw_staff_from_entry(&e, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "uid: missing");
	cw_staff_free(NULL);
	cw_host_class_free(NULL);
	cw_role_def_free(NULL);
}

struct clearance_case {
	const char *s;
	size_t len;
	int rc;
	enum cw_clearance want;
};

#define LIT(s) s, sizeof(s) - 1

static const struct clearance_case clearance_cases[] = {
	{ LIT("none"), 0, CW_CLEARANCE_NONE },
	{ LIT("BPSS"), 0, CW_CLEARANCE_BPSS },
	{ LIT("CTC"), 0, CW_CLEARANCE_CTC },
	{ LIT("SC"), 0, CW_CLEARANCE_SC },
	{ LIT("eSC"), 0, CW_CLEARANCE_ESC },
	{ LIT("DV"), 0, CW_CLEARANCE_DV },
	{ LIT("eDV"), 0, CW_CLEARANCE_EDV },
	{ LIT(""), -1, CW_CLEARANCE_NONE },
	{ LIT("None"), -1, CW_CLEARANCE_NONE },
	{ LIT("bpss"), -1, CW_CLEARANCE_NONE },
	{ LIT("Sc"), -1, CW_CLEARANCE_NONE },
	{ LIT("EDV"), -1, CW_CLEARANCE_NONE },
	{ LIT("DV "), -1, CW_CLEARANCE_NONE },
	{ LIT("DV\0"), -1, CW_CLEARANCE_NONE },
	{ LIT("S"), -1, CW_CLEARANCE_NONE },
	{ LIT("SCX"), -1, CW_CLEARANCE_NONE },
	{ LIT("Secret"), -1, CW_CLEARANCE_NONE },
};

static void
test_clearance_parse_and_name(void **state)
{
	size_t i;
	enum cw_clearance c;

	(void)state;
	for (i = 0; i < sizeof(clearance_cases) / sizeof(clearance_cases[0]);
	    i++) {
		const struct clearance_case *k = &clearance_cases[i];

		c = CW_CLEARANCE_EDV;
		if (cw_clearance_parse(k->s, k->len, &c) != k->rc || c != k->want)
			fail_msg("'%s': rc or value wrong", k->s);
		if (k->rc == 0)
			assert_string_equal(cw_clearance_name(c), k->s);
	}
	/* Ordered lowest first, as the contract lists them. */
	for (i = 0; i < 7; i++) {
		static const char *const order[] = { "none", "BPSS", "CTC",
		    "SC", "eSC", "DV", "eDV" };

		assert_int_equal(cw_clearance_parse(order[i], strlen(order[i]),
		    &c), 0);
		assert_int_equal((size_t)c, i);
	}
	assert_int_equal(cw_clearance_parse("SC", 2, NULL), -1);
	assert_int_equal(cw_clearance_parse(NULL, 2, &c), -1);
	assert_string_equal(cw_clearance_name((enum cw_clearance)99), "unknown");

	assert_string_equal(cw_employment_name(CW_EMPLOYMENT_ABSENT), "absent");
	assert_string_equal(cw_employment_name(CW_EMPLOYMENT_ACTIVE), "active");
	assert_string_equal(cw_employment_name(CW_EMPLOYMENT_SUSPENDED),
	    "suspended");
	assert_string_equal(cw_employment_name(CW_EMPLOYMENT_LEAVER), "leaver");
	assert_string_equal(cw_employment_name((enum cw_employment)99),
	    "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_table),
		cmocka_unit_test(test_staff_fields),
		cmocka_unit_test(test_staff_absent_fields),
		cmocka_unit_test(test_staff_invalid_role_dropped),
		cmocka_unit_test(test_incomplete_attribute_invalid),
		cmocka_unit_test(test_host_class_fields),
		cmocka_unit_test(test_role_def_fields),
		cmocka_unit_test(test_hostile_values_in_messages),
		cmocka_unit_test(test_builders_bad_arguments),
		cmocka_unit_test(test_clearance_parse_and_name),
	};

	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
