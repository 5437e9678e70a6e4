/* SPDX-License-Identifier: MIT */
/*
 * redis_client.c - see redis_client.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "redis_client.h"

int cw_test_failures;

void
cw_test_check(int ok, const char *what, int line)
{
	if (!ok) {
		cw_test_failures++;
		fprintf(stderr, "FAIL line %d: %s\n", line, what);
	}
}

struct cw_redis *
cw_test_client(void)
{
	struct cw_redis_options o = {
		.transport = &cw_redis_transport_unix,
		.where = getenv("CW_REDIS_SOCKET"),
		.timeout_ms = 2000,
	};
	struct cw_redis *r;

	if (o.where == NULL || (r = cw_redis_new(&o)) == NULL) {
		fprintf(stderr, "no CW_REDIS_SOCKET, or no memory\n");
		exit(2);
	}
	return r;
}
