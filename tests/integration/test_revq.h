/* SPDX-License-Identifier: MIT */
/*
 * test_revq.h - what the parts of test_revq share (test_revq.c: the
 * checks, the clients, main).  One part per file, as the code is split:
 *
 *   test_revq_submit.c   revq_submit.c: submit, promote, reinstate
 *   test_revq_claim.c    revq_claim.c: claim, dead letters, kill -9 of a
 *                        worker and a Redis restart among 1,000
 *   test_revq_report.c   revq_report.c: the month report, the deadline
 *                        watch, paging, one open per user
 *   test_revq_steps.c    revocation_steps.c and denylist.c: the LDAP
 *                        steps, ending sessions, the deny-list
 */
#ifndef CW_TEST_REVQ_H
#define CW_TEST_REVQ_H

#include <stdbool.h>
#include <stdint.h>

#include "revoke/revocation_queue.h"
#include "store/store.h"

#define N_BULK 1000             /* revocations in the crash tests */
#define DRAIN_LIMIT_S 120       /* a worker gives up after this long */

extern int passed, failed;

/* Prints "ok" or "FAIL" with the message; counts; returns ok. */
#define CHECK(cond, ...) check((cond), #cond, __LINE__, __VA_ARGS__)
__attribute__((format(printf, 4, 5)))
int check(int ok, const char *what, int line, const char *fmt, ...);

/* The environment variable name, or exit 2 when it is not set. */
const char *env(const char *name);

/* A client of the rig's Redis; exit 2 when none can be made. */
struct cw_redis *redis_client(void);
/* A store under prefix with its own client; store_close frees it. */
void store_open(struct cw_store *st, const char *prefix);
void store_close(struct cw_store *st);

/*
 * Runs a command given as NULL-terminated strings, the second word a key
 * suffix the store's prefix is put before: its integer reply (an array's
 * first element, or a string parsed), or -1.
 */
long long rcount(struct cw_store *st, const char *first, ...);

/* A revocation of uid, deadline a day after effective. */
struct cw_revocation make_rev(const char *uid, enum cw_revocation_kind kind,
    int64_t requested, int64_t effective);

/* rig.sh WHAT on the rig (stop-slapd, start-redis, ...): its status. */
int rig(const char *what);

void test_submit(void);
void test_reinstate(void);
void test_dead_letter(void);
void test_report(void);
void test_paging(void);
void test_denylist(void);
void test_end_sessions(void);
void test_ldap_steps(void);
void test_kill9(void);
void test_redis_restart(void);

#endif
