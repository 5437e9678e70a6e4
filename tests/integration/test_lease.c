/* SPDX-License-Identifier: MIT */
/*
 * test_lease.c - store/lease.h and the fenced writes of store.c against a
 * real redis-server (started by redis_test.sh): two candidates for one
 * lease; tokens only grow; a renewal of a lease that moved on fails and
 * forgets the token; a batch (store_write.lua), a cookie delete and a
 * leaver event sent with a stale token are refused whole, and counted;
 * the new holder's go through; a dead holder's token is taken over at
 * once; release lets the other in without waiting the ttl.
 *
 * Environment: CW_REDIS_SOCKET, the server's Unix socket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/lease.h"
#include "store/store.h"
#include "redis_client.h"

/* The string value of key (static buffer; "" when none). */
static const char *
get(struct cw_redis *r, const char *key)
{
	static char out[128];
	const char *argv[] = { "GET", key };
	char err[256];
	redisReply *x = cw_redis_command(r, err, sizeof(err), 2, argv, NULL);

	out[0] = '\0';
	if (x != NULL && x->type == REDIS_REPLY_STRING)
		snprintf(out, sizeof(out), "%s", x->str);
	freeReplyObject(x);
	return out;
}

static void
del(struct cw_redis *r, const char *key)
{
	const char *argv[] = { "DEL", key };
	char err[256];

	freeReplyObject(cw_redis_command(r, err, sizeof(err), 2, argv, NULL));
}

/* One staff change through st: the generation, or -1 (err). */
static long long
write_one(struct cw_store *st, const char *uuid, char *err, size_t errlen)
{
	struct cw_store_change c = { CW_KIND_STAFF, uuid,
	    "{\"dn\":\"uid=x\",\"uuid\":\"u\",\"attrs\":{}}" };

	return cw_store_write(st, &c, 1, CW_COOKIE_SET, "csn=1", 5, err,
	    errlen);
}

static void
two_candidates(struct cw_lease *a, struct cw_lease *b, struct cw_redis *r)
{
	char err[256], holder[CW_LEASE_TOKEN_MAX];
	long long ta, tb;

	CHECK(cw_lease_acquire(a, NULL, holder, sizeof(holder), err,
	    sizeof(err)) == 1);
	ta = cw_lease_token_now(a);
	CHECK(ta > 0 && strcmp(get(r, "t:sync:leader"), a->token) == 0);
	CHECK(cw_lease_acquire(b, NULL, holder, sizeof(holder), err,
	    sizeof(err)) == 0);
	CHECK(strcmp(holder, a->token) == 0 && !cw_lease_held(b));
	CHECK(cw_lease_renew(a, err, sizeof(err)) == 1);
	/* a acquiring again keeps its token (a renewal). */
	CHECK(cw_lease_acquire(a, NULL, NULL, 0, err, sizeof(err)) == 1 &&
	    cw_lease_token_now(a) == ta);
	/* The lease expires (as if a were paused past its ttl): b takes
	 * it with a greater token; a's renewal fails and forgets. */
	del(r, "t:sync:leader");
	CHECK(cw_lease_acquire(b, NULL, NULL, 0, err, sizeof(err)) == 1);
	tb = cw_lease_token_now(b);
	CHECK(tb > ta);
	CHECK(cw_lease_held(a));        /* a does not know yet */
}

static void
fenced_writes(struct cw_lease *a, struct cw_lease *b, struct cw_redis *r)
{
	struct cw_store sa, sb, plain;
	char err[256];
	long long gen;

	CHECK(cw_store_init(&sa, r, "t:") == 0 && cw_store_init(&sb, r,
	    "t:") == 0 && cw_store_init(&plain, r, "t:") == 0);
	sa.lease = a;
	sb.lease = b;
	gen = write_one(&sb, "u-b1", err, sizeof(err));
	CHECK(gen > 0);
	/* a's batch, with its stale token: refused whole, counted. */
	CHECK(write_one(&sa, "u-a1", err, sizeof(err)) < 0);
	CHECK(strstr(err, "FENCED") != NULL);
	CHECK(atomic_load(&a->refused) == 1 && !cw_lease_held(a));
	CHECK(atoll(get(r, "t:gen")) == gen);   /* nothing of a's */
	/* Without a token at all (lost): refused too. */
	CHECK(write_one(&sa, "u-a2", err, sizeof(err)) < 0);
	CHECK(cw_store_forget_cookie(&sa, err, sizeof(err)) < 0);
	CHECK(cw_store_record_leaver(&sa, "zed", "uid=zed", "test", 1, err,
	    sizeof(err)) < 0);
	CHECK(atomic_load(&a->refused) == 4);
	CHECK(strcmp(get(r, "t:ldap:cookie"), "csn=1") == 0);
	/* The holder's own writes go through; an unfenced store too. */
	CHECK(cw_store_record_leaver(&sb, "zed", "uid=zed", "test", 1, err,
	    sizeof(err)) == 1);
	CHECK(cw_store_forget_cookie(&sb, err, sizeof(err)) == 0);
	CHECK(write_one(&plain, "u-p1", err, sizeof(err)) == gen + 1);
	CHECK(cw_lease_renew(a, err, sizeof(err)) == 0);
}

int
main(void)
{
	struct cw_redis *r = cw_test_client();
	struct cw_lease a, b, c;
	char err[256], holder[CW_LEASE_TOKEN_MAX];
	long long tb;

	CHECK(cw_lease_init(&a, r, "t:", CW_KEY_SYNC_LEADER, CW_KEY_SYNC_FENCE,
	    4000) == 0);
	CHECK(cw_lease_init(&b, r, "t:", CW_KEY_SYNC_LEADER, CW_KEY_SYNC_FENCE,
	    4000) == 0);
	CHECK(cw_lease_init(&c, r, "t:", CW_KEY_SYNC_LEADER, CW_KEY_SYNC_FENCE,
	    4000) == 0);
	two_candidates(&a, &b, r);
	fenced_writes(&a, &b, r);
	/* c proves b dead (the flock of writer.token): takes over at once. */
	tb = cw_lease_token_now(&b);
	CHECK(cw_lease_acquire(&c, b.token, holder, sizeof(holder), err,
	    sizeof(err)) == 1);
	CHECK(cw_lease_token_now(&c) > tb && atoll(holder) == tb);
	/* Release by a non-holder changes nothing; by the holder frees it. */
	cw_lease_release(&b);
	CHECK(strcmp(get(r, "t:sync:leader"), c.token) == 0);
	cw_lease_release(&c);
	CHECK(get(r, "t:sync:leader")[0] == '\0' && !cw_lease_held(&c));
	CHECK(cw_lease_acquire(&a, NULL, NULL, 0, err, sizeof(err)) == 1);
	cw_lease_release(&a);
	cw_redis_free(r);
	if (cw_test_failures == 0)
		printf("lease: all checks passed\n");
	return cw_test_failures == 0 ? 0 : 1;
}
