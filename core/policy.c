/* SPDX-License-Identifier: MIT */
/*
 * policy.c - the logon decision of contract section 2.
 *
 * This is the file a security reviewer reads first.  It is pure: it reads
 * only its argument and returns a value.  cw_decide() walks the contract's
 * table in order and the first rule that matches decides; each rule is a
 * small predicate so that the order is visible in one place.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define SECONDS_PER_DAY 86400

static const char *const reason_names[CW_REASON_COUNT] = {
	[CW_REASON_POLICY_UNAVAILABLE] = "policy_unavailable",
	[CW_REASON_BREAKGLASS] = "breakglass",
	[CW_REASON_EXEMPT] = "exempt",
	[CW_REASON_UNKNOWN_HOST_CLASS] = "unknown_host_class",
	[CW_REASON_UNKNOWN_USER] = "unknown_user",
	[CW_REASON_REVOKED] = "revoked",
	[CW_REASON_SUSPENDED] = "suspended",
	[CW_REASON_RECORD_INVALID] = "record_invalid",
	[CW_REASON_NOT_ACTIVE] = "not_active",
	[CW_REASON_LEFT] = "left",
	[CW_REASON_CHECKS_INCOMPLETE] = "checks_incomplete",
	[CW_REASON_RIGHT_TO_WORK_EXPIRED] = "right_to_work_expired",
	[CW_REASON_CLEARANCE_INSUFFICIENT] = "clearance_insufficient",
	[CW_REASON_CLEARANCE_EXPIRED] = "clearance_expired",
	[CW_REASON_TRAINING_EXPIRED] = "training_expired",
	[CW_REASON_ELEVATION_REQUIRED] = "elevation_required",
	[CW_REASON_NO_ROLE] = "no_role",
	[CW_REASON_OK] = "ok",
	[CW_REASON_OK_ELEVATED] = "ok_elevated",
};

static const char *const verdict_names[] = {
	[CW_VERDICT_DENY] = "deny",
	[CW_VERDICT_ALLOW] = "allow",
	[CW_VERDICT_IGNORE] = "ignore",
	[CW_VERDICT_UNAVAILABLE] = "unavailable",
};

static const char *const mode_names[] = {
	[CW_MODE_LOGIN] = "login",
	[CW_MODE_ADMIN] = "admin",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct cw_decision
verdict(enum cw_verdict v, enum cw_reason r)
{
	struct cw_decision d = { v, r };
	return d;
}

static struct cw_decision
deny(enum cw_reason r)
{
	return verdict(CW_VERDICT_DENY, r);
}

/* An absent instant never passes; a present one passes once now reaches it. */
static bool
reached(const struct cw_when *w, int64_t now)
{
	return w->present && w->at <= now;
}

static bool
checks_complete(const struct cw_staff *s)
{
	return s->identity_check.present && s->criminal_record_check.present &&
	    s->right_to_work_check.present;
}

/*
 * Training lapses validity_days after the last course: now >= training +
 * validity is expired.  A sum past the end of time cannot lapse.
 */
static bool
training_expired(const struct cw_staff *s, int64_t now, unsigned days)
{
	int64_t lapses;

	if (!s->training.present)
		return true;
	if (__builtin_add_overflow(s->training.at,
	    (int64_t)days * SECONDS_PER_DAY, &lapses))
		return false;
	return now >= lapses;
}

static bool
elevation_active(const struct cw_elevation *e, int64_t now)
{
	return e->start <= now && now < e->end;
}

/*
 * A role counts for the user only if the user meets the role's own
 * clearance.  A role without a definition requires none (contract); an
 * invalid definition grants nothing, as a value we cannot read must never
 * widen access.
 */
static bool
role_usable(const struct cw_policy_input *in, const char *role)
{
	const struct cw_role_def *def = cw_role_table_find(&in->roles, role);

	if (def == NULL)
		return true;
	if (def->invalid)
		return false;
	return in->staff->clearance >= def->required;
}

static bool
standing_role_in(const struct cw_policy_input *in,
    const struct cw_name_list *allowed)
{
	size_t i;

	for (i = 0; i < in->staff->roles.count; i++) {
		const char *role = in->staff->roles.names[i];

		if (cw_name_list_contains(allowed, role) && role_usable(in, role))
			return true;
	}
	return false;
}

static bool
elevation_in(const struct cw_policy_input *in,
    const struct cw_name_list *allowed)
{
	size_t i;

	for (i = 0; i < in->nelevations; i++) {
		const struct cw_elevation *e = &in->elevations[i];

		if (elevation_active(e, in->now) &&
		    cw_name_list_contains(allowed, e->role) &&
		    role_usable(in, e->role))
			return true;
	}
	return false;
}

/* Rules 12a and 12b: what the user may do here, given the mode. */
static struct cw_decision
decide_roles(const struct cw_policy_input *in)
{
	const struct cw_host_class *hc = in->host_class;

	if (in->mode == CW_MODE_ADMIN) {
		if (elevation_in(in, &hc->admin_roles))
			return verdict(CW_VERDICT_ALLOW, CW_REASON_OK_ELEVATED);
		return deny(CW_REASON_ELEVATION_REQUIRED);
	}
	if (standing_role_in(in, &hc->login_roles))
		return verdict(CW_VERDICT_ALLOW, CW_REASON_OK);
	if (elevation_in(in, &hc->login_roles))
		return verdict(CW_VERDICT_ALLOW, CW_REASON_OK_ELEVATED);
	return deny(CW_REASON_NO_ROLE);
}

/*
 * Rules 5 to 11: the person's own standing.  required is the host class's
 * clearance (rule 9); CW_CLEARANCE_NONE when no host is involved.
 */
static struct cw_decision
decide_person(const struct cw_staff *s, enum cw_clearance required,
    int64_t now, unsigned training_validity_days)
{
	if (s->employment != CW_EMPLOYMENT_ACTIVE)
		return deny(CW_REASON_NOT_ACTIVE);
	if (reached(&s->leaving, now))
		return deny(CW_REASON_LEFT);
	if (!checks_complete(s))
		return deny(CW_REASON_CHECKS_INCOMPLETE);
	if (reached(&s->right_to_work_expiry, now))
		return deny(CW_REASON_RIGHT_TO_WORK_EXPIRED);
	if (s->clearance < required)
		return deny(CW_REASON_CLEARANCE_INSUFFICIENT);
	if (reached(&s->clearance_expiry, now))
		return deny(CW_REASON_CLEARANCE_EXPIRED);
	if (training_expired(s, now, training_validity_days))
		return deny(CW_REASON_TRAINING_EXPIRED);
	return verdict(CW_VERDICT_ALLOW, CW_REASON_OK);
}

/*
 * Rule 3b, a project extension: a suspension (clearwayctl suspend) denies
 * everywhere until its end, without the leaver steps, and ends by itself
 * at that instant.
 */
static bool
suspended(int64_t until, int64_t now)
{
	return now < until;
}

struct cw_decision
cw_decide_person(const struct cw_staff *staff, bool revoked,
    int64_t suspended_until, int64_t now, unsigned training_validity_days)
{
	if (staff == NULL)
		return deny(CW_REASON_UNKNOWN_USER);
	if (revoked)
		return deny(CW_REASON_REVOKED);
	if (suspended(suspended_until, now))
		return deny(CW_REASON_SUSPENDED);
	if (staff->invalid)
		return deny(CW_REASON_RECORD_INVALID);
	return decide_person(staff, CW_CLEARANCE_NONE, now,
	    training_validity_days);
}

struct cw_decision
cw_decide(const struct cw_policy_input *in)
{
	struct cw_decision d;

	if (in->breakglass)
		return verdict(CW_VERDICT_ALLOW, CW_REASON_BREAKGLASS);
	if (in->exempt)
		return verdict(CW_VERDICT_IGNORE, CW_REASON_EXEMPT);
	if (in->host_class == NULL)
		return deny(CW_REASON_UNKNOWN_HOST_CLASS);
	if (in->staff == NULL)
		return deny(CW_REASON_UNKNOWN_USER);
	if (in->revoked)
		return deny(CW_REASON_REVOKED);
	if (suspended(in->suspended_until, in->now))
		return deny(CW_REASON_SUSPENDED);
	/* A host class we cannot read is as unsafe as a person we cannot. */
	if (in->staff->invalid || in->host_class->invalid)
		return deny(CW_REASON_RECORD_INVALID);

	d = decide_person(in->staff, in->host_class->required, in->now,
	    in->training_validity_days);
	if (d.verdict != CW_VERDICT_ALLOW)
		return d;
	d = decide_roles(in);
	/* Old data may still say no, never yes: the allow it would give
	 * is what a revocation we cannot hear about would have removed. */
	if (d.verdict == CW_VERDICT_ALLOW && (in->offline_expired ||
	    (in->mode == CW_MODE_ADMIN && in->admin_stale)))
		return verdict(CW_VERDICT_UNAVAILABLE,
		    CW_REASON_POLICY_UNAVAILABLE);
	return d;
}

/* Takes t as the answer's end if it is ahead of now and sooner. */
static void
sooner(int64_t *soonest, int64_t t, int64_t now)
{
	if (t > now && t < *soonest)
		*soonest = t;
}

static void
sooner_when(int64_t *soonest, const struct cw_when *w, int64_t now)
{
	if (w->present)
		sooner(soonest, w->at, now);
}

/* Every instant compared above, in the order the rules compare them. */
int64_t
cw_decide_stable_until(const struct cw_policy_input *in)
{
	const struct cw_staff *s = in->staff;
	int64_t soonest = INT64_MAX, lapses;
	size_t i;

	sooner(&soonest, in->suspended_until, in->now);
	if (s != NULL) {
		sooner_when(&soonest, &s->leaving, in->now);
		sooner_when(&soonest, &s->right_to_work_expiry, in->now);
		sooner_when(&soonest, &s->clearance_expiry, in->now);
		if (s->training.present && !__builtin_add_overflow(
		    s->training.at, (int64_t)in->training_validity_days *
		    SECONDS_PER_DAY, &lapses))
			sooner(&soonest, lapses, in->now);
	}
	for (i = 0; i < in->nelevations; i++) {
		sooner(&soonest, in->elevations[i].start, in->now);
		sooner(&soonest, in->elevations[i].end, in->now);
	}
	return soonest;
}

static int
role_def_cmp(const void *a, const void *b)
{
	const struct cw_role_def *x = a, *y = b;

	return strcmp(x->name, y->name);
}

void
cw_role_table_sort(struct cw_role_def *defs, size_t count)
{
	if (count > 1)
		qsort(defs, count, sizeof(*defs), role_def_cmp);
}

const struct cw_role_def *
cw_role_table_find(const struct cw_role_table *t, const char *name)
{
	struct cw_role_def key;

	if (t->count == 0 || strlen(name) > CW_NAME_MAX)
		return NULL;
	memset(&key, 0, sizeof(key));
	memcpy(key.name, name, strlen(name) + 1);
	return bsearch(&key, t->defs, t->count, sizeof(*t->defs), role_def_cmp);
}

/* Looks a name up in a table of names indexed by enum value. */
static int
name_index(const char *const *names, size_t n, const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *
cw_reason_name(enum cw_reason r)
{
	if ((unsigned)r >= CW_REASON_COUNT)
		return "invalid_reason";
	return reason_names[r];
}

int
cw_reason_parse(const char *name, enum cw_reason *out)
{
	int i = name_index(reason_names, NELEM(reason_names), name);

	if (i < 0)
		return -1;
	*out = (enum cw_reason)i;
	return 0;
}

const char *
cw_verdict_name(enum cw_verdict v)
{
	if ((unsigned)v >= NELEM(verdict_names))
		return "invalid_verdict";
	return verdict_names[v];
}

int
cw_verdict_parse(const char *name, enum cw_verdict *out)
{
	int i = name_index(verdict_names, NELEM(verdict_names), name);

	if (i < 0)
		return -1;
	*out = (enum cw_verdict)i;
	return 0;
}

const char *
cw_mode_name(enum cw_mode m)
{
	if ((unsigned)m >= NELEM(mode_names))
		return "invalid_mode";
	return mode_names[m];
}

int
cw_mode_parse(const char *name, enum cw_mode *out)
{
	int i = name_index(mode_names, NELEM(mode_names), name);

	if (i < 0)
		return -1;
	*out = (enum cw_mode)i;
	return 0;
}
