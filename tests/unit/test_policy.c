/* SPDX-License-Identifier: MIT */
/*
 * test_policy.c - the logon decision (contract section 2), table-driven.
 *
 * Records are built the way the daemon builds them, from raw entries
 * through record.c, so each case reads as the directory data an
 * administrator would write.  A case starts from a baseline that is
 * allowed (an active, checked, trained SC user with a login role on an SC
 * host class) and overrides only what it is about.
 *
 * In a case, "attr=value" replaces every baseline value of attr (several
 * entries for the same attr give several values) and "attr!" removes it.
 * A value "@N" is the instant now + N seconds, as GeneralizedTime.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "gentime.h"
#include "policy.h"

#define NOW INT64_C(1795361400)         /* 2026-11-22 15:30:00Z */
#define DAY 86400
#define YEAR (365 * DAY)

#define MAX_AVAS 24
#define MAX_OVERRIDES 8
#define MAX_ELEVATIONS 3
#define MAX_ROLES 8

/* Flags of a case. */
#define NO_STAFF   0x01u
#define NO_HOST    0x02u
#define REVOKED    0x04u
#define BREAKGLASS 0x08u
#define EXEMPT     0x10u
#define ADMIN      0x20u
#define SUSPENDED  0x40u        /* suspended until an hour from now */
#define SUSP_ENDED 0x80u        /* a suspension that ends exactly now */

static const char *const baseline_staff[] = {
	"uid=alice",
	"cwEmploymentStatus=active",
	"cwIdentityCheck=@-31536000",
	"cwCriminalRecordCheck=@-31536000",
	"cwRightToWorkCheck=@-31536000",
	"cwClearance=SC",
	"cwTrainingCompleted=@-2592000",
	"cwRole=ops",
	NULL
};

static const char *const baseline_host[] = {
	"cn=payments-db",
	"cwRequiredClearance=SC",
	"cwLoginRole=ops",
	"cwLoginRole=oncall",
	"cwLoginRole=vetted",
	"cwLoginRole=legacy",           /* no cwRoleDef: requires nothing */
	"cwLoginRole=broken",
	"cwAdminRole=dba",
	"cwAdminRole=root-admin",
	NULL
};

/* The role definitions in the directory, deliberately not sorted. */
static const char *const role_defs[][5] = {
	{ "cn=oncall", "cwRequiredClearance=SC", "cwMaxElevation=28800" },
	{ "cn=ops", "cwRequiredClearance=none" },
	{ "cn=dba", "cwRequiredClearance=SC", "cwMaxElevation=3600",
	    "cwPrivileged=TRUE" },
	{ "cn=root-admin", "cwRequiredClearance=eDV", "cwMaxElevation=900",
	    "cwPrivileged=TRUE" },
	{ "cn=vetted", "cwRequiredClearance=DV" },
	{ "cn=broken", "cwRequiredClearance=Secret" },  /* invalid def */
};

#define NROLE_DEFS (sizeof(role_defs) / sizeof(role_defs[0]))

struct elev_spec {
	const char *role;
	int64_t start, end;     /* relative to NOW */
};

struct policy_case {
	const char *why;
	const char *staff[MAX_OVERRIDES];
	const char *host[MAX_OVERRIDES];
	unsigned flags;
	struct elev_spec elev[MAX_ELEVATIONS];
	unsigned training_days; /* 0: the default, 365 */
	enum cw_verdict verdict;
	enum cw_reason reason;
};

struct fixture {
	struct cw_staff staff;
	struct cw_host_class host;
	struct cw_role_def roles[MAX_ROLES];
	size_t nroles;
	struct cw_elevation elev[2 * MAX_ELEVATIONS];
	struct cw_policy_input in;
};

static size_t
attr_len(const char *ava)
{
	return strcspn(ava, "=!");
}

static bool
same_attr(const char *a, const char *b)
{
	size_t la = attr_len(a), lb = attr_len(b);

	return la == lb && strncasecmp(a, b, la) == 0;
}

/* Adds "attr=value" to e, expanding "@N" to now + N. */
static void
add_ava(struct cw_entry *e, const char *ava)
{
	char name[64], value[64];
	size_t n = attr_len(ava);
	const char *v;

	assert_true(n < sizeof(name));
	assert_int_equal(ava[n], '=');
	memcpy(name, ava, n);
	name[n] = '\0';
	v = ava + n + 1;
	if (v[0] == '@') {
		assert_int_equal(cw_gentime_format(NOW + strtoll(v + 1, NULL, 10),
		    value), 0);
		v = value;
	}
	if (cw_entry_add_value(e, name, v) != 0)
		fail_msg("cannot add '%s'", ava);
}

/*
 * The baseline with the overrides of every part applied: a baseline
 * attribute named by any override is dropped, then the overrides added.
 */
static void
build_entry(struct cw_entry *e, const char *const *baseline,
    const char *const *const *overrides, size_t nparts)
{
	size_t i, p, k;

	memset(e, 0, sizeof(*e));
	for (i = 0; baseline[i] != NULL; i++) {
		bool overridden = false;

		for (p = 0; p < nparts; p++)
			for (k = 0; k < MAX_OVERRIDES && overrides[p][k]; k++)
				if (same_attr(baseline[i], overrides[p][k]))
					overridden = true;
		if (!overridden)
			add_ava(e, baseline[i]);
	}
	for (p = 0; p < nparts; p++)
		for (k = 0; k < MAX_OVERRIDES && overrides[p][k]; k++)
			if (overrides[p][k][attr_len(overrides[p][k])] == '=')
				add_ava(e, overrides[p][k]);
}

static void
build_role_table(struct fixture *f)
{
	size_t i, j;

	for (i = 0; i < NROLE_DEFS; i++) {
		struct cw_entry e;

		memset(&e, 0, sizeof(e));
		for (j = 0; j < 5 && role_defs[i][j] != NULL; j++)
			add_ava(&e, role_defs[i][j]);
		assert_int_equal(cw_role_def_from_entry(&e, &f->roles[i], NULL,
		    0), 0);
		cw_entry_free(&e);
	}
	f->nroles = NROLE_DEFS;
	cw_role_table_sort(f->roles, f->nroles);
	f->in.roles.defs = f->roles;
	f->in.roles.count = f->nroles;
}

/* Builds the decision input from one or more cases combined. */
static void
build_input(struct fixture *f, const struct policy_case *const *parts,
    size_t nparts)
{
	const char *const *staff_over[4], *const *host_over[4];
	unsigned flags = 0;
	size_t p, k, ne = 0;
	struct cw_entry e;
	char err[128];

	assert_true(nparts <= 4);
	memset(f, 0, sizeof(*f));
	f->in.training_validity_days = CW_TRAINING_VALIDITY_DAYS_DEFAULT;
	for (p = 0; p < nparts; p++) {
		staff_over[p] = parts[p]->staff;
		host_over[p] = parts[p]->host;
		flags |= parts[p]->flags;
		if (parts[p]->training_days != 0)
			f->in.training_validity_days = parts[p]->training_days;
		for (k = 0; k < MAX_ELEVATIONS && parts[p]->elev[k].role; k++) {
			struct cw_elevation *el = &f->elev[ne++];

			snprintf(el->role, sizeof(el->role), "%s",
			    parts[p]->elev[k].role);
			el->start = NOW + parts[p]->elev[k].start;
			el->end = NOW + parts[p]->elev[k].end;
		}
	}

	build_entry(&e, baseline_staff, staff_over, nparts);
	if (cw_staff_from_entry(&e, &f->staff, err, sizeof(err)) != 0)
		fail_msg("staff: %s", err);
	cw_entry_free(&e);
	build_entry(&e, baseline_host, host_over, nparts);
	if (cw_host_class_from_entry(&e, &f->host, err, sizeof(err)) != 0)
		fail_msg("host class: %s", err);
	cw_entry_free(&e);
	build_role_table(f);

	f->in.staff = (flags & NO_STAFF) ? NULL : &f->staff;
	f->in.host_class = (flags & NO_HOST) ? NULL : &f->host;
	f->in.elevations = ne ? f->elev : NULL;
	f->in.nelevations = ne;
	f->in.revoked = (flags & REVOKED) != 0;
	f->in.suspended_until = (flags & SUSPENDED) ? NOW + 3600 :
	    (flags & SUSP_ENDED) ? NOW : 0;
	f->in.breakglass = (flags & BREAKGLASS) != 0;
	f->in.exempt = (flags & EXEMPT) != 0;
	f->in.mode = (flags & ADMIN) ? CW_MODE_ADMIN : CW_MODE_LOGIN;
	f->in.now = NOW;
}

static void
free_input(struct fixture *f)
{
	size_t i;

	cw_staff_free(&f->staff);
	cw_host_class_free(&f->host);
	for (i = 0; i < f->nroles; i++)
		cw_role_def_free(&f->roles[i]);
}

#define ALLOW(r) CW_VERDICT_ALLOW, CW_REASON_##r
#define DENY(r) CW_VERDICT_DENY, CW_REASON_##r
#define IGNORE(r) CW_VERDICT_IGNORE, CW_REASON_##r
#define NO_ELEV { { NULL, 0, 0 } }

static const struct policy_case cases[] = {
	{ "baseline", { NULL }, { NULL }, 0, NO_ELEV, 0, ALLOW(OK) },

	/* Before the table: break-glass and exempt users. */
	{ "breakglass", { NULL }, { NULL }, BREAKGLASS, NO_ELEV, 0,
	    ALLOW(BREAKGLASS) },
	{ "breakglass, unknown user and host class", { NULL }, { NULL },
	    BREAKGLASS | NO_STAFF | NO_HOST, NO_ELEV, 0, ALLOW(BREAKGLASS) },
	{ "breakglass, record invalid and revoked", { "cwClearance=x" },
	    { NULL }, BREAKGLASS | REVOKED, NO_ELEV, 0, ALLOW(BREAKGLASS) },
	{ "breakglass in admin mode", { NULL }, { NULL }, BREAKGLASS | ADMIN,
	    NO_ELEV, 0, ALLOW(BREAKGLASS) },
	{ "exempt", { NULL }, { NULL }, EXEMPT, NO_ELEV, 0, IGNORE(EXEMPT) },
	{ "exempt, unknown user and host class", { NULL }, { NULL },
	    EXEMPT | NO_STAFF | NO_HOST, NO_ELEV, 0, IGNORE(EXEMPT) },
	{ "exempt, leaver", { "cwEmploymentStatus=leaver" }, { NULL }, EXEMPT,
	    NO_ELEV, 0, IGNORE(EXEMPT) },

	/* Rule 1. */
	{ "unknown host class", { NULL }, { NULL }, NO_HOST, NO_ELEV, 0,
	    DENY(UNKNOWN_HOST_CLASS) },
	{ "unknown host class before unknown user", { NULL }, { NULL },
	    NO_HOST | NO_STAFF | REVOKED, NO_ELEV, 0,
	    DENY(UNKNOWN_HOST_CLASS) },

	/* Rule 2. */
	{ "unknown user", { NULL }, { NULL }, NO_STAFF, NO_ELEV, 0,
	    DENY(UNKNOWN_USER) },
	{ "unknown user before revoked", { NULL }, { NULL }, NO_STAFF | REVOKED,
	    NO_ELEV, 0, DENY(UNKNOWN_USER) },
	{ "unknown user before invalid host class", { NULL },
	    { "cwRequiredClearance=x" }, NO_STAFF, NO_ELEV, 0,
	    DENY(UNKNOWN_USER) },

	/* Rule 3. */
	{ "revoked", { NULL }, { NULL }, REVOKED, NO_ELEV, 0,
	    DENY(REVOKED) },
	/* Rule 3b, a project extension: clearwayctl suspend. */
	{ "suspended", { NULL }, { NULL }, SUSPENDED, NO_ELEV, 0,
	    DENY(SUSPENDED) },
	{ "revoked before suspended", { NULL }, { NULL }, REVOKED | SUSPENDED,
	    NO_ELEV, 0, DENY(REVOKED) },
	{ "suspended and invalid reports suspended", { "cwClearance=Secret" },
	    { NULL }, SUSPENDED, NO_ELEV, 0, DENY(SUSPENDED) },
	{ "a suspension ends at its instant", { NULL }, { NULL }, SUSP_ENDED,
	    NO_ELEV, 0, ALLOW(OK) },
	{ "revoked and invalid reports revoked", { "cwClearance=Secret" },
	    { NULL }, REVOKED, NO_ELEV, 0, DENY(REVOKED) },
	{ "revoked and invalid host class", { NULL }, { "cwAdminRole=a/b" },
	    REVOKED, NO_ELEV, 0, DENY(REVOKED) },
	{ "revoked even with an admin elevation", { NULL }, { NULL },
	    REVOKED | ADMIN, { { "dba", -60, 3600 } }, 0, DENY(REVOKED) },

	/* Rule 4: each policy attribute, and the host class. */
	{ "invalid status", { "cwEmploymentStatus=Active" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(RECORD_INVALID) },
	{ "invalid leaving date", { "cwLeavingDate=2026-11-22" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(RECORD_INVALID) },
	{ "invalid identity check", { "cwIdentityCheck=yes" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(RECORD_INVALID) },
	{ "invalid clearance", { "cwClearance=Secret" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(RECORD_INVALID) },
	{ "invalid clearance expiry", { "cwClearanceExpiry=20261301000000Z" },
	    { NULL }, 0, NO_ELEV, 0, DENY(RECORD_INVALID) },
	{ "invalid training date", { "cwTrainingCompleted=20230229000000Z" },
	    { NULL }, 0, NO_ELEV, 0, DENY(RECORD_INVALID) },
	{ "invalid role name", { "cwRole=ops", "cwRole=a b" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(RECORD_INVALID) },
	{ "two clearances", { "cwClearance=SC", "cwClearance=DV" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(RECORD_INVALID) },
	{ "invalid host class", { NULL }, { "cwRequiredClearance=TopSecret" }, 0,
	    NO_ELEV, 0, DENY(RECORD_INVALID) },
	{ "invalid host class login role", { NULL },
	    { "cwLoginRole=ops", "cwLoginRole=a/b" }, 0, NO_ELEV, 0,
	    DENY(RECORD_INVALID) },
	{ "invalid before not active", { "cwEmploymentStatus=leaver",
	    "cwClearance=sc" }, { NULL }, 0, NO_ELEV, 0,
	    DENY(RECORD_INVALID) },
	{ "invalid before admin elevation", { "cwClearance=sc" }, { NULL },
	    ADMIN, { { "dba", -60, 3600 } }, 0, DENY(RECORD_INVALID) },

	/* Rule 5. */
	{ "suspended", { "cwEmploymentStatus=suspended" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(NOT_ACTIVE) },
	{ "leaver", { "cwEmploymentStatus=leaver" }, { NULL }, 0, NO_ELEV,
	    0, DENY(NOT_ACTIVE) },
	{ "no status", { "cwEmploymentStatus!" }, { NULL }, 0, NO_ELEV, 0,
	    DENY(NOT_ACTIVE) },
	{ "leaver with training expired", { "cwEmploymentStatus=leaver",
	    "cwTrainingCompleted!" }, { NULL }, 0, NO_ELEV, 0,
	    DENY(NOT_ACTIVE) },
	{ "leaver who has left", { "cwEmploymentStatus=leaver",
	    "cwLeavingDate=@-86400" }, { NULL }, 0, NO_ELEV, 0,
	    DENY(NOT_ACTIVE) },

	/* Rule 6: from the leaving instant on. */
	{ "leaving date now", { "cwLeavingDate=@0" }, { NULL }, 0, NO_ELEV,
	    0, DENY(LEFT) },
	{ "leaving date a second ago", { "cwLeavingDate=@-1" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(LEFT) },
	{ "leaving date in a second", { "cwLeavingDate=@1" }, { NULL }, 0,
	    NO_ELEV, 0, ALLOW(OK) },
	{ "left before checks", { "cwLeavingDate=@-1",
	    "cwIdentityCheck!" }, { NULL }, 0, NO_ELEV, 0, DENY(LEFT) },
	{ "left, in admin mode", { "cwLeavingDate=@0" }, { NULL }, ADMIN,
	    { { "dba", -60, 3600 } }, 0, DENY(LEFT) },

	/* Rule 7: each check. */
	{ "no identity check", { "cwIdentityCheck!" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(CHECKS_INCOMPLETE) },
	{ "no criminal record check", { "cwCriminalRecordCheck!" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(CHECKS_INCOMPLETE) },
	{ "no right to work check", { "cwRightToWorkCheck!" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(CHECKS_INCOMPLETE) },
	{ "checks before right to work", { "cwRightToWorkCheck!",
	    "cwRightToWorkExpiry=@-1" }, { NULL }, 0, NO_ELEV, 0,
	    DENY(CHECKS_INCOMPLETE) },

	/* Rule 8. */
	{ "right to work ends now", { "cwRightToWorkExpiry=@0" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(RIGHT_TO_WORK_EXPIRED) },
	{ "right to work ended", { "cwRightToWorkExpiry=@-1" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(RIGHT_TO_WORK_EXPIRED) },
	{ "right to work ends in a second", { "cwRightToWorkExpiry=@1" },
	    { NULL }, 0, NO_ELEV, 0, ALLOW(OK) },
	{ "right to work before clearance", { "cwRightToWorkExpiry=@0",
	    "cwClearance=BPSS" }, { NULL }, 0, NO_ELEV, 0,
	    DENY(RIGHT_TO_WORK_EXPIRED) },

	/* Rule 9 (the full matrix is its own test). */
	{ "clearance below host class", { "cwClearance=CTC" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(CLEARANCE_INSUFFICIENT) },
	{ "no clearance is none", { "cwClearance!" }, { NULL }, 0, NO_ELEV,
	    0, DENY(CLEARANCE_INSUFFICIENT) },
	{ "insufficient before expired", { "cwClearance=BPSS",
	    "cwClearanceExpiry=@-1" }, { NULL }, 0, NO_ELEV, 0,
	    DENY(CLEARANCE_INSUFFICIENT) },
	{ "insufficient, in admin mode", { "cwClearance=BPSS" }, { NULL },
	    ADMIN, { { "dba", -60, 3600 } }, 0, DENY(CLEARANCE_INSUFFICIENT) },

	/* Rule 10. */
	{ "clearance expires now", { "cwClearanceExpiry=@0" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(CLEARANCE_EXPIRED) },
	{ "clearance expired", { "cwClearanceExpiry=@-1" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(CLEARANCE_EXPIRED) },
	{ "clearance expires in a second", { "cwClearanceExpiry=@1" }, { NULL },
	    0, NO_ELEV, 0, ALLOW(OK) },
	{ "clearance expired before training", { "cwClearanceExpiry=@0",
	    "cwTrainingCompleted!" }, { NULL }, 0, NO_ELEV, 0,
	    DENY(CLEARANCE_EXPIRED) },

	/* Rule 11: now >= training + days * 86400 is expired. */
	{ "no training", { "cwTrainingCompleted!" }, { NULL }, 0, NO_ELEV,
	    0, DENY(TRAINING_EXPIRED) },
	{ "training exactly 365 days ago", { "cwTrainingCompleted=@-31536000" },
	    { NULL }, 0, NO_ELEV, 0, DENY(TRAINING_EXPIRED) },
	{ "training 365 days less a second ago",
	    { "cwTrainingCompleted=@-31535999" }, { NULL }, 0, NO_ELEV, 0,
	    ALLOW(OK) },
	{ "training 30 days ago, valid 30", { "cwTrainingCompleted=@-2592000" },
	    { NULL }, 0, NO_ELEV, 30, DENY(TRAINING_EXPIRED) },
	{ "training 30 days less a second ago, valid 30",
	    { "cwTrainingCompleted=@-2591999" }, { NULL }, 0, NO_ELEV, 30,
	    ALLOW(OK) },
	{ "training 100 days ago, valid 90", { "cwTrainingCompleted=@-8640000" },
	    { NULL }, 0, NO_ELEV, 90, DENY(TRAINING_EXPIRED) },
	{ "training 400 days ago, valid 730", { "cwTrainingCompleted=@-34560000" },
	    { NULL }, 0, NO_ELEV, 730, ALLOW(OK) },
	{ "training in the future", { "cwTrainingCompleted=@86400" }, { NULL },
	    0, NO_ELEV, 0, ALLOW(OK) },
	{ "training before roles", { "cwTrainingCompleted!", "cwRole!" },
	    { NULL }, 0, NO_ELEV, 0, DENY(TRAINING_EXPIRED) },
	{ "training before elevation", { "cwTrainingCompleted!" }, { NULL },
	    ADMIN, NO_ELEV, 0, DENY(TRAINING_EXPIRED) },

	/* Rule 12a: admin mode needs an elevation to an admin role. */
	{ "admin without elevation", { NULL }, { NULL }, ADMIN, NO_ELEV, 0,
	    DENY(ELEVATION_REQUIRED) },
	{ "admin with a standing admin role only", { "cwRole=dba" }, { NULL },
	    ADMIN, NO_ELEV, 0, DENY(ELEVATION_REQUIRED) },
	{ "admin elevated", { NULL }, { NULL }, ADMIN, { { "dba", -60, 3600 } },
	    0, ALLOW(OK_ELEVATED) },
	{ "admin elevation starts now", { NULL }, { NULL }, ADMIN,
	    { { "dba", 0, 3600 } }, 0, ALLOW(OK_ELEVATED) },
	{ "admin elevation starts in a second", { NULL }, { NULL }, ADMIN,
	    { { "dba", 1, 3600 } }, 0, DENY(ELEVATION_REQUIRED) },
	{ "admin elevation ends now", { NULL }, { NULL }, ADMIN,
	    { { "dba", -3600, 0 } }, 0, DENY(ELEVATION_REQUIRED) },
	{ "admin elevation ends in a second", { NULL }, { NULL }, ADMIN,
	    { { "dba", -3600, 1 } }, 0, ALLOW(OK_ELEVATED) },
	{ "admin elevation to a login role", { NULL }, { NULL }, ADMIN,
	    { { "oncall", -60, 3600 } }, 0, DENY(ELEVATION_REQUIRED) },
	{ "admin elevation to a role not on the host", { NULL }, { NULL },
	    ADMIN, { { "web-admin", -60, 3600 } }, 0, DENY(ELEVATION_REQUIRED) },
	{ "admin elevation beyond clearance", { NULL }, { NULL }, ADMIN,
	    { { "root-admin", -60, 3600 } }, 0, DENY(ELEVATION_REQUIRED) },
	{ "admin elevation within clearance", { "cwClearance=eDV" }, { NULL },
	    ADMIN, { { "root-admin", -60, 3600 } }, 0, ALLOW(OK_ELEVATED) },
	{ "admin: one of several elevations counts", { NULL }, { NULL }, ADMIN,
	    { { "dba", -7200, -3600 }, { "oncall", -60, 60 },
	    { "dba", -60, 60 } }, 0, ALLOW(OK_ELEVATED) },
	{ "admin: none of several elevations counts", { NULL }, { NULL }, ADMIN,
	    { { "dba", -7200, -3600 }, { "oncall", -60, 60 },
	    { "root-admin", -60, 60 } }, 0, DENY(ELEVATION_REQUIRED) },
	{ "admin, host class without admin roles", { NULL },
	    { "cwAdminRole!" }, ADMIN, { { "dba", -60, 3600 } }, 0,
	    DENY(ELEVATION_REQUIRED) },

	/* Rule 12b: login mode needs a usable login role. */
	{ "no roles", { "cwRole!" }, { NULL }, 0, NO_ELEV, 0,
	    DENY(NO_ROLE) },
	{ "role not allowed here", { "cwRole=web" }, { NULL }, 0, NO_ELEV,
	    0, DENY(NO_ROLE) },
	{ "admin role is not a login role", { "cwRole=dba" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(NO_ROLE) },
	{ "role needs DV, user has SC", { "cwRole=vetted" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(NO_ROLE) },
	{ "role needs DV, user has DV", { "cwRole=vetted", "cwClearance=DV" },
	    { NULL }, 0, NO_ELEV, 0, ALLOW(OK) },
	{ "role needs DV, user has eDV", { "cwRole=vetted", "cwClearance=eDV" },
	    { NULL }, 0, NO_ELEV, 0, ALLOW(OK) },
	{ "role without a definition needs nothing", { "cwRole=legacy",
	    "cwClearance=none" }, { "cwRequiredClearance=none" }, 0,
	    NO_ELEV, 0, ALLOW(OK) },
	{ "role with an invalid definition grants nothing", { "cwRole=broken" },
	    { NULL }, 0, NO_ELEV, 0, DENY(NO_ROLE) },
	{ "one usable role among others", { "cwRole=web", "cwRole=vetted",
	    "cwRole=ops" }, { NULL }, 0, NO_ELEV, 0, ALLOW(OK) },
	{ "host class without login roles", { NULL }, { "cwLoginRole!" }, 0,
	    NO_ELEV, 0, DENY(NO_ROLE) },
	{ "role names are exact", { "cwRole=OPS" }, { NULL }, 0, NO_ELEV,
	    0, DENY(NO_ROLE) },

	/* Login via an elevation. */
	{ "login by elevation", { "cwRole!" }, { NULL }, 0,
	    { { "oncall", -60, 3600 } }, 0, ALLOW(OK_ELEVATED) },
	{ "login by elevation starting now", { "cwRole!" }, { NULL }, 0,
	    { { "oncall", 0, 3600 } }, 0, ALLOW(OK_ELEVATED) },
	{ "login by elevation ending now", { "cwRole!" }, { NULL }, 0,
	    { { "oncall", -3600, 0 } }, 0, DENY(NO_ROLE) },
	{ "login by elevation ending in a second", { "cwRole!" }, { NULL }, 0,
	    { { "oncall", -3600, 1 } }, 0, ALLOW(OK_ELEVATED) },
	{ "login by elevation not yet started", { "cwRole!" }, { NULL }, 0,
	    { { "oncall", 1, 3600 } }, 0, DENY(NO_ROLE) },
	{ "login by elevation to an admin role", { "cwRole!" }, { NULL }, 0,
	    { { "dba", -60, 3600 } }, 0, DENY(NO_ROLE) },
	{ "login by elevation beyond clearance", { "cwRole!" }, { NULL }, 0,
	    { { "vetted", -60, 3600 } }, 0, DENY(NO_ROLE) },
	{ "standing role: elevation made no difference", { NULL }, { NULL }, 0,
	    { { "oncall", -60, 3600 } }, 0, ALLOW(OK) },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void
check_decision(const char *why, const struct cw_policy_input *in,
    enum cw_verdict verdict, enum cw_reason reason)
{
	struct cw_decision d = cw_decide(in);

	if (d.verdict != verdict || d.reason != reason)
		fail_msg("%s: got %s/%s, want %s/%s", why,
		    cw_verdict_name(d.verdict), cw_reason_name(d.reason),
		    cw_verdict_name(verdict), cw_reason_name(reason));
	/* Pure: the same input decides the same way again. */
	d = cw_decide(in);
	if (d.verdict != verdict || d.reason != reason)
		fail_msg("%s: second call differs", why);
}

/*
 * cw_decide_stable_until: the answer is the same at every instant from
 * now to the bound it gives (the answer table serves it that long).
 * Checked by deciding again at instants found without the function's own
 * list: every second of the first two hours, then 1% steps out to
 * decades, and the last second before the bound.
 */
static void
check_stable(const char *why, struct cw_policy_input *in)
{
	struct cw_decision d0 = cw_decide(in), d;
	int64_t until = cw_decide_stable_until(in), now = in->now, t, step;

	if (until <= now)
		fail_msg("%s: stable until %lld, not after now", why,
		    (long long)until);
	for (t = now; t < until && t - now < 40 * YEAR; t += step) {
		step = t - now < 7200 ? 1 : (t - now) / 100;
		in->now = t;
		d = cw_decide(in);
		if (d.verdict != d0.verdict || d.reason != d0.reason)
			fail_msg("%s: %s/%s at +%lds, before the bound +%llds",
			    why, cw_reason_name(d0.reason),
			    cw_reason_name(d.reason), (long)(t - now),
			    (long long)(until - now));
	}
	if (until != INT64_MAX) {
		in->now = until - 1;
		d = cw_decide(in);
		if (d.verdict != d0.verdict || d.reason != d0.reason)
			fail_msg("%s: differs just before the bound", why);
	}
	in->now = now;
}

/* Every case decides as the table says, and holds until its bound. */
static void
test_decide_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		const struct policy_case *c = &cases[i];
		struct fixture f;

		build_input(&f, &c, 1);
		check_decision(c->why, &f.in, c->verdict, c->reason);
		check_stable(c->why, &f.in);
		free_input(&f);
	}
}

/* Each instant the rules compare ends the answer, if it is ahead. */
static void
test_stable_until_instants(void **state)
{
	static const struct policy_case lapse = { "lapses in an hour",
	    { "cwTrainingCompleted=@-31532400", "cwLeavingDate=@7200",
	    "cwClearanceExpiry=@10800", "cwRightToWorkExpiry=@14400" },
	    { NULL }, 0, { { "oncall", 600, 1200 } }, 0, ALLOW(OK) };
	const struct policy_case *c = &lapse;
	struct fixture f;

	(void)state;
	build_input(&f, &c, 1);
	assert_int_equal(cw_decide_stable_until(&f.in), NOW + 600);
	f.in.nelevations = 0;
	assert_int_equal(cw_decide_stable_until(&f.in), NOW + 3600);
	f.in.suspended_until = NOW + 60;
	assert_int_equal(cw_decide_stable_until(&f.in), NOW + 60);
	f.in.staff = NULL;
	f.in.suspended_until = 0;
	assert_int_equal(cw_decide_stable_until(&f.in), INT64_MAX);
	free_input(&f);
}

/*
 * Old data (issue 14): past offline_grace every case that allows, but
 * break-glass, becomes policy_unavailable, and every other answer (each
 * deny, revoked above all, and exempt) stays what it was; older than
 * admin_max_staleness does the same to admin mode alone.
 */
static void
test_stale_data(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		const struct policy_case *c = &cases[i];
		bool admin = (c->flags & ADMIN) != 0;

		for (k = 0; k < 2; k++) {
			struct fixture f;
			bool stale = k == 0 || admin;
			bool blocked = stale && c->verdict == CW_VERDICT_ALLOW &&
			    c->reason != CW_REASON_BREAKGLASS;

			build_input(&f, &c, 1);
			f.in.offline_expired = k == 0;
			f.in.admin_stale = k == 1;
			check_decision(c->why, &f.in, blocked ?
			    CW_VERDICT_UNAVAILABLE : c->verdict, blocked ?
			    CW_REASON_POLICY_UNAVAILABLE : c->reason);
			free_input(&f);
		}
	}
}

/* Every reason cw_decide can give appears in the table above. */
static void
test_table_covers_every_reason(void **state)
{
	bool seen[CW_REASON_COUNT] = { false };
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < NCASES; i++)
		seen[cases[i].reason] = true;
	/* policy_unavailable is the PAM module's, never cw_decide's. */
	for (r = CW_REASON_BREAKGLASS; r < CW_REASON_COUNT; r++)
		if (!seen[r])
			fail_msg("no case for %s", cw_reason_name(r));
}

/*
 * One trigger per rule, each of which alone decides with its reason.
 * Any two together must decide with the earlier rule's reason: this is
 * the contract's precedence, checked for every pair, not just a sample.
 */
struct trigger {
	int rank;
	struct policy_case c;
};

static const struct trigger triggers[] = {
	{ 0, { "breakglass", { NULL }, { NULL }, BREAKGLASS, NO_ELEV, 0,
	    ALLOW(BREAKGLASS) } },
	{ 1, { "unknown host class", { NULL }, { NULL }, NO_HOST, NO_ELEV,
	    0, DENY(UNKNOWN_HOST_CLASS) } },
	{ 2, { "unknown user", { NULL }, { NULL }, NO_STAFF, NO_ELEV, 0,
	    DENY(UNKNOWN_USER) } },
	{ 3, { "revoked", { NULL }, { NULL }, REVOKED, NO_ELEV, 0,
	    DENY(REVOKED) } },
	{ 4, { "suspended", { NULL }, { NULL }, SUSPENDED, NO_ELEV, 0,
	    DENY(SUSPENDED) } },
	{ 5, { "invalid host class", { NULL }, { "cwAdminRole=a/b" }, 0,
	    NO_ELEV, 0, DENY(RECORD_INVALID) } },
	{ 5, { "invalid staff", { "cwRole=a/b" }, { NULL }, 0, NO_ELEV, 0,
	    DENY(RECORD_INVALID) } },
	{ 6, { "leaver", { "cwEmploymentStatus=leaver" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(NOT_ACTIVE) } },
	{ 7, { "left", { "cwLeavingDate=@0" }, { NULL }, 0, NO_ELEV, 0,
	    DENY(LEFT) } },
	{ 8, { "checks", { "cwCriminalRecordCheck!" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(CHECKS_INCOMPLETE) } },
	{ 9, { "right to work", { "cwRightToWorkExpiry=@0" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(RIGHT_TO_WORK_EXPIRED) } },
	{ 10, { "clearance", { NULL }, { "cwRequiredClearance=DV" }, 0,
	    NO_ELEV, 0, DENY(CLEARANCE_INSUFFICIENT) } },
	{ 11, { "clearance expiry", { "cwClearanceExpiry=@0" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(CLEARANCE_EXPIRED) } },
	{ 12, { "training", { "cwTrainingCompleted=@-31536000" }, { NULL }, 0,
	    NO_ELEV, 0, DENY(TRAINING_EXPIRED) } },
	{ 13, { "no role", { "cwRole=web" }, { NULL }, 0, NO_ELEV, 0,
	    DENY(NO_ROLE) } },
	{ 13, { "elevation required", { NULL }, { NULL }, ADMIN, NO_ELEV,
	    0, DENY(ELEVATION_REQUIRED) } },
};

#define NTRIGGERS (sizeof(triggers) / sizeof(triggers[0]))

static void
test_precedence_every_pair(void **state)
{
	size_t i, j;
	char why[160];

	(void)state;
	for (i = 0; i < NTRIGGERS; i++) {
		const struct policy_case *one = &triggers[i].c;
		struct fixture f;

		build_input(&f, &one, 1);
		check_decision(one->why, &f.in, one->verdict, one->reason);
		free_input(&f);
	}
	for (i = 0; i < NTRIGGERS; i++) {
		for (j = i + 1; j < NTRIGGERS; j++) {
			const struct policy_case *pair[2] = { &triggers[i].c,
			    &triggers[j].c };
			const struct policy_case *want = &triggers[i].c;
			struct fixture f;

			/* Same rank: the rules do not compete (mode decides). */
			if (triggers[i].rank == triggers[j].rank)
				continue;
			if (triggers[j].rank < triggers[i].rank)
				want = &triggers[j].c;
			snprintf(why, sizeof(why), "%s + %s", pair[0]->why,
			    pair[1]->why);
			build_input(&f, pair, 2);
			check_decision(why, &f.in, want->verdict, want->reason);
			free_input(&f);
		}
	}
}

/* Exempt competes with everything after it, as break-glass does. */
static void
test_exempt_before_every_rule(void **state)
{
	static const struct policy_case exempt = { "exempt", { NULL },
	    { NULL }, EXEMPT, NO_ELEV, 0, IGNORE(EXEMPT) };
	size_t i;
	char why[160];

	(void)state;
	for (i = 1; i < NTRIGGERS; i++) {
		const struct policy_case *pair[2] = { &exempt, &triggers[i].c };
		struct fixture f;

		snprintf(why, sizeof(why), "exempt + %s", triggers[i].c.why);
		build_input(&f, pair, 2);
		check_decision(why, &f.in, CW_VERDICT_IGNORE, CW_REASON_EXEMPT);
		free_input(&f);
	}
}

/* 7 x 7: deny exactly when the user's clearance is below the host's. */
static void
test_clearance_matrix(void **state)
{
	static const char *const levels[] = { "none", "BPSS", "CTC", "SC",
	    "eSC", "DV", "eDV" };
	char staff_ava[64], host_ava[64], why[96];
	size_t u, h;

	(void)state;
	for (u = 0; u < 7; u++) {
		for (h = 0; h < 7; h++) {
			struct policy_case c = { why, { staff_ava }, { host_ava },
			    0, NO_ELEV, 0, ALLOW(OK) };
			const struct policy_case *pc = &c;
			struct fixture f;

			snprintf(staff_ava, sizeof(staff_ava), "cwClearance=%s",
			    levels[u]);
			snprintf(host_ava, sizeof(host_ava),
			    "cwRequiredClearance=%s", levels[h]);
			snprintf(why, sizeof(why), "user %s, host %s", levels[u],
			    levels[h]);
			if (u < h) {
				c.verdict = CW_VERDICT_DENY;
				c.reason = CW_REASON_CLEARANCE_INSUFFICIENT;
			}
			build_input(&f, &pc, 1);
			check_decision(why, &f.in, c.verdict, c.reason);
			free_input(&f);
		}
	}
}

/* The same matrix for a role's own required clearance (rule 12b). */
static void
test_role_clearance_matrix(void **state)
{
	static const char *const levels[] = { "none", "BPSS", "CTC", "SC",
	    "eSC", "DV", "eDV" };
	size_t u, r;

	(void)state;
	for (u = 0; u < 7; u++) {
		for (r = 0; r < 7; r++) {
			struct cw_role_def def;
			struct cw_staff staff;
			struct cw_host_class host;
			struct cw_policy_input in;
			char *roles[] = { "ops" };
			char why[64];

			memset(&def, 0, sizeof(def));
			memset(&staff, 0, sizeof(staff));
			memset(&host, 0, sizeof(host));
			memset(&in, 0, sizeof(in));
			snprintf(def.name, sizeof(def.name), "ops");
			def.required = (enum cw_clearance)r;
			snprintf(staff.uid, sizeof(staff.uid), "alice");
			staff.employment = CW_EMPLOYMENT_ACTIVE;
			staff.identity_check.present = true;
			staff.criminal_record_check.present = true;
			staff.right_to_work_check.present = true;
			staff.training.present = true;
			staff.training.at = NOW - DAY;
			staff.clearance = (enum cw_clearance)u;
			staff.roles.names = roles;
			staff.roles.count = 1;
			snprintf(host.name, sizeof(host.name), "lab");
			host.login_roles.names = roles;
			host.login_roles.count = 1;
			in.staff = &staff;
			in.host_class = &host;
			in.roles.defs = &def;
			in.roles.count = 1;
			in.now = NOW;
			in.training_validity_days = 365;
			snprintf(why, sizeof(why), "user %s, role %s", levels[u],
			    levels[r]);
			if (u < r)
				check_decision(why, &in, DENY(NO_ROLE));
			else
				check_decision(why, &in, ALLOW(OK));
		}
	}
}

/* Extreme instants: no overflow, and nothing far-future ever allows. */
static void
test_extreme_instants(void **state)
{
	struct fixture f;
	const struct policy_case *base = &cases[0];

	(void)state;
	build_input(&f, &base, 1);
	f.staff.training.at = INT64_MAX - 10;
	check_decision("training at the end of time", &f.in, ALLOW(OK));
	f.staff.training.at = INT64_MIN;
	check_decision("training at the start of time", &f.in,
	    DENY(TRAINING_EXPIRED));
	f.staff.training.at = NOW - DAY;
	f.in.training_validity_days = UINT32_MAX;
	check_decision("training valid forever", &f.in, ALLOW(OK));
	f.in.training_validity_days = 365;
	f.staff.leaving.present = true;
	f.staff.leaving.at = INT64_MIN;
	check_decision("left at the start of time", &f.in, DENY(LEFT));
	f.staff.leaving.at = INT64_MAX;
	check_decision("leaving at the end of time", &f.in, ALLOW(OK));
	f.in.now = INT64_MAX;
	check_decision("now at the end of time", &f.in, DENY(LEFT));
	free_input(&f);
}

/* The contract's names, and "suspended" (a project extension, rule 3b). */
static const char *const contract_reason_names[CW_REASON_COUNT] = {
	"policy_unavailable", "breakglass", "exempt", "unknown_host_class",
	"unknown_user", "revoked", "suspended", "record_invalid", "not_active",
	"left",
	"checks_incomplete", "right_to_work_expired", "clearance_insufficient",
	"clearance_expired", "training_expired", "elevation_required",
	"no_role", "ok", "ok_elevated",
};

static void
test_reason_names_round_trip(void **state)
{
	enum cw_reason r, back;
	int i;

	(void)state;
	for (i = 0; i < CW_REASON_COUNT; i++) {
		r = (enum cw_reason)i;
		assert_string_equal(cw_reason_name(r), contract_reason_names[i]);
		back = CW_REASON_COUNT;
		assert_int_equal(cw_reason_parse(cw_reason_name(r), &back), 0);
		assert_int_equal(back, r);
	}
	assert_int_equal(cw_reason_parse("", &back), -1);
	assert_int_equal(cw_reason_parse("OK", &back), -1);
	assert_int_equal(cw_reason_parse("ok ", &back), -1);
	assert_int_equal(cw_reason_parse("revoke", &back), -1);
	assert_int_equal(cw_reason_parse(NULL, &back), -1);
	assert_non_null(cw_reason_name(CW_REASON_COUNT));
}

static void
test_verdict_and_mode_names(void **state)
{
	static const char *const verdicts[] = { "deny", "allow", "ignore",
	    "unavailable" };
	enum cw_verdict v;
	enum cw_mode m;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_string_equal(cw_verdict_name((enum cw_verdict)i),
		    verdicts[i]);
		assert_int_equal(cw_verdict_parse(verdicts[i], &v), 0);
		assert_int_equal(v, i);
	}
	assert_int_equal(cw_verdict_parse("Allow", &v), -1);
	assert_non_null(cw_verdict_name((enum cw_verdict)99));

	assert_string_equal(cw_mode_name(CW_MODE_LOGIN), "login");
	assert_string_equal(cw_mode_name(CW_MODE_ADMIN), "admin");
	assert_int_equal(cw_mode_parse("admin", &m), 0);
	assert_int_equal(m, CW_MODE_ADMIN);
	assert_int_equal(cw_mode_parse("login", &m), 0);
	assert_int_equal(m, CW_MODE_LOGIN);
	assert_int_equal(cw_mode_parse("sudo", &m), -1);
	assert_int_equal(cw_mode_parse("ADMIN", &m), -1);
	assert_non_null(cw_mode_name((enum cw_mode)99));
}

static void
test_role_table(void **state)
{
	struct fixture f;
	const struct policy_case *base = &cases[0];
	const struct cw_role_def *d;
	size_t i;
	char name[CW_NAME_MAX + 10];

	(void)state;
	build_input(&f, &base, 1);
	for (i = 1; i < f.nroles; i++)
		assert_true(strcmp(f.roles[i - 1].name, f.roles[i].name) < 0);
	for (i = 0; i < NROLE_DEFS; i++) {
		d = cw_role_table_find(&f.in.roles, role_defs[i][0] + 3);
		assert_non_null(d);
		assert_string_equal(d->name, role_defs[i][0] + 3);
	}
	d = cw_role_table_find(&f.in.roles, "dba");
	assert_non_null(d);
	assert_true(d->elevatable);
	assert_int_equal(d->max_elevation, 3600);
	assert_true(d->privileged);
	assert_null(cw_role_table_find(&f.in.roles, "legacy"));
	assert_null(cw_role_table_find(&f.in.roles, "DBA"));
	assert_null(cw_role_table_find(&f.in.roles, ""));
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_null(cw_role_table_find(&f.in.roles, name));
	f.in.roles.count = 0;
	assert_null(cw_role_table_find(&f.in.roles, "dba"));
	free_input(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_table),
		cmocka_unit_test(test_stale_data),
		cmocka_unit_test(test_table_covers_every_reason),
		cmocka_unit_test(test_precedence_every_pair),
		cmocka_unit_test(test_exempt_before_every_rule),
		cmocka_unit_test(test_clearance_matrix),
		cmocka_unit_test(test_role_clearance_matrix),
		cmocka_unit_test(test_extreme_instants),
		cmocka_unit_test(test_reason_names_round_trip),
		cmocka_unit_test(test_verdict_and_mode_names),
		cmocka_unit_test(test_role_table),
		cmocka_unit_test(test_stable_until_instants),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
