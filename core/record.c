/* SPDX-License-Identifier: MIT */
/*
 * record.c - the one place raw directory values become policy records.
 *
 * The rule throughout: a value outside its allowed set or syntax never
 * turns into a default.  It marks the record invalid, with the attribute
 * and the offending value in invalid_why, and the policy then denies with
 * record_invalid.  Only an entry that cannot even be keyed (no usable uid
 * or cn) is refused outright, because there is nobody to attach it to.
 *
 * Attribute names match case-insensitively (cw_entry_attr); attributes the
 * policy does not use are ignored.  Values are matched exactly: LDAP's
 * own matching rules for these attributes are the schema's business, and
 * an exact match can only refuse more, never allow more.
 */
#include "record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gentime.h"
#include "text.h"

#define ATTR_UID "uid"
#define ATTR_CN "cn"
#define ATTR_STATUS "cwEmploymentStatus"
#define ATTR_LEAVING "cwLeavingDate"
#define ATTR_IDENTITY "cwIdentityCheck"
#define ATTR_CRIMINAL "cwCriminalRecordCheck"
#define ATTR_RTW_CHECK "cwRightToWorkCheck"
#define ATTR_RTW_EXPIRY "cwRightToWorkExpiry"
#define ATTR_CLEARANCE "cwClearance"
#define ATTR_CLEARANCE_EXPIRY "cwClearanceExpiry"
#define ATTR_TRAINING "cwTrainingCompleted"
#define ATTR_ROLE "cwRole"
#define ATTR_REQUIRED "cwRequiredClearance"
#define ATTR_LOGIN_ROLE "cwLoginRole"
#define ATTR_ADMIN_ROLE "cwAdminRole"
#define ATTR_MAX_ELEVATION "cwMaxElevation"
#define ATTR_PRIVILEGED "cwPrivileged"

/* One year: the longest time-bound grant a role definition may allow. */
#define MAX_ELEVATION_LIMIT 31536000

/* Room for a quoted value in a message: 36 bytes, "..." and NUL. */
#define SHOWN_MAX 40

static const char *const clearance_names[] = {
	[CW_CLEARANCE_NONE] = "none",
	[CW_CLEARANCE_BPSS] = "BPSS",
	[CW_CLEARANCE_CTC] = "CTC",
	[CW_CLEARANCE_SC] = "SC",
	[CW_CLEARANCE_ESC] = "eSC",
	[CW_CLEARANCE_DV] = "DV",
	[CW_CLEARANCE_EDV] = "eDV",
};

#define NCLEARANCES (sizeof(clearance_names) / sizeof(clearance_names[0]))

static const char *const employment_names[] = {
	[CW_EMPLOYMENT_ABSENT] = "absent",
	[CW_EMPLOYMENT_ACTIVE] = "active",
	[CW_EMPLOYMENT_SUSPENDED] = "suspended",
	[CW_EMPLOYMENT_LEAVER] = "leaver",
};

#define NEMPLOYMENTS (sizeof(employment_names) / sizeof(employment_names[0]))

/* Where the first reason a record is invalid goes. */
struct verdict {
	bool *invalid;
	char *why;              /* CW_INVALID_MAX bytes */
};

static void mark_invalid(const struct verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Records why the record is invalid.  The first problem found is kept:
 * one clear reason serves an administrator better than the last of many.
 */
static void
mark_invalid(const struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (*v->invalid)
		return;
	*v->invalid = true;
	va_start(ap, fmt);
	vsnprintf(v->why, CW_INVALID_MAX, fmt, ap);
	va_end(ap);
}

/*
 * A value fit for a log line: printable ASCII only (anything else becomes
 * '?'), cut short with "..." so that a hostile value cannot fill the
 * message or smuggle control characters into syslog.
 */
static void
shown(char dst[SHOWN_MAX], const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < SHOWN_MAX - 4; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[i] = '\0';
	if (s[i] != '\0')
		memcpy(dst + i, "...", 4);
}

int
cw_clearance_parse(const char *s, size_t len, enum cw_clearance *out)
{
	size_t i;

	if (out != NULL)
		*out = CW_CLEARANCE_NONE;
	if (s == NULL || out == NULL)
		return -1;
	for (i = 0; i < NCLEARANCES; i++) {
		if (strlen(clearance_names[i]) == len &&
		    memcmp(clearance_names[i], s, len) == 0) {
			*out = (enum cw_clearance)i;
			return 0;
		}
	}
	return -1;
}

const char *
cw_clearance_name(enum cw_clearance c)
{
	if ((unsigned)c >= NCLEARANCES)
		return "unknown";
	return clearance_names[c];
}

const char *
cw_employment_name(enum cw_employment e)
{
	if ((unsigned)e >= NEMPLOYMENTS)
		return "unknown";
	return employment_names[e];
}

/*
 * The value of a single-valued attribute, or NULL when it is absent or
 * (having marked the record invalid) when it holds more than one value.
 */
static const char *
single_value(const struct cw_entry *e, const char *attr,
    const struct verdict *v)
{
	const struct cw_attr *a = cw_entry_attr(e, attr);
	char first[SHOWN_MAX], second[SHOWN_MAX];

	if (a == NULL || a->nvalues == 0)
		return NULL;
	if (a->nvalues > 1) {
		shown(first, a->values[0]);
		shown(second, a->values[1]);
		mark_invalid(v, "%s: more than one value ('%s', '%s')", attr,
		    first, second);
		return NULL;
	}
	return a->values[0];
}

static void
take_when(const struct cw_entry *e, const char *attr, struct cw_when *w,
    const struct verdict *v)
{
	const char *s = single_value(e, attr, v);
	char show[SHOWN_MAX];

	w->present = false;
	w->at = 0;
	if (s == NULL)
		return;
	if (cw_gentime_parse(s, strlen(s), &w->at) != 0) {
		w->at = 0;
		shown(show, s);
		mark_invalid(v, "%s: '%s' is not a GeneralizedTime", attr, show);
		return;
	}
	w->present = true;
}

/* Absent means none: the contract's default, not a guess. */
static void
take_clearance(const struct cw_entry *e, const char *attr,
    enum cw_clearance *c, const struct verdict *v)
{
	const char *s = single_value(e, attr, v);
	char show[SHOWN_MAX];

	*c = CW_CLEARANCE_NONE;
	if (s == NULL)
		return;
	if (cw_clearance_parse(s, strlen(s), c) != 0) {
		shown(show, s);
		mark_invalid(v, "%s: '%s' is not a clearance level", attr, show);
	}
}

static void
take_employment(const struct cw_entry *e, enum cw_employment *out,
    const struct verdict *v)
{
	const char *s = single_value(e, ATTR_STATUS, v);
	char show[SHOWN_MAX];

	*out = CW_EMPLOYMENT_ABSENT;
	if (s == NULL)
		return;
	if (strcmp(s, "active") == 0)
		*out = CW_EMPLOYMENT_ACTIVE;
	else if (strcmp(s, "suspended") == 0)
		*out = CW_EMPLOYMENT_SUSPENDED;
	else if (strcmp(s, "leaver") == 0)
		*out = CW_EMPLOYMENT_LEAVER;
	else {
		shown(show, s);
		mark_invalid(v, "%s: '%s' is not active, suspended or leaver",
		    ATTR_STATUS, show);
	}
}

/*
 * A multi-valued list of role names.  Invalid names mark the record
 * invalid and are left out, so the list only ever holds valid names.
 * Returns -1 only when memory runs out.
 */
static int
take_roles(const struct cw_entry *e, const char *attr, struct cw_name_list *l,
    const struct verdict *v)
{
	const struct cw_attr *a = cw_entry_attr(e, attr);
	char show[SHOWN_MAX];
	size_t i;

	l->names = NULL;
	l->count = 0;
	if (a == NULL || a->nvalues == 0)
		return 0;
	/* Allocated once for the most it can hold; entry.c bounds nvalues. */
	l->names = calloc(a->nvalues, sizeof(*l->names));
	if (l->names == NULL)
		return -1;
	for (i = 0; i < a->nvalues; i++) {
		const char *s = a->values[i];
		size_t len = strlen(s);

		if (!cw_object_name_valid(s, len)) {
			shown(show, s);
			mark_invalid(v, "%s: '%s' is not a valid role name", attr,
			    show);
			continue;
		}
		l->names[l->count] = strndup(s, len);
		if (l->names[l->count] == NULL)
			return -1;
		l->count++;
	}
	return 0;
}

/*
 * The key of a record (uid or cn): exactly one value that passes valid()
 * and fits in dst (max bytes plus NUL).  Anything else and the entry
 * cannot be attached to a name at all.
 */
static int
take_key(const struct cw_entry *e, const char *attr,
    bool (*valid)(const char *, size_t), size_t max, char *dst,
    const char *what, char *err, size_t errlen)
{
	const struct cw_attr *a = cw_entry_attr(e, attr);
	char show[SHOWN_MAX];
	size_t len;

	if (a == NULL || a->nvalues == 0) {
		cw_set_err(err, errlen, "%s: missing", attr);
		return -1;
	}
	if (a->nvalues > 1) {
		cw_set_err(err, errlen, "%s: more than one value", attr);
		return -1;
	}
	len = strlen(a->values[0]);
	if (!valid(a->values[0], len) || len > max) {
		shown(show, a->values[0]);
		cw_set_err(err, errlen, "%s: '%s' is not a valid %s", attr, show,
		    what);
		return -1;
	}
	memcpy(dst, a->values[0], len);
	dst[len] = '\0';
	return 0;
}

/* An attribute the LDAP edge could not copy whole: nothing it says about
 * the record can be trusted to be all of it. */
static void
check_complete(const struct cw_entry *e, const struct verdict *v)
{
	const char *note = cw_entry_incomplete(e);
	char show[CW_INVALID_MAX];

	if (note == NULL)
		return;
	cw_sanitize(show, sizeof(show), note, strlen(note));
	mark_invalid(v, "%s", show);
}

static void
clear_err(char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		err[0] = '\0';
}

int
cw_staff_from_entry(const struct cw_entry *e, struct cw_staff *out,
    char *err, size_t errlen)
{
	struct cw_staff s;
	struct verdict v = { &s.invalid, s.invalid_why };
	int ret = -1;

	memset(&s, 0, sizeof(s));
	clear_err(err, errlen);
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (e == NULL || out == NULL) {
		cw_set_err(err, errlen, "internal error: missing argument");
		goto out;
	}
	if (take_key(e, ATTR_UID, cw_user_name_valid, CW_USER_MAX, s.uid,
	    "login name", err, errlen) != 0)
		goto out;
	check_complete(e, &v);

	take_employment(e, &s.employment, &v);
	take_when(e, ATTR_LEAVING, &s.leaving, &v);
	take_when(e, ATTR_IDENTITY, &s.identity_check, &v);
	take_when(e, ATTR_CRIMINAL, &s.criminal_record_check, &v);
	take_when(e, ATTR_RTW_CHECK, &s.right_to_work_check, &v);
	take_when(e, ATTR_RTW_EXPIRY, &s.right_to_work_expiry, &v);
	take_clearance(e, ATTR_CLEARANCE, &s.clearance, &v);
	take_when(e, ATTR_CLEARANCE_EXPIRY, &s.clearance_expiry, &v);
	take_when(e, ATTR_TRAINING, &s.training, &v);
	if (take_roles(e, ATTR_ROLE, &s.roles, &v) != 0) {
		cw_set_err(err, errlen, "%s: out of memory", ATTR_ROLE);
		goto out;
	}

	*out = s;
	memset(&s, 0, sizeof(s));
	ret = 0;
out:
	cw_staff_free(&s);
	return ret;
}

int
cw_host_class_from_entry(const struct cw_entry *e, struct cw_host_class *out,
    char *err, size_t errlen)
{
	struct cw_host_class h;
	struct verdict v = { &h.invalid, h.invalid_why };
	int ret = -1;

	memset(&h, 0, sizeof(h));
	clear_err(err, errlen);
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (e == NULL || out == NULL) {
		cw_set_err(err, errlen, "internal error: missing argument");
		goto out;
	}
	if (take_key(e, ATTR_CN, cw_object_name_valid, CW_NAME_MAX, h.name,
	    "host class name", err, errlen) != 0)
		goto out;
	check_complete(e, &v);

	take_clearance(e, ATTR_REQUIRED, &h.required, &v);
	if (take_roles(e, ATTR_LOGIN_ROLE, &h.login_roles, &v) != 0 ||
	    take_roles(e, ATTR_ADMIN_ROLE, &h.admin_roles, &v) != 0) {
		cw_set_err(err, errlen, "roles: out of memory");
		goto out;
	}

	*out = h;
	memset(&h, 0, sizeof(h));
	ret = 0;
out:
	cw_host_class_free(&h);
	return ret;
}

/*
 * cwMaxElevation: INTEGER syntax (RFC 4517 3.3.16, so no '+' and no
 * leading zero), and a positive number of seconds no longer than a year.
 */
static bool
parse_max_elevation(const char *s, int64_t *out)
{
	size_t len = strlen(s), i;
	int64_t n = 0;

	if (len == 0 || len > 8 || s[0] == '0')
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (s[i] - '0');
	}
	if (n < 1 || n > MAX_ELEVATION_LIMIT)
		return false;
	*out = n;
	return true;
}

int
cw_role_def_from_entry(const struct cw_entry *e, struct cw_role_def *out,
    char *err, size_t errlen)
{
	struct cw_role_def r;
	struct verdict v = { &r.invalid, r.invalid_why };
	char show[SHOWN_MAX];
	const char *s;
	int ret = -1;

	memset(&r, 0, sizeof(r));
	clear_err(err, errlen);
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (e == NULL || out == NULL) {
		cw_set_err(err, errlen, "internal error: missing argument");
		goto out;
	}
	if (take_key(e, ATTR_CN, cw_object_name_valid, CW_NAME_MAX, r.name,
	    "role name", err, errlen) != 0)
		goto out;
	check_complete(e, &v);

	take_clearance(e, ATTR_REQUIRED, &r.required, &v);

	s = single_value(e, ATTR_MAX_ELEVATION, &v);
	if (s != NULL) {
		if (parse_max_elevation(s, &r.max_elevation)) {
			r.elevatable = true;
		} else {
			shown(show, s);
			mark_invalid(&v, "%s: '%s' is not a number of seconds "
			    "in 1..%d", ATTR_MAX_ELEVATION, show,
			    MAX_ELEVATION_LIMIT);
		}
	}

	/* LDAP BOOLEAN is exactly TRUE or FALSE (RFC 4517 3.3.3). */
	s = single_value(e, ATTR_PRIVILEGED, &v);
	if (s != NULL) {
		if (strcmp(s, "TRUE") == 0) {
			r.privileged = true;
		} else if (strcmp(s, "FALSE") != 0) {
			shown(show, s);
			mark_invalid(&v, "%s: '%s' is not TRUE or FALSE",
			    ATTR_PRIVILEGED, show);
		}
	}

	*out = r;
	memset(&r, 0, sizeof(r));
	ret = 0;
out:
	cw_role_def_free(&r);
	return ret;
}

void
cw_staff_free(struct cw_staff *s)
{
	if (s == NULL)
		return;
	cw_name_list_free(&s->roles);
	memset(s, 0, sizeof(*s));
}

void
cw_host_class_free(struct cw_host_class *h)
{
	if (h == NULL)
		return;
	cw_name_list_free(&h->login_roles);
	cw_name_list_free(&h->admin_roles);
	memset(h, 0, sizeof(*h));
}

void
cw_role_def_free(struct cw_role_def *r)
{
	/* Nothing is allocated today; clearing keeps a freed record inert. */
	if (r == NULL)
		return;
	memset(r, 0, sizeof(*r));
}
