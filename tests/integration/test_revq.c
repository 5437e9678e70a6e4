/* SPDX-License-Identifier: MIT */
/*
 * test_revq.c - the revocation queue's building blocks against a real
 * redis-server and slapd (a rig that revq_test.sh starts, loads and always
 * stops): daemon/revoke/revq_*.c, revocation_steps.c, denylist.c; a part
 * per file (test_revq.h).
 *
 * Environment (revq_test.sh sets it from the rig's env file):
 *   CW_REDIS_SOCKET, CW_LDAP_URI, CW_LDAP_ADMIN_DN, CW_LDAP_ADMIN_PW_FILE,
 *   CW_STAFF_BASE, CW_LDAP_BASE, CW_HOSTCLASS_BASE, CW_ROLE_BASE
 *   CW_RIG, CW_RIG_DIR       rig.sh and the rig, for outages
 *   CW_TEST_DIR              a scratch directory
 *   CW_TEST_SESSION_USER     a real throwaway local account (uid >= 1000)
 *
 * Each part uses its own key prefix, so parts cannot see each other's
 * keys.  Prints "N passed, M failed" last.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_revq.h"

int passed, failed;

int
check(int ok, const char *what, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (ok)
		passed++;
	else
		printf("  (line %d: %s)", line, what);
	printf("\n");
	if (!ok)
		failed++;
	return ok;
}

const char *
env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "test_revq: %s is not set (run revq_test.sh)\n",
		    name);
		exit(2);
	}
	return v;
}

struct cw_redis *
redis_client(void)
{
	struct cw_redis_options o = {
		.transport = &cw_redis_transport_unix,
		.where = env("CW_REDIS_SOCKET"),
		.timeout_ms = 5000,
	};
	struct cw_redis *r = cw_redis_new(&o);

	if (r == NULL)
		exit(2);
	return r;
}

void
store_open(struct cw_store *st, const char *prefix)
{
	if (cw_store_init(st, redis_client(), prefix) < 0)
		exit(2);
}

void
store_close(struct cw_store *st)
{
	cw_redis_free(st->redis);
	st->redis = NULL;
}

/* Runs a command given as NULL-terminated strings: its integer reply (an
 * array's first element, or a string parsed), or -1. */
long long
rcount(struct cw_store *st, const char *first, ...)
{
	const char *argv[16];
	char err[256], key[128];
	redisReply *r;
	long long v = -1;
	va_list ap;
	int argc = 0;

	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 16;
	    a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	/* The second word is a key suffix: add the store's prefix. */
	if (argc > 1) {
		snprintf(key, sizeof(key), "%s%s", st->prefix, argv[1]);
		argv[1] = key;
	}
	if ((r = cw_redis_commandv(st->redis, err, sizeof(err), argc,
	    argv)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		v = r->integer;
	else if (r->type == REDIS_REPLY_STRING)
		v = strtoll(r->str, NULL, 10);
	else if (r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER)
		v = r->element[0]->integer;
	else if (r->type == REDIS_REPLY_NIL)
		v = 0;
	freeReplyObject(r);
	return v;
}

struct cw_revocation
make_rev(const char *uid, enum cw_revocation_kind kind, int64_t requested,
    int64_t effective)
{
	struct cw_revocation r;

	memset(&r, 0, sizeof(r));
	snprintf(r.uid, sizeof(r.uid), "%s", uid);
	r.kind = kind;
	snprintf(r.reason, sizeof(r.reason), "test: %s", uid);
	snprintf(r.actor, sizeof(r.actor), "harry");
	r.requested_at = requested;
	r.effective_at = effective;
	r.deadline = effective + 86400;
	return r;
}

int
rig(const char *what)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "bash '%s' %s '%s' >/dev/null 2>&1",
	    env("CW_RIG"), what, env("CW_RIG_DIR"));
	return system(cmd);
}


int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
#define PART(name) if (only == NULL || strcmp(only, #name) == 0) test_##name()
	PART(submit);
	PART(reinstate);
	PART(dead_letter);
	PART(report);
	PART(paging);
	PART(denylist);
	PART(end_sessions);
	PART(ldap_steps);
	PART(kill9);
	PART(redis_restart);
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}

