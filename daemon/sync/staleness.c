/* SPDX-License-Identifier: MIT */
/*
 * staleness.c - see staleness.h.
 */
#include <stdlib.h>
#include <string.h>

#include "sync/staleness.h"

void
cw_staleness_eval(const struct cw_config *cfg, const struct cw_contact *c,
    long long now_ms, int64_t now, struct cw_staleness *out)
{
	long long age_ms;

	memset(out, 0, sizeof(*out));
	out->now = now;
	if (c->mono_ms == 0) {
		out->age_s = -1;
		return;
	}
	if (cfg->daemon.offline_grace_s > 0)
		out->offline_until_ms = c->mono_ms +
		    (long long)cfg->daemon.offline_grace_s * 1000;
	out->admin_until_ms = c->mono_ms +
	    (long long)cfg->daemon.admin_max_staleness_s * 1000;
	age_ms = now_ms - c->mono_ms;
	if (age_ms < 0)
		age_ms = 0;
	out->age_s = age_ms / 1000;
	out->offline_at = c->offline_at;
	if (out->offline_until_ms > 0)
		out->offline_expired = now_ms > out->offline_until_ms;
	else
		out->offline_expired = c->offline_at > 0 &&
		    now >= c->offline_at;
	out->admin_stale = now_ms > out->admin_until_ms;
}

int64_t
cw_staleness_now(const struct cw_contact *c, long long now_ms, int64_t wall)
{
	int64_t redis;

	if (c->clock_redis_ms <= 0)
		return wall;
	redis = (int64_t)((c->clock_redis_ms + (now_ms - c->clock_mono_ms)) /
	    1000);
	return llabs(wall - redis) > CW_CLOCK_TOLERANCE_S ? redis : wall;
}
