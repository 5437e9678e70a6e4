/* SPDX-License-Identifier: MIT */
/*
 * test_revq_claim.c - the workers' side (daemon/revoke/revq_claim.c):
 * dead letters and retry, and 1,000 revocations through a kill -9 of a
 * worker and a Redis restart, none lost.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_revq.h"

void
test_dead_letter(void)
{
	struct cw_store st;
	struct cw_revocation r, got[1];
	struct cw_revq_claim_opts o = { "t3", 1, 50, true, 5 };
	struct cw_revq_list l;
	char err[256];
	int64_t now = time(NULL);
	int tries = 0, n;

	printf("# a step that always fails\n");
	store_open(&st, "dl:");
	r = make_rev("erin", CW_REV_REVOKE, now, now);
	cw_revq_submit(&st, &r, now, NULL, err, sizeof(err));
	/* The worker's rule: a refused step is retried (after idle_ms),
	 * and dead-lettered once delivered max_deliveries times. */
	while (tries < 20) {
		n = cw_revq_claim(&st, &o, now, got, err, sizeof(err));
		if (n == 0 && rcount(&st, "XLEN", "revq", NULL) == 0)
			break;
		if (n == 1) {
			tries++;
			cw_revq_step_done(&st, got[0].id, "remove_roles",
			    "schema refuses", now, err, sizeof(err));
			if (got[0].delivered >= o.max_deliveries)
				cw_revq_dead_letter(&st, got[0].sid, got[0].id,
				    got[0].delivered, "remove_roles: schema "
				    "refuses", now, err, sizeof(err));
		}
		usleep(80 * 1000);
	}
	CHECK(tries == 5, "delivered exactly 5 times (%d)", tries);
	CHECK(rcount(&st, "XLEN", "revq:dead", NULL) == 1 &&
	    rcount(&st, "XLEN", "revq", NULL) == 0 &&
	    rcount(&st, "XPENDING", "revq", CW_REVQ_GROUP, NULL) == 0,
	    "in the dead-letter stream, out of the queue");
	CHECK(cw_revq_get(&st, r.id, &r, err, sizeof(err)) == 1 &&
	    r.state == CW_REVQ_DEAD && r.alert &&
	    strstr(r.last_error, "schema refuses") != NULL,
	    "state dead, alert raised, error kept: %s", r.last_error);
	CHECK(cw_revq_pending(&st, &l, err, sizeof(err)) == 0 && l.count == 1 &&
	    l.items[0].state == CW_REVQ_DEAD, "still owed: listed as pending");
	cw_revq_list_free(&l);
	CHECK(rcount(&st, "SISMEMBER", "revoked", "erin", NULL) == 1,
	    "and still denied");

	/* A worker that dies on an entry records nothing: the claim itself
	 * dead-letters it after max_deliveries silent deliveries. */
	CHECK(cw_revq_retry(&st, r.id, now, err, sizeof(err)) == 1,
	    "an operator retries the dead one");
	for (tries = 0; tries < 20; tries++) {
		if (cw_revq_claim(&st, &o, now, got, err, sizeof(err)) == 0 &&
		    rcount(&st, "XLEN", "revq", NULL) == 0)
			break;
		usleep(80 * 1000);
	}
	CHECK(tries == 5 && rcount(&st, "XLEN", "revq:dead", NULL) == 2,
	    "a silently crashing entry is dead-lettered by the claim after "
	    "5 deliveries (%d)", tries);
	store_close(&st);
}

/* ------------------------------------------------- crash and restart */

struct worker_opts {
	const char *prefix;
	const char *consumer;
	long long idle_ms;
	int step_us;            /* simulated work per revocation */
	bool tolerate_errors;   /* keep going through a Redis outage */
};

/*
 * A worker: claims, records a step, completes, until nothing is open
 * (or DRAIN_LIMIT_S).  Returns how many it completed.  Meant to run in a
 * child process as well: it opens its own connection.
 */
static long
work(const struct worker_opts *w)
{
	struct cw_store st;
	struct cw_revocation got[10];
	struct cw_revq_claim_opts o = { w->consumer, 10, w->idle_ms, true, 0 };
	char err[256];
	time_t end = time(NULL) + DRAIN_LIMIT_S;
	long done = 0;
	int n, i;

	store_open(&st, w->prefix);
	while (time(NULL) < end) {
		n = cw_revq_claim(&st, &o, time(NULL), got, err, sizeof(err));
		o.own_pending_first = false;
		if (n < 0) {
			if (!w->tolerate_errors)
				break;
			usleep(100 * 1000);
			continue;
		}
		if (n == 0) {
			if (rcount(&st, "ZCARD", "rev:open", NULL) == 0)
				break;
			usleep(20 * 1000);
			continue;
		}
		for (i = 0; i < n; i++) {
			usleep((useconds_t)w->step_us);
			if (cw_revq_step_done(&st, got[i].id, "work", NULL,
			    time(NULL), err, sizeof(err)) < 0 ||
			    cw_revq_complete(&st, got[i].sid, got[i].id,
			    time(NULL), err, sizeof(err)) < 0)
				break;  /* retried after idle_ms */
			done++;
		}
	}
	store_close(&st);
	return done;
}

static pid_t
spawn_worker(const struct worker_opts *w)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(work(w) >= 0 ? 0 : 1);
	return pid;
}

static void
submit_bulk(struct cw_store *st, const char *tag)
{
	char err[256], uid[32];
	int64_t now = time(NULL);
	int i, bad = 0;

	for (i = 0; i < N_BULK; i++) {
		struct cw_revocation r;

		snprintf(uid, sizeof(uid), "%s%04d", tag, i);
		r = make_rev(uid, CW_REV_LEAVER, now, now);
		if (cw_revq_submit(st, &r, now, NULL, err, sizeof(err)) != 1)
			bad++;
	}
	CHECK(bad == 0 && rcount(st, "ZCARD", "rev:open", NULL) == N_BULK,
	    "%d revocations submitted", N_BULK);
}

/* Every revocation under the prefix is done: counted one by one. */
static void
check_all_done(struct cw_store *st, const char *what)
{
	struct cw_revq_list l;
	char err[256];
	long done = 0, open = rcount(st, "ZCARD", "rev:open", NULL);
	char month[8];

	cw_revq_month_of(time(NULL), month);
	/* The month index holds every id ever submitted under the prefix. */
	if (cw_revq_pending(st, &l, err, sizeof(err)) == 0)
		cw_revq_list_free(&l);
	{
		char key[64];
		const char *argv[2] = { "SMEMBERS", key };
		redisReply *ids;
		size_t i;

		snprintf(key, sizeof(key), "%srev:month:%s", st->prefix, month);
		ids = cw_redis_commandv(st->redis, err, sizeof(err), 2, argv);
		for (i = 0; ids != NULL && ids->type == REDIS_REPLY_ARRAY &&
		    i < ids->elements; i++) {
			struct cw_revocation r;

			if (cw_revq_get(st, ids->element[i]->str, &r, err,
			    sizeof(err)) == 1 && r.state == CW_REVQ_DONE &&
			    r.completed_at > 0)
				done++;
		}
		freeReplyObject(ids);
	}
	CHECK(done == N_BULK && open == 0, "%s: all %d done, none lost "
	    "(counted %ld done, %ld open)", what, N_BULK, done, open);
	CHECK(rcount(st, "XLEN", "revq", NULL) == 0 &&
	    rcount(st, "XPENDING", "revq", CW_REVQ_GROUP, NULL) == 0 &&
	    rcount(st, "XLEN", "revq:dead", NULL) == 0,
	    "%s: queue and pending list empty, nothing dead-lettered", what);
}

static long long
pending_of(struct cw_store *st, const char *consumer)
{
	char key[64], err[256];
	const char *argv[] = { "XPENDING", key, CW_REVQ_GROUP, "-", "+",
	    "1000", consumer };
	redisReply *r;
	long long n = -1;

	snprintf(key, sizeof(key), "%srevq", st->prefix);
	if ((r = cw_redis_commandv(st->redis, err, sizeof(err), 7, argv)) !=
	    NULL) {
		if (r->type == REDIS_REPLY_ARRAY)
			n = (long long)r->elements;
		freeReplyObject(r);
	}
	return n;
}

void
test_kill9(void)
{
	struct worker_opts a = { "k9:", "worker-a", 60000, 300, false };
	struct worker_opts b = { "k9:", "worker-b", 300, 0, false };
	struct cw_store st;
	long long open, held = 0;
	long by_b;
	int status, i;
	pid_t pid;

	printf("# kill -9 of a worker in the middle of %d revocations\n",
	    N_BULK);
	store_open(&st, "k9:");
	submit_bulk(&st, "k");
	pid = spawn_worker(&a);
	for (i = 0; i < 3000; i++) {
		open = rcount(&st, "ZCARD", "rev:open", NULL);
		held = pending_of(&st, "worker-a");
		if (open <= N_BULK * 6 / 10 && held > 0)
			break;
		usleep(5 * 1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	open = rcount(&st, "ZCARD", "rev:open", NULL);
	held = pending_of(&st, "worker-a");
	CHECK(WIFSIGNALED(status) && open > 0 && open < N_BULK && held > 0,
	    "worker A killed mid-way: %lld open, %lld claimed by A",
	    open, held);
	by_b = work(&b);
	CHECK(by_b >= open, "worker B took over A's claims (XAUTOCLAIM) and "
	    "the rest: %ld completed by B", by_b);
	CHECK(pending_of(&st, "worker-a") == 0, "nothing left with A");
	check_all_done(&st, "after kill -9");
	store_close(&st);
}

void
test_redis_restart(void)
{
	struct worker_opts w = { "rr:", "worker-r", 2000, 300, true };
	struct cw_store st;
	struct cw_revocation r;
	char err[256];
	long long open = 0;
	int status, i, rc;
	pid_t pid;

	printf("# redis restarted mid-queue\n");
	store_open(&st, "rr:");
	submit_bulk(&st, "r");
	pid = spawn_worker(&w);
	for (i = 0; i < 3000; i++) {
		open = rcount(&st, "ZCARD", "rev:open", NULL);
		if (open <= N_BULK * 7 / 10)
			break;
		usleep(5 * 1000);
	}
	rc = rig("stop-redis");
	r = make_rev("late", CW_REV_REVOKE, time(NULL), time(NULL));
	CHECK(rc == 0 && cw_revq_submit(&st, &r, time(NULL), NULL, err,
	    sizeof(err)) == -1, "redis stopped at %lld open; a submit fails "
	    "cleanly: %s", open, err);
	sleep(1);
	CHECK(rig("start-redis") == 0, "redis started again (AOF reloaded)");
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the worker rode out the outage");
	check_all_done(&st, "after the redis restart");
	store_close(&st);
}
