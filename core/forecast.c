/* SPDX-License-Identifier: MIT */
/*
 * forecast.c - lapses and the losses they cause (see forecast.h).
 */
#include <stdlib.h>
#include <string.h>

#include "forecast.h"

#define SECONDS_PER_DAY 86400

static const char *const kind_names[CW_LAPSE_KIND_COUNT] = {
	[CW_LAPSE_LEAVING] = "leaving_date",
	[CW_LAPSE_RIGHT_TO_WORK] = "right_to_work_expiry",
	[CW_LAPSE_CLEARANCE] = "clearance_expiry",
	[CW_LAPSE_TRAINING] = "training_expiry",
	[CW_LAPSE_ELEVATION] = "elevation_end",
};

const char *
cw_lapse_kind_name(enum cw_lapse_kind k)
{
	if ((unsigned)k >= CW_LAPSE_KIND_COUNT)
		return "invalid_lapse";
	return kind_names[k];
}

/*
 * Adds (kind, at) when now < at <= end.  When out is full, the new lapse
 * takes the place of the latest one if it is earlier: out always holds
 * the earliest max.
 */
static void
add(struct cw_lapse *out, size_t max, size_t *n, enum cw_lapse_kind kind,
    int64_t at, const char *role, int64_t now, int64_t end)
{
	size_t slot = *n, i;

	if (at <= now || at > end)
		return;
	if (*n >= max && max > 0) {
		for (slot = 0, i = 1; i < max; i++)
			if (out[i].at > out[slot].at)
				slot = i;
		if (out[slot].at <= at)
			slot = max;
	}
	if (slot < max) {
		out[slot].kind = kind;
		out[slot].at = at;
		out[slot].role = role;
	}
	(*n)++;
}

static int
lapse_cmp(const void *a, const void *b)
{
	const struct cw_lapse *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

size_t
cw_lapses(const struct cw_policy_input *in, int64_t within,
    struct cw_lapse *out, size_t max)
{
	const struct cw_staff *s = in->staff;
	int64_t end, training_end;
	size_t n = 0, i;

	if (s == NULL || within <= 0)
		return 0;
	if (__builtin_add_overflow(in->now, within, &end))
		end = INT64_MAX;
	if (s->leaving.present)
		add(out, max, &n, CW_LAPSE_LEAVING, s->leaving.at, NULL,
		    in->now, end);
	if (s->right_to_work_expiry.present)
		add(out, max, &n, CW_LAPSE_RIGHT_TO_WORK,
		    s->right_to_work_expiry.at, NULL, in->now, end);
	if (s->clearance_expiry.present)
		add(out, max, &n, CW_LAPSE_CLEARANCE, s->clearance_expiry.at,
		    NULL, in->now, end);
	/* The same sum as policy.c's training rule: expired from
	 * training + validity on. */
	if (s->training.present && !__builtin_add_overflow(s->training.at,
	    (int64_t)in->training_validity_days * SECONDS_PER_DAY,
	    &training_end))
		add(out, max, &n, CW_LAPSE_TRAINING, training_end, NULL,
		    in->now, end);
	for (i = 0; i < in->nelevations; i++) {
		const struct cw_elevation *e = &in->elevations[i];

		if (e->start <= in->now && in->now < e->end)
			add(out, max, &n, CW_LAPSE_ELEVATION, e->end, e->role,
			    in->now, end);
	}
	qsort(out, n < max ? n : max, sizeof(*out), lapse_cmp);
	return n;
}

long
cw_forecast_loss(const struct cw_policy_input *in,
    const struct cw_lapse *lapses, size_t n, struct cw_decision *after)
{
	struct cw_policy_input then = *in;
	struct cw_decision d = cw_decide(in);
	size_t i;

	if (d.verdict != CW_VERDICT_ALLOW)
		return -1;
	for (i = 0; i < n; i++) {
		then.now = lapses[i].at;
		d = cw_decide(&then);
		if (d.verdict != CW_VERDICT_ALLOW) {
			*after = d;
			return (long)i;
		}
	}
	return -1;
}
