/* SPDX-License-Identifier: MIT */
/*
 * redis_client.h - what the C tests against the test's redis-server
 * (redis_test.sh: CW_REDIS_SOCKET) share: a client and CHECK.
 */
#ifndef CW_TEST_REDIS_CLIENT_H
#define CW_TEST_REDIS_CLIENT_H

#include "store/redis.h"

/* How many CHECKs failed; the test's exit status is 1 when any did. */
extern int cw_test_failures;

#define CHECK(c) cw_test_check((c), #c, __LINE__)
void cw_test_check(int ok, const char *what, int line);

/* A client of CW_REDIS_SOCKET (2 s timeout); exits 2 without one. */
struct cw_redis *cw_test_client(void);

#endif
