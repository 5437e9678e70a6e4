/* SPDX-License-Identifier: MIT */
/*
 * revq_fill.c - files N revocations through the real submission path
 * (cw_revq_submit, the same Lua script clearwayctl leaver/revoke reach),
 * one user each, so that a test can hold thousands pending without
 * thousands of CLI round trips.
 *
 *   revq_fill REDIS_SOCKET KEY_PREFIX N USER_PREFIX
 *
 * Users are USER_PREFIX followed by a 5-digit number; kind revoke, actor
 * root, deadline a day after now.  Prints how many were recorded; exits 1
 * if any submission failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "revoke/revocation_queue.h"
#include "store/store.h"

int
main(int argc, char **argv)
{
	struct cw_redis_options o = {
		.transport = &cw_redis_transport_unix,
		.timeout_ms = 10000,
	};
	struct cw_revocation r;
	struct cw_store st;
	struct cw_redis *redis;
	int64_t now = (int64_t)time(NULL);
	long i, n, made = 0;
	char err[256];

	if (argc != 5 || (n = strtol(argv[3], NULL, 10)) < 1 || n > 99999) {
		fprintf(stderr, "usage: revq_fill SOCKET PREFIX N USER_PREFIX\n");
		return 2;
	}
	o.where = argv[1];
	if ((redis = cw_redis_new(&o)) == NULL ||
	    cw_store_init(&st, redis, argv[2]) < 0) {
		fprintf(stderr, "revq_fill: cannot set up the store\n");
		return 2;
	}
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		snprintf(r.uid, sizeof(r.uid), "%s%05ld", argv[4], i);
		r.kind = CW_REV_REVOKE;
		snprintf(r.reason, sizeof(r.reason), "bulk test %ld", i);
		snprintf(r.actor, sizeof(r.actor), "root");
		r.requested_at = r.effective_at = now;
		r.deadline = now + 86400;
		if (cw_revq_submit(&st, &r, now, NULL, err, sizeof(err)) < 0) {
			fprintf(stderr, "revq_fill: %s: %s\n", r.uid, err);
			break;
		}
		made++;
	}
	printf("%ld\n", made);
	cw_redis_free(redis);
	return made == n ? 0 : 1;
}
