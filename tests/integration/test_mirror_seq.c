/* SPDX-License-Identifier: MIT */
/*
 * test_mirror_seq.c - the mirror's sequence fence of store_write.lua
 * (cw_store_write with st->mirror_seq, keys.h CW_KEY_MIRROR_SEQ) against
 * a real redis-server (started by redis_test.sh): a batch with the value
 * Redis holds goes through and advances both copies; one with any other
 * value (Redis gone back, or ahead) is refused whole with "BEHIND", names
 * both values and writes nothing (no entry, no generation, no cookie, no
 * log entry); an unchecked write ("" expected: st->mirror_seq NULL) goes
 * through whatever the counter holds and leaves it alone; a counter that
 * is not what INCR writes is not read as one.
 *
 * Environment: CW_REDIS_SOCKET, the server's Unix socket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "redis_client.h"

/* A command with up to 4 arguments; its integer or string reply as a
 * string (static buffer; "" for nil or an error). */
static const char *
cmd(struct cw_redis *r, const char *a0, const char *a1, const char *a2,
    const char *a3)
{
	static char out[128];
	const char *argv[] = { a0, a1, a2, a3 };
	int argc = a3 != NULL ? 4 : a2 != NULL ? 3 : a1 != NULL ? 2 : 1;
	char err[256];
	redisReply *x = cw_redis_command(r, err, sizeof(err), argc, argv,
	    NULL);

	out[0] = '\0';
	if (x != NULL && x->type == REDIS_REPLY_STRING)
		snprintf(out, sizeof(out), "%s", x->str);
	else if (x != NULL && x->type == REDIS_REPLY_INTEGER)
		snprintf(out, sizeof(out), "%lld", x->integer);
	freeReplyObject(x);
	return out;
}

/* One staff change with cookie: the generation, or -1 (err). */
static long long
write_one(struct cw_store *st, const char *uuid, const char *cookie,
    char *err, size_t errlen)
{
	struct cw_store_change c = { CW_KIND_STAFF, uuid,
	    "{\"dn\":\"uid=x\",\"uuid\":\"u\",\"attrs\":{}}" };

	return cw_store_write(st, &c, 1, CW_COOKIE_SET, cookie,
	    strlen(cookie), err, errlen);
}

/* The mirror's own writes: counted from a missing key (0). */
static void
in_step(struct cw_store *st, struct cw_redis *r, long long *seq)
{
	char err[256];
	long long gen;

	CHECK(cw_store_mirror_seq(st, seq, err, sizeof(err)) == 0 &&
	    *seq == 0);
	st->mirror_seq = seq;
	gen = write_one(st, "u-1", "csn=1", err, sizeof(err));
	CHECK(gen == 1 && *seq == 1);
	CHECK(strcmp(cmd(r, "GET", "t:sync:mirror_seq", NULL, NULL), "1") ==
	    0);
	/* The cookie clear the mirror sends is fenced and counted too. */
	CHECK(cw_store_write(st, NULL, 0, CW_COOKIE_CLEAR, NULL, 0, err,
	    sizeof(err)) == 2 && *seq == 2);
	CHECK(write_one(st, "u-2", "csn=2", err, sizeof(err)) == 3 &&
	    *seq == 3);
}

/* Redis went back (the counter lower) or moved on (higher): refused. */
static void
refused(struct cw_store *st, struct cw_redis *r, long long *seq)
{
	char err[256];

	cmd(r, "SET", "t:sync:mirror_seq", "1", NULL);
	err[0] = '\0';
	CHECK(write_one(st, "u-3", "csn=3", err, sizeof(err)) < 0);
	CHECK(strstr(err, "BEHIND ") != NULL && strstr(err, "holds 1") !=
	    NULL && strstr(err, "last wrote 3") != NULL);
	printf("refused: %s\n", err);
	CHECK(*seq == 3);
	CHECK(strcmp(cmd(r, "GET", "t:gen", NULL, NULL), "3") == 0);
	CHECK(strcmp(cmd(r, "GET", "t:ldap:cookie", NULL, NULL), "csn=2") ==
	    0);
	CHECK(strcmp(cmd(r, "HEXISTS", "t:staff", "u-3", NULL), "0") == 0);
	CHECK(strcmp(cmd(r, "XLEN", "t:changes", NULL, NULL), "3") == 0);
	CHECK(strcmp(cmd(r, "GET", "t:sync:mirror_seq", NULL, NULL), "1") ==
	    0);
	/* Gone altogether (FLUSHALL, an empty restart): missing is 0. */
	cmd(r, "DEL", "t:sync:mirror_seq", NULL, NULL);
	CHECK(write_one(st, "u-3", "csn=3", err, sizeof(err)) < 0 &&
	    strstr(err, "holds 0") != NULL);
	/* Ahead of the mirror (a write whose reply was lost): refused. */
	cmd(r, "SET", "t:sync:mirror_seq", "4", NULL);
	CHECK(write_one(st, "u-3", "csn=3", err, sizeof(err)) < 0 &&
	    strstr(err, "BEHIND ") != NULL);
	CHECK(strcmp(cmd(r, "GET", "t:sync:mirror_seq", NULL, NULL), "4") ==
	    0 && *seq == 3);
	/* A new session reads the counter again and writes on top. */
	CHECK(cw_store_mirror_seq(st, seq, err, sizeof(err)) == 0 &&
	    *seq == 4);
	CHECK(write_one(st, "u-3", "csn=3", err, sizeof(err)) == 4 &&
	    *seq == 5);
}

/* "" expected: tools and tests write unchecked and count nothing. */
static void
unchecked(struct cw_redis *r)
{
	struct cw_store plain;
	long long seq;
	char err[256];

	CHECK(cw_store_init(&plain, r, "t:") == 0 && plain.mirror_seq ==
	    NULL);
	CHECK(write_one(&plain, "u-4", "csn=4", err, sizeof(err)) == 5);
	CHECK(strcmp(cmd(r, "GET", "t:sync:mirror_seq", NULL, NULL), "5") ==
	    0);
	cmd(r, "SET", "t:sync:mirror_seq", "17", NULL);
	CHECK(write_one(&plain, "u-5", "csn=5", err, sizeof(err)) == 6);
	CHECK(strcmp(cmd(r, "GET", "t:sync:mirror_seq", NULL, NULL), "17") ==
	    0);
	/* Not what INCR writes: refused as a counter, not read as 0. */
	cmd(r, "SET", "t:sync:mirror_seq", "017", NULL);
	CHECK(cw_store_mirror_seq(&plain, &seq, err, sizeof(err)) < 0);
	cmd(r, "SET", "t:sync:mirror_seq", "x", NULL);
	CHECK(cw_store_mirror_seq(&plain, &seq, err, sizeof(err)) < 0);
}

int
main(void)
{
	struct cw_redis *r = cw_test_client();
	struct cw_store st;
	long long seq = -1;

	CHECK(cw_store_init(&st, r, "t:") == 0);
	in_step(&st, r, &seq);
	refused(&st, r, &seq);
	unchecked(r);
	cw_redis_free(r);
	if (cw_test_failures == 0)
		printf("mirror_seq: all checks passed\n");
	return cw_test_failures == 0 ? 0 : 1;
}
