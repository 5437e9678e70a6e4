/* SPDX-License-Identifier: MIT */
/*
 * revq_record.c - a revocation as data: kind and state names, the checks
 * on ids and step names, new ids, report months, and decoding a record's
 * Redis hash (revocation_queue.h).  No I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "calendar.h"
#include "revoke/revq_internal.h"

static const char *const kind_names[CW_REV_KIND_COUNT] = {
	[CW_REV_LEAVER] = "leaver",
	[CW_REV_REVOKE] = "revoke",
	[CW_REV_ELEVATION_EXPIRED] = "elevation_expired",
	[CW_REV_ELEVATION_DROPPED] = "elevation_dropped",
	[CW_REV_SYNC_LEAVER] = "sync_leaver",
};

static const char *const state_names[] = {
	[CW_REVQ_UNKNOWN] = "unknown",
	[CW_REVQ_SCHEDULED] = "scheduled",
	[CW_REVQ_QUEUED] = "queued",
	[CW_REVQ_DONE] = "done",
	[CW_REVQ_CANCELLED] = "cancelled",
	[CW_REVQ_DEAD] = "dead",
};

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

const char *
cw_revocation_kind_name(enum cw_revocation_kind k)
{
	return (unsigned)k < CW_REV_KIND_COUNT ? kind_names[k] : NULL;
}

int
cw_revocation_kind_parse(const char *s, enum cw_revocation_kind *out)
{
	int k;

	for (k = 0; k < CW_REV_KIND_COUNT; k++) {
		if (strcmp(s, kind_names[k]) == 0) {
			*out = (enum cw_revocation_kind)k;
			return 0;
		}
	}
	return -1;
}

const char *
cw_revq_state_name(enum cw_revq_state s)
{
	return (unsigned)s <= CW_REVQ_DEAD ? state_names[s] : "unknown";
}

enum cw_revq_state
revq_state_parse(const char *s)
{
	int i;

	for (i = CW_REVQ_SCHEDULED; i <= CW_REVQ_DEAD; i++)
		if (strcmp(s, state_names[i]) == 0)
			return (enum cw_revq_state)i;
	return CW_REVQ_UNKNOWN;
}

bool
cw_revocation_kind_denies(enum cw_revocation_kind k)
{
	return k == CW_REV_LEAVER || k == CW_REV_REVOKE ||
	    k == CW_REV_SYNC_LEAVER;
}

bool
revq_chars_in(const char *s, size_t max, const char *allowed)
{
	size_t n = strlen(s);

	return n >= 1 && n <= max && strspn(s, allowed) == n;
}

bool
cw_revq_id_valid(const char *s)
{
	return revq_chars_in(s, CW_REVQ_ID_MAX, ALNUM "._:-");
}

bool
cw_revq_step_name_valid(const char *s)
{
	return revq_chars_in(s, CW_REVQ_STEP_NAME_MAX, ALNUM "._@-");
}

/* Civil date (UTC) of a day count since the epoch (Hinnant's method). */
static void
civil_from_days(int64_t days, int64_t *y, int64_t *m, int64_t *d)
{
	int64_t z = days + 719468, era = z / 146097, doe, yoe, doy, mp;

	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int
cw_revq_new_id(int64_t now, char out[CW_REVQ_ID_MAX + 1])
{
	unsigned char rnd[6];
	int64_t y, m, d, sec = now % 86400;
	int n;

	if (now < 0 || getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	/* Time first, so that ids sort by when they were made. */
	civil_from_days(now / 86400, &y, &m, &d);
	n = snprintf(out, CW_REVQ_ID_MAX + 1, "r%04lld%02lld%02lldT%02lld"
	    "%02lld%02lldZ-%02x%02x%02x%02x%02x%02x", (long long)y,
	    (long long)m, (long long)d, (long long)(sec / 3600),
	    (long long)(sec / 60 % 60), (long long)(sec % 60), rnd[0], rnd[1],
	    rnd[2], rnd[3], rnd[4], rnd[5]);
	return n > 0 && n <= CW_REVQ_ID_MAX ? 0 : -1;
}

int
cw_revq_month_of(int64_t t, char out[8])
{
	struct cw_local_time lt;

	if (cw_london_from_utc(t, &lt) < 0 || lt.year < 0 || lt.year > 9999 ||
	    lt.month < 1 || lt.month > 12)
		return -1;
	out[0] = (char)('0' + lt.year / 1000);
	out[1] = (char)('0' + lt.year / 100 % 10);
	out[2] = (char)('0' + lt.year / 10 % 10);
	out[3] = (char)('0' + lt.year % 10);
	out[4] = '-';
	out[5] = (char)('0' + lt.month / 10);
	out[6] = (char)('0' + lt.month % 10);
	out[7] = '\0';
	return 0;
}

static int64_t
num(const char *s)
{
	return strtoll(s, NULL, 10);
}

void
revq_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

static int
step_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cw_revq_step *)a)->name,
	    ((const struct cw_revq_step *)b)->name);
}

/* step:<name> or step:<name>:at */
static void
decode_step(struct cw_revocation *r, const char *field, const char *v)
{
	char name[CW_REVQ_STEP_NAME_MAX + 1];
	const char *colon = strchr(field, ':');
	size_t len = colon != NULL ? (size_t)(colon - field) : strlen(field);
	size_t i;

	if (len == 0 || len > CW_REVQ_STEP_NAME_MAX)
		return;
	memcpy(name, field, len);
	name[len] = '\0';
	for (i = 0; i < r->nsteps; i++)
		if (strcmp(r->steps[i].name, name) == 0)
			break;
	if (i == r->nsteps) {
		if (r->nsteps == CW_REVQ_STEPS_MAX)
			return;
		revq_copy(r->steps[r->nsteps++].name, sizeof(r->steps[0].name),
		    name);
	}
	if (colon == NULL)
		revq_copy(r->steps[i].outcome, sizeof(r->steps[i].outcome), v);
	else if (strcmp(colon, ":at") == 0)
		r->steps[i].at = num(v);
}

static void
decode_field(struct cw_revocation *r, const char *f, const char *v)
{
	if (strncmp(f, "step:", 5) == 0)
		decode_step(r, f + 5, v);
	else if (strcmp(f, "id") == 0)
		revq_copy(r->id, sizeof(r->id), v);
	else if (strcmp(f, "uid") == 0)
		revq_copy(r->uid, sizeof(r->uid), v);
	else if (strcmp(f, "kind") == 0)
		(void)cw_revocation_kind_parse(v, &r->kind);
	else if (strcmp(f, "reason") == 0)
		revq_copy(r->reason, sizeof(r->reason), v);
	else if (strcmp(f, "actor") == 0)
		revq_copy(r->actor, sizeof(r->actor), v);
	else if (strcmp(f, "role") == 0)
		revq_copy(r->role, sizeof(r->role), v);
	else if (strcmp(f, "requested_at") == 0)
		r->requested_at = num(v);
	else if (strcmp(f, "effective_at") == 0)
		r->effective_at = num(v);
	else if (strcmp(f, "deadline") == 0)
		r->deadline = num(v);
	else if (strcmp(f, "state") == 0)
		r->state = revq_state_parse(v);
	else if (strcmp(f, "sid") == 0)
		revq_copy(r->sid, sizeof(r->sid), v);
	else if (strcmp(f, "queued_at") == 0)
		r->queued_at = num(v);
	else if (strcmp(f, "steps_done_at") == 0)
		r->steps_done_at = num(v);
	else if (strcmp(f, "completed_at") == 0)
		r->completed_at = num(v);
	else if (strcmp(f, "dead_at") == 0)
		r->dead_at = num(v);
	else if (strcmp(f, "cancelled_at") == 0)
		r->cancelled_at = num(v);
	else if (strcmp(f, "delivered") == 0)
		r->delivered = num(v);
	else if (strcmp(f, "alert") == 0)
		r->alert = strcmp(v, "1") == 0;
	else if (strcmp(f, "last_error") == 0)
		revq_copy(r->last_error, sizeof(r->last_error), v);
	else if (strcmp(f, "cancelled_by") == 0)
		revq_copy(r->cancelled_by, sizeof(r->cancelled_by), v);
	else if (strcmp(f, "cancel_reason") == 0)
		revq_copy(r->cancel_reason, sizeof(r->cancel_reason), v);
	else if (strcmp(f, "requested_audited") == 0)
		r->audited = true;
}

int
revq_decode_hash(const redisReply *h, struct cw_revocation *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	if (h->type != REDIS_REPLY_ARRAY || h->elements < 2)
		return -1;
	for (i = 0; i + 1 < h->elements; i += 2) {
		const redisReply *f = h->element[i], *v = h->element[i + 1];

		if (f->type == REDIS_REPLY_STRING &&
		    v->type == REDIS_REPLY_STRING)
			decode_field(r, f->str, v->str);
	}
	qsort(r->steps, r->nsteps, sizeof(r->steps[0]), step_cmp);
	return 0;
}
