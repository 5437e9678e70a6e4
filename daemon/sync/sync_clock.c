/* SPDX-License-Identifier: MIT */
/*
 * sync_clock.c - this host's clock against Redis's, for the decision
 * clock (staleness.h, cw_staleness_now).  Follow thread.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "sync/sync.h"

#define CLOCK_LOOK_MS 1000

/* The wall clock in ms (what TIME is compared with). */
static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * This host's clock against Redis's (TIME, the fleet's one reference):
 * past CW_CLOCK_TOLERANCE_S the decisions read Redis's time (staleness.h).
 * Logged when it starts and ends.  A Redis user without +time: not
 * checked, said once.
 */
void
cw_sync_check_clock(struct cw_sync *s)
{
	const char *argv[1] = { "TIME" };
	long long t0 = wall_ms(), m0 = cw_now_ms(), t1, redis_ms = 0, off_ms;
	int64_t off = 0;
	redisReply *r;
	char err[256];
	bool was;

	/* A look a second is plenty (the follow thread alone writes it). */
	if (s->contact.clock_mono_ms > 0 && m0 - s->contact.clock_mono_ms <
	    CLOCK_LOOK_MS)
		return;
	if ((r = cw_redis_call(s->follow_store.redis, err, sizeof(err), 1,
	    argv, NULL)) == NULL) {
		if (strstr(err, "NOPERM") != NULL && !s->clock_unchecked)
			cw_warn("redis: this host's clock is not checked "
			    "against Redis's: its user may not run TIME "
			    "(+time)");
		s->clock_unchecked = strstr(err, "NOPERM") != NULL;
		return;
	}
	t1 = wall_ms();
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    r->element[1]->type == REDIS_REPLY_STRING)
		redis_ms = strtoll(r->element[0]->str, NULL, 10) * 1000 +
		    strtoll(r->element[1]->str, NULL, 10) / 1000;
	freeReplyObject(r);
	if (redis_ms <= 0)
		return;
	/* Half the round trip: Redis read its clock about midway. */
	redis_ms -= (t1 - t0) / 2;
	off_ms = redis_ms - t0;
	if (llabs(off_ms) > CW_CLOCK_TOLERANCE_S * 1000LL)
		off = (int64_t)(off_ms / 1000);
	pthread_mutex_lock(&s->wake.lock);
	s->contact.clock_redis_ms = redis_ms;
	s->contact.clock_mono_ms = m0;
	pthread_mutex_unlock(&s->wake.lock);
	was = s->clock_off;
	s->clock_off = off != 0;
	if (off != 0 && !was)
		cw_log(LOG_ALERT, "clock: this host's clock is %lld s %s "
		    "Redis's: decisions read Redis's time until it is fixed",
		    (long long)llabs(off), off < 0 ? "ahead of" : "behind");
	else if (off == 0 && was)
		cw_log(LOG_NOTICE, "clock: this host's clock agrees with "
		    "Redis's again");
}
