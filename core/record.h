/* SPDX-License-Identifier: MIT */
/*
 * record.h - validated policy records: staff, host classes, role definitions.
 *
 * Built only by record.c from a raw cw_entry.  A value outside its allowed
 * set or syntax never becomes a default: it marks the record invalid, and
 * the policy denies with record_invalid.
 */
#ifndef CW_RECORD_H
#define CW_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "entry.h"
#include "names.h"

/* National security vetting levels, lowest first (contract section 1). */
enum cw_clearance {
	CW_CLEARANCE_NONE = 0,
	CW_CLEARANCE_BPSS,
	CW_CLEARANCE_CTC,
	CW_CLEARANCE_SC,
	CW_CLEARANCE_ESC,
	CW_CLEARANCE_DV,
	CW_CLEARANCE_EDV,
};

enum cw_employment {
	CW_EMPLOYMENT_ABSENT = 0,       /* no value: not active, so denied */
	CW_EMPLOYMENT_ACTIVE,
	CW_EMPLOYMENT_SUSPENDED,
	CW_EMPLOYMENT_LEAVER,
};

/* An optional instant: absent is a real state (a check not done). */
struct cw_when {
	bool present;
	int64_t at;             /* seconds since the epoch, UTC */
};

/* Room for naming what was invalid: "cwClearance: bad value 'Secret'". */
#define CW_INVALID_MAX 160

struct cw_staff {
	char uid[CW_USER_MAX + 1];
	bool invalid;
	char invalid_why[CW_INVALID_MAX];

	enum cw_employment employment;
	struct cw_when leaving;
	struct cw_when identity_check;
	struct cw_when criminal_record_check;
	struct cw_when right_to_work_check;
	struct cw_when right_to_work_expiry;
	enum cw_clearance clearance;
	struct cw_when clearance_expiry;
	struct cw_when training;
	struct cw_name_list roles;
};

struct cw_host_class {
	char name[CW_NAME_MAX + 1];
	bool invalid;
	char invalid_why[CW_INVALID_MAX];
	enum cw_clearance required;
	struct cw_name_list login_roles;
	struct cw_name_list admin_roles;
};

struct cw_role_def {
	char name[CW_NAME_MAX + 1];
	bool invalid;
	char invalid_why[CW_INVALID_MAX];
	enum cw_clearance required;
	bool elevatable;        /* cwMaxElevation present */
	int64_t max_elevation;  /* seconds, > 0 when elevatable */
	bool privileged;
};

/*
 * Parses exactly len bytes as a clearance name (exact case, contract
 * section 1).  0 or -1.
 */
int cw_clearance_parse(const char *s, size_t len, enum cw_clearance *out);
const char *cw_clearance_name(enum cw_clearance c);
const char *cw_employment_name(enum cw_employment e);

/*
 * Each builder returns 0 when the entry yields a record (which may still be
 * marked invalid, with the reason in invalid_why), or -1 when the entry
 * cannot be keyed at all (no usable uid or cn); err then says why.
 * The record must be released with the matching _free.
 */
int cw_staff_from_entry(const struct cw_entry *e, struct cw_staff *out,
    char *err, size_t errlen);
int cw_host_class_from_entry(const struct cw_entry *e,
    struct cw_host_class *out, char *err, size_t errlen);
int cw_role_def_from_entry(const struct cw_entry *e, struct cw_role_def *out,
    char *err, size_t errlen);

void cw_staff_free(struct cw_staff *s);
void cw_host_class_free(struct cw_host_class *h);
void cw_role_def_free(struct cw_role_def *r);

#endif
