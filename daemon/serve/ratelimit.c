/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.c - token buckets per uid (see ratelimit.h).
 */
#include <string.h>

#include "serve/ratelimit.h"

void
cw_ratelimit_init(struct cw_ratelimit *rl, double per_s, double burst)
{
	memset(rl, 0, sizeof(*rl));
	rl->per_ms = per_s / 1000.0;
	rl->burst = burst;
}

/* uid's bucket, or the slot it takes over (unused, or seen longest ago). */
static struct cw_rate_bucket *
bucket_of(struct cw_ratelimit *rl, uid_t uid, long long now_ms)
{
	struct cw_rate_bucket *b, *oldest = &rl->slot[0];
	size_t i;

	for (i = 0; i < CW_RATELIMIT_SLOTS; i++) {
		b = &rl->slot[i];
		if (b->used && b->uid == uid)
			return b;
		if (!b->used || (oldest->used && b->at_ms < oldest->at_ms))
			oldest = b;
	}
	oldest->used = true;
	oldest->uid = uid;
	oldest->tokens = rl->burst;
	oldest->at_ms = now_ms;
	return oldest;
}

bool
cw_ratelimit_take(struct cw_ratelimit *rl, uid_t uid, long long now_ms)
{
	struct cw_rate_bucket *b = bucket_of(rl, uid, now_ms);

	if (now_ms > b->at_ms) {
		b->tokens += (double)(now_ms - b->at_ms) * rl->per_ms;
		if (b->tokens > rl->burst)
			b->tokens = rl->burst;
		b->at_ms = now_ms;
	}
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}
