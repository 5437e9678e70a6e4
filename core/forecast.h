/* SPDX-License-Identifier: MIT */
/*
 * forecast.h - who will lose access, where, when and why (clearwayctl
 * expiring): the dated gates of a person's record that lapse within a
 * window, and for a host class the first of them that turns today's allow
 * into a deny.
 *
 * Pure, like policy.c, and built on it: a loss is found by asking
 * cw_decide() the same question at the lapse's instant, so the forecast
 * can never disagree with the decision actually taken then.
 */
#ifndef CW_FORECAST_H
#define CW_FORECAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

enum cw_lapse_kind {
	CW_LAPSE_LEAVING = 0,           /* cwLeavingDate */
	CW_LAPSE_RIGHT_TO_WORK,         /* cwRightToWorkExpiry */
	CW_LAPSE_CLEARANCE,             /* cwClearanceExpiry */
	CW_LAPSE_TRAINING,              /* cwTrainingCompleted + validity */
	CW_LAPSE_ELEVATION,             /* an active elevation's end */
	CW_LAPSE_KIND_COUNT
};

struct cw_lapse {
	enum cw_lapse_kind kind;
	int64_t at;                     /* the first instant it no longer holds */
	const char *role;               /* CW_LAPSE_ELEVATION: the role */
};

/*
 * Fills out (room for max) with what lapses in (now, now + within]: the
 * record's dated gates, and the ends of the elevations active at now,
 * earliest first (kind breaks ties).  Returns how many there are, which
 * may exceed max (then the earliest max are written).
 */
size_t cw_lapses(const struct cw_policy_input *in, int64_t within,
    struct cw_lapse *out, size_t max);

/*
 * For the host class and mode of in: if in allows at in->now, the index in
 * lapses (n of them, as cw_lapses() gives) of the first after which it
 * denies, with that decision in *after.  Returns -1 when in does not allow
 * now, or no lapse in the list ends the access.
 */
long cw_forecast_loss(const struct cw_policy_input *in,
    const struct cw_lapse *lapses, size_t n, struct cw_decision *after);

const char *cw_lapse_kind_name(enum cw_lapse_kind k);

#endif
