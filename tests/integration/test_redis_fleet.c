/* SPDX-License-Identifier: MIT */
/*
 * test_redis_fleet.c - the client's fleet options (redis.h: check_role,
 * sentinel, reader) against a real master, two replicas and three
 * sentinels that redis_fleet_test.sh starts (tests/lib/sentinel.sh).
 *
 * Environment: CW_SN_MASTER, CW_SN_R1 (ports on 127.0.0.1), CW_SN_URI;
 * with CW_SN_TLS (a directory holding ca.pem) everything is TLS, the
 * servers' and sentinels' certificates checked for 127.0.0.1.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redis_uri.h"
#include "store/redis.h"
#include "store/redis_tls.h"
#include "store/sentinel.h"

static int failures;
static const struct cw_redis_transport *transport = &cw_redis_transport_tcp;
static struct cw_redis_tls *tls;

#define CHECK(cond) check((cond), #cond, __LINE__)

static int check(int ok, const char *what, int line)
{
	if (!ok) {
		failures++;
		fprintf(stderr, "FAIL line %d: %s\n", line, what);
	}
	return ok;
}

static struct cw_redis *make(int port, bool role, struct cw_sentinel *s,
    bool reader, int read_port)
{
	struct cw_redis_options o = {
		.transport = transport,
		.transport_arg = tls,
		.where = "127.0.0.1",
		.port = port,
		.timeout_ms = 2000,
		.check_role = role,
		.sentinel = s,
		.reader = reader,
		.read_where = read_port > 0 ? "127.0.0.1" : NULL,
		.read_port = read_port,
	};
	struct cw_redis *r = cw_redis_new(&o);

	if (r == NULL) {
		fprintf(stderr, "cw_redis_new failed\n");
		exit(2);
	}
	return r;
}

/* Runs a command of NUL-terminated words; the reply or NULL. */
static redisReply *cmd(struct cw_redis *r, char *err, size_t errlen, int argc,
    ...)
{
	const char *argv[8];
	va_list ap;
	int i;

	va_start(ap, argc);
	for (i = 0; i < argc && i < 8; i++)
		argv[i] = va_arg(ap, const char *);
	va_end(ap);
	err[0] = '\0';
	return cw_redis_commandv(r, err, errlen, argc, argv);
}

/* ROLE's first word through r, or "" when the call failed. */
static const char *role_of(struct cw_redis *r)
{
	static char kind[16];
	char err[256];
	redisReply *x = cmd(r, err, sizeof err, 1, "ROLE");

	kind[0] = '\0';
	if (x != NULL && x->type == REDIS_REPLY_ARRAY && x->elements > 0)
		snprintf(kind, sizeof kind, "%s", x->element[0]->str);
	if (x != NULL)
		freeReplyObject(x);
	return kind;
}

/* GET key through r equals want. */
static int get_is(struct cw_redis *r, const char *key, const char *want)
{
	char err[256];
	redisReply *x = cmd(r, err, sizeof err, 2, "GET", key);
	int ok = x != NULL && x->type == REDIS_REPLY_STRING &&
	    strcmp(x->str, want) == 0;

	if (x != NULL)
		freeReplyObject(x);
	return ok;
}

static void test_plain(int master, int replica)
{
	struct cw_redis *m = make(master, true, NULL, false, 0);
	struct cw_redis *checked = make(replica, true, NULL, false, 0);
	struct cw_redis *blind = make(replica, false, NULL, false, 0);
	char err[512];
	redisReply *x;

	x = cmd(m, err, sizeof err, 3, "SET", "fleet:a", "1");
	CHECK(x != NULL && x->type == REDIS_REPLY_STATUS);
	if (x != NULL)
		freeReplyObject(x);
	/* WAIT 1: the master has two replicas. */
	CHECK(cw_redis_wait_replica(m, 500, err, sizeof err) >= 1);
	/* ROLE checked: a replica is refused before anything is sent. */
	x = cmd(checked, err, sizeof err, 3, "SET", "fleet:b", "1");
	CHECK(x == NULL);
	CHECK(strstr(err, "is a replica, not the master") != NULL);
	CHECK(!cw_redis_unanswered(checked));
	/* No ROLE check: READONLY is a failure, never a reply. */
	x = cmd(blind, err, sizeof err, 3, "SET", "fleet:b", "1");
	CHECK(x == NULL);
	CHECK(strstr(err, "refused (READONLY") != NULL);
	CHECK(!cw_redis_unanswered(blind));
	/* A transaction with a refused write: refused whole. */
	{
		const char *multi[] = { "MULTI" }, *set[] = { "SET", "fleet:t",
		    "1" }, *exec[] = { "EXEC" };
		const char *const *argv[3] = { multi, set, exec };
		const int argc[3] = { 1, 3, 1 };
		redisReply *rep[3];

		CHECK(cw_redis_pipeline(blind, err, sizeof err, 3, argc, argv,
		    NULL, rep) == -1);
		CHECK(rep[0] == NULL && rep[2] == NULL);
		CHECK(strstr(err, "refused (READONLY") != NULL);
	}
	CHECK(get_is(m, "fleet:a", "1"));
	cw_redis_free(m);
	cw_redis_free(checked);
	cw_redis_free(blind);
	printf("ok   - plain: ROLE refuses a replica, READONLY is no answer, "
	    "WAIT 1\n");
}

static void test_reader(int master, int replica)
{
	struct cw_redis *m = make(master, true, NULL, false, 0);
	struct cw_redis *rd = make(master, true, NULL, true, replica);
	char err[512];
	redisReply *x;

	x = cmd(m, err, sizeof err, 3, "SET", "fleet:c", "before");
	if (x != NULL)
		freeReplyObject(x);
	/* Caught up at connect: the replica has what the master had. */
	CHECK(get_is(rd, "fleet:c", "before"));
	CHECK(strcmp(role_of(rd), "slave") == 0);
	/* A write through the reader runs on the master, once. */
	x = cmd(rd, err, sizeof err, 2, "INCR", "fleet:n");
	CHECK(x != NULL && x->type == REDIS_REPLY_INTEGER &&
	    x->integer == 1);
	if (x != NULL)
		freeReplyObject(x);
	CHECK(get_is(m, "fleet:n", "1"));
	/* The reader kept its replica for reads. */
	CHECK(strcmp(role_of(rd), "slave") == 0);
	/* The replica loses its master: the reader notices within
	 * READER_RECHECK_MS (5 s) and reads from the master instead. */
	{
		struct cw_redis *admin = make(replica, false, NULL, false, 0);
		char mport[16];

		x = cmd(admin, err, sizeof err, 3, "REPLICAOF", "127.0.0.1",
		    "1");
		if (x != NULL)
			freeReplyObject(x);
		sleep(6);
		CHECK(get_is(rd, "fleet:c", "before"));
		CHECK(strcmp(role_of(rd), "master") == 0);
		snprintf(mport, sizeof mport, "%d", master);
		x = cmd(admin, err, sizeof err, 3, "REPLICAOF", "127.0.0.1",
		    mport);
		if (x != NULL)
			freeReplyObject(x);
		cw_redis_free(admin);
	}
	cw_redis_free(m);
	cw_redis_free(rd);
	printf("ok   - reader: reads a caught-up replica, writes go to the "
	    "master once, leaves a replica cut off from its master\n");
}

static void test_sentinel(const char *uri, int master)
{
	struct cw_sentinel_options so = {
		.transport = transport,
		.transport_arg = tls,
		.timeout_ms = 2000,
	};
	struct cw_sentinel_answer a;
	struct cw_sentinel_uri u;
	struct cw_sentinel *s;
	struct cw_redis *m, *rd;
	char err[512];
	redisReply *x, *id1, *id2;

	if (!CHECK(cw_sentinel_uri_parse(uri, &u, err, sizeof err) == 0))
		return;
	so.uri = &u;
	s = cw_sentinel_new(&so);
	CHECK(cw_sentinel_ask(s, 0, true, 1000, &a, err, sizeof err) == 0);
	CHECK(a.master.port == master && a.nreplicas == 2);
	m = make(0, true, s, false, 0);
	rd = make(0, true, s, true, 0);
	x = cmd(m, err, sizeof err, 3, "SET", "fleet:s", "yes");
	CHECK(x != NULL && x->type == REDIS_REPLY_STATUS);
	if (x != NULL)
		freeReplyObject(x);
	CHECK(strcmp(role_of(m), "master") == 0);
	CHECK(get_is(rd, "fleet:s", "yes"));
	CHECK(strcmp(role_of(rd), "slave") == 0);
	/* A topology epoch bump: the next call is on a new connection. */
	id1 = cmd(m, err, sizeof err, 2, "CLIENT", "ID");
	cw_sentinel_bump(s);
	id2 = cmd(m, err, sizeof err, 2, "CLIENT", "ID");
	CHECK(id1 != NULL && id2 != NULL && id1->integer != id2->integer);
	if (id1 != NULL)
		freeReplyObject(id1);
	if (id2 != NULL)
		freeReplyObject(id2);
	cw_redis_free(m);
	cw_redis_free(rd);
	cw_sentinel_free(s);
	printf("ok   - sentinel: the master found, a reader on a replica, an "
	    "epoch bump reconnects\n");
}

int main(void)
{
	const char *m = getenv("CW_SN_MASTER"), *r1 = getenv("CW_SN_R1"),
	    *uri = getenv("CW_SN_URI");

	const char *tls_dir = getenv("CW_SN_TLS");
	char ca[512], err[512];
	struct cw_redis_tls_options to = { .ca_file = ca,
	    .server_name = "127.0.0.1" };

	if (m == NULL || r1 == NULL || uri == NULL) {
		fprintf(stderr, "CW_SN_MASTER, CW_SN_R1, CW_SN_URI needed\n");
		return 2;
	}
	if (tls_dir != NULL && tls_dir[0] != '\0') {
		snprintf(ca, sizeof ca, "%s/ca.pem", tls_dir);
		if ((tls = cw_redis_tls_new(&to, err, sizeof err)) == NULL) {
			fprintf(stderr, "tls: %s\n", err);
			return 2;
		}
		transport = &cw_redis_transport_tls;
		printf("# TLS to every server and sentinel\n");
	}
	test_plain(atoi(m), atoi(r1));
	test_reader(atoi(m), atoi(r1));
	test_sentinel(uri, atoi(m));
	cw_redis_tls_free(tls);
	printf("%d failures\n", failures);
	return failures == 0 ? 0 : 1;
}
