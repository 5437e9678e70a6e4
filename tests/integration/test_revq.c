/* SPDX-License-Identifier: MIT */
/*
 * test_revq.c - the revocation queue's building blocks against a real
 * redis-server and slapd (a rig that revq_test.sh starts, loads and always
 * stops): daemon/revoke/revocation_queue.c, revocation_steps.c, denylist.c.
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
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "model/denylist.h"
#include "sync/ldap_conn.h"
#include "revoke/revocation_queue.h"
#include "revoke/revocation_steps.h"
#include "store/store.h"

#define N_BULK 1000             /* revocations in the crash tests */
#define DRAIN_LIMIT_S 120       /* a worker gives up after this long */

static int passed, failed;

#define CHECK(cond, ...) check((cond), #cond, __LINE__, __VA_ARGS__)

__attribute__((format(printf, 4, 5)))
static int
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

static const char *
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

/* ------------------------------------------------------------ helpers */

static struct cw_redis *
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

static void
store_open(struct cw_store *st, const char *prefix)
{
	if (cw_store_init(st, redis_client(), prefix) < 0)
		exit(2);
}

static void
store_close(struct cw_store *st)
{
	cw_redis_free(st->redis);
	st->redis = NULL;
}

/* Runs a command given as NULL-terminated strings: its integer reply (an
 * array's first element, or a string parsed), or -1. */
static long long
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

static struct cw_revocation
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

static int
rig(const char *what)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "bash '%s' %s '%s' >/dev/null 2>&1",
	    env("CW_RIG"), what, env("CW_RIG_DIR"));
	return system(cmd);
}

/* ------------------------------------------------- submit and promote */

static bool
revoked_in_delta(struct cw_store *st, long long from, const char *uid)
{
	char err[256];
	size_t skipped;
	bool gap, found;
	struct cw_delta *d = cw_store_delta_since(st, from, &gap, &skipped,
	    err, sizeof(err));

	if (d == NULL)
		return false;
	found = d->has_revoked && cw_strmap_get(&d->revoked, uid) != NULL;
	cw_delta_free(d);
	return found;
}

static void
test_submit(void)
{
	struct cw_store st;
	struct cw_revocation r, f, e, got[4];
	struct cw_revq_claim_opts o = { "t1", 4, 60000, false, 0 };
	enum cw_revq_state state;
	char err[256];
	long long gen0, gen1;
	int64_t now = time(NULL);
	int n, i;

	printf("# submit, now and in the future\n");
	store_open(&st, "s:");
	cw_store_generation(&st, &gen0, err, sizeof(err));
	r = make_rev("mallory", CW_REV_REVOKE, now, now);
	CHECK(cw_revq_submit(&st, &r, now, &state, err, sizeof(err)) == 1 &&
	    state == CW_REVQ_QUEUED, "immediate revocation queued (%s)", err);
	CHECK(strncmp(r.id, "r", 1) == 0 && cw_revq_id_valid(r.id),
	    "an id was generated: %s", r.id);
	CHECK(rcount(&st, "SISMEMBER", "revoked", "mallory", NULL) == 1,
	    "the user is in the revoked set at once");
	cw_store_generation(&st, &gen1, err, sizeof(err));
	CHECK(gen1 == gen0 + 1, "the generation was bumped");
	CHECK(revoked_in_delta(&st, gen0, "mallory"),
	    "the daemon's delta reader sees the revocation (no gap)");
	CHECK(cw_revq_submit(&st, &r, now + 5, &state, err, sizeof(err)) ==
	    0 && state == CW_REVQ_QUEUED, "resubmitting the same id: no-op");
	cw_store_generation(&st, &gen0, err, sizeof(err));
	CHECK(gen0 == gen1 && rcount(&st, "XLEN", "revq", NULL) == 1,
	    "no second queue entry, no second bump");

	f = make_rev("carol", CW_REV_LEAVER, now, now + 3600);
	CHECK(cw_revq_submit(&st, &f, now, &state, err, sizeof(err)) == 1 &&
	    state == CW_REVQ_SCHEDULED, "future leaver scheduled");
	CHECK(rcount(&st, "SISMEMBER", "revoked", "carol", NULL) == 0 &&
	    rcount(&st, "ZCARD", "revsched", NULL) == 1,
	    "not revoked before the effective time");
	CHECK(cw_revq_promote_due(&st, now + 3599, 100, err, sizeof(err)) ==
	    0 && rcount(&st, "XLEN", "revq", NULL) == 1,
	    "promote one second early: nothing moves");
	CHECK(cw_revq_promote_due(&st, now + 3600, 100, err, sizeof(err)) ==
	    1, "promote at the effective time: it moves");
	CHECK(rcount(&st, "SISMEMBER", "revoked", "carol", NULL) == 1 &&
	    rcount(&st, "XLEN", "revq", NULL) == 2 &&
	    rcount(&st, "ZCARD", "revsched", NULL) == 0,
	    "now revoked and queued");
	CHECK(cw_revq_promote_due(&st, now + 7200, 100, err, sizeof(err)) ==
	    0 && rcount(&st, "XLEN", "revq", NULL) == 2,
	    "promoting again moves nothing twice");

	e = make_rev("oscar", CW_REV_ELEVATION_EXPIRED, now, now);
	snprintf(e.role, sizeof(e.role), "ops-admin");
	CHECK(cw_revq_submit(&st, &e, now, &state, err, sizeof(err)) == 1 &&
	    rcount(&st, "SISMEMBER", "revoked", "oscar", NULL) == 0,
	    "an expired elevation is queued without denying the person");

	r = make_rev("bad user", CW_REV_REVOKE, now, now);
	CHECK(cw_revq_submit(&st, &r, now, NULL, err, sizeof(err)) == -1,
	    "an invalid user name is refused: %s", err);
	r = make_rev("alice", CW_REV_REVOKE, now, now);
	snprintf(r.reason, sizeof(r.reason), "two\nlines");
	CHECK(cw_revq_submit(&st, &r, now, NULL, err, sizeof(err)) == -1,
	    "a reason with a newline is refused");

	n = cw_revq_claim(&st, &o, now, got, err, sizeof(err));
	CHECK(n == 3, "claim returns the three queued (%d: %s)", n, err);
	for (i = 0; i < n; i++) {
		CHECK(got[i].delivered == 1 && got[i].sid[0] != '\0' &&
		    got[i].state == CW_REVQ_QUEUED, "claimed %s (%s) once",
		    got[i].id, got[i].uid);
		cw_revq_step_done(&st, got[i].id, "lock_ldap", NULL, now, err,
		    sizeof(err));
		CHECK(cw_revq_complete(&st, got[i].sid, got[i].id, now + 10,
		    err, sizeof(err)) == 1, "completed %s", got[i].id);
		CHECK(cw_revq_complete(&st, got[i].sid, got[i].id, now + 11,
		    err, sizeof(err)) == 0, "completing again is a no-op");
	}
	CHECK(cw_revq_get(&st, f.id, &f, err, sizeof(err)) == 1 &&
	    f.state == CW_REVQ_DONE && f.completed_at == now + 10 &&
	    cw_revq_step_is_done(&f, "lock_ldap"),
	    "the record says done, when, and which step");
	CHECK(rcount(&st, "XLEN", "revq", NULL) == 0 &&
	    rcount(&st, "XPENDING", "revq", CW_REVQ_GROUP, NULL) == 0 &&
	    rcount(&st, "ZCARD", "rev:open", NULL) == 0,
	    "stream, pending list and open set are empty");
	CHECK(cw_revq_claim(&st, &o, now, got, err, sizeof(err)) == 0,
	    "nothing more to claim");
	store_close(&st);
}

/* ------------------------------------------------ reinstate, dead letter */

static void
test_reinstate(void)
{
	struct cw_store st;
	struct cw_revocation a, b, got[2];
	struct cw_revq_claim_opts o = { "t2", 2, 60000, false, 0 };
	char err[256];
	bool was;
	long long gen0, gen1;
	int64_t now = time(NULL);

	printf("# reinstate\n");
	store_open(&st, "ri:");
	a = make_rev("dave", CW_REV_REVOKE, now, now);
	b = make_rev("dave", CW_REV_LEAVER, now, now + 7200);
	cw_revq_submit(&st, &a, now, NULL, err, sizeof(err));
	cw_revq_submit(&st, &b, now, NULL, err, sizeof(err));
	cw_store_generation(&st, &gen0, err, sizeof(err));
	CHECK(cw_revq_reinstate(&st, "dave", "anna", "wrong person", now + 5,
	    &was, err, sizeof(err)) == 2 && was,
	    "reinstate cancels both revocations of the user");
	cw_store_generation(&st, &gen1, err, sizeof(err));
	CHECK(rcount(&st, "SISMEMBER", "revoked", "dave", NULL) == 0 &&
	    gen1 == gen0 + 1, "no longer revoked; generation bumped");
	CHECK(cw_revq_get(&st, a.id, &a, err, sizeof(err)) == 1 &&
	    a.state == CW_REVQ_CANCELLED && strcmp(a.cancelled_by, "anna") ==
	    0 && strcmp(a.cancel_reason, "wrong person") == 0 &&
	    a.cancelled_at == now + 5, "the record says who, why and when");
	CHECK(rcount(&st, "XLEN", "revq", NULL) == 0 &&
	    rcount(&st, "ZCARD", "revsched", NULL) == 0 &&
	    cw_revq_claim(&st, &o, now, got, err, sizeof(err)) == 0,
	    "nothing left to work on");
	CHECK(cw_revq_promote_due(&st, now + 7200, 10, err, sizeof(err)) == 0 &&
	    rcount(&st, "SISMEMBER", "revoked", "dave", NULL) == 0,
	    "the cancelled future leaver never takes effect");
	CHECK(cw_revq_reinstate(&st, "dave", "anna", "again", now + 6, &was,
	    err, sizeof(err)) == 0 && !was,
	    "reinstating again changes nothing");
	store_close(&st);
}

static void
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

/* ---------------------------------------------------- report, watch */

struct report {
	int rows, met, missed, pending;
	int64_t now;
};

static void
report_row(const struct cw_revocation *r, void *arg)
{
	struct report *rep = arg;
	const char *o = cw_revq_outcome(r, rep->now);

	printf("#   %s %s requested %lld deadline %lld completed %lld "
	    "elapsed %lld %s steps %zu\n", r->id, r->uid,
	    (long long)r->requested_at, (long long)r->deadline,
	    (long long)r->completed_at, r->completed_at ?
	    (long long)(r->completed_at - r->requested_at) : -1LL, o,
	    r->nsteps);
	rep->rows++;
	rep->met += strcmp(o, "met") == 0;
	rep->missed += strcmp(o, "missed") == 0;
	rep->pending += strcmp(o, "pending") == 0;
}

static void
test_report(void)
{
	/* Tuesday 3 March 2026, 10:00 UTC (GMT): deadline Wed 10:00. */
	const int64_t t0 = 1772532000;
	struct cw_store st;
	struct cw_revocation r[3], got[3];
	struct cw_revq_claim_opts o = { "t4", 3, 60000, false, 0 };
	struct report rep = { 0, 0, 0, 0, t0 + 3600 };
	struct cw_revq_list l;
	char err[256];
	int i, n;

	printf("# report and deadline watch\n");
	store_open(&st, "rp:");
	for (i = 0; i < 3; i++) {
		char uid[16];

		snprintf(uid, sizeof(uid), "user%d", i);
		r[i] = make_rev(uid, CW_REV_LEAVER, t0 + i, t0 + i);
		r[i].deadline = t0 + i + 86400;
		cw_revq_submit(&st, &r[i], t0 + i, NULL, err, sizeof(err));
	}
	n = cw_revq_claim(&st, &o, t0, got, err, sizeof(err));
	CHECK(n == 3, "three claimed");
	for (i = 0; i < n && i < 2; i++) {
		cw_revq_step_done(&st, got[i].id, "lock_ldap", NULL, t0 + 60,
		    err, sizeof(err));
		/* one in 60 s, one two days late */
		cw_revq_complete(&st, got[i].sid, got[i].id, i == 0 ?
		    t0 + 60 : t0 + 2 * 86400, err, sizeof(err));
	}
	CHECK(cw_revq_month(&st, "2026-03", report_row, &rep, err,
	    sizeof(err)) == 0 && rep.rows == 3,
	    "the March report lists all three (%d)", rep.rows);
	CHECK(rep.met == 1 && rep.missed == 1 && rep.pending == 1,
	    "one met, one missed, one pending");
	rep.rows = 0;
	CHECK(cw_revq_month(&st, "2026-04", report_row, &rep, err,
	    sizeof(err)) == 0 && rep.rows == 0, "April has none");
	CHECK(cw_revq_month(&st, "2026-13", report_row, &rep, err,
	    sizeof(err)) == -1, "a bad month is refused");

	CHECK(cw_revq_pending(&st, &l, err, sizeof(err)) == 0 && l.count == 1,
	    "one pending");
	if (l.count == 1) {
		struct cw_revocation *p = &l.items[0];

		CHECK(cw_revq_classify(p, t0 + 3600, 0.5) == CW_REVQ_ON_TIME &&
		    cw_revq_classify(p, t0 + 43202, 0.5) == CW_REVQ_WARNING &&
		    cw_revq_classify(p, t0 + 86402, 0.5) == CW_REVQ_MISSED &&
		    cw_revq_classify(p, t0 + 21602, 0.25) == CW_REVQ_WARNING,
		    "on time, warning past half the window, missed after");
		CHECK(cw_revq_time_left(p, t0 + 3602) == 86400 - 3600,
		    "time left counts down to the deadline");
	}
	cw_revq_list_free(&l);
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

static void
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

static void
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

/* ------------------------------------------------------- LDAP steps */

static LDAP *
ldap_open(char *err, size_t errlen)
{
	struct cw_config cfg;
	char ini[2048];
	LDAP *ld = NULL;

	snprintf(ini, sizeof(ini), "[ldap]\nuri = %s\nstaff_base = %s\n"
	    "hostclass_base = %s\nrole_base = %s\nbind_dn = %s\n"
	    "bind_password_file = %s\ntimeout_ms = 2000\n",
	    env("CW_LDAP_URI"), env("CW_STAFF_BASE"),
	    env("CW_HOSTCLASS_BASE"), env("CW_ROLE_BASE"),
	    env("CW_LDAP_ADMIN_DN"), env("CW_LDAP_ADMIN_PW_FILE"));
	if (cw_config_defaults(&cfg) == 0 &&
	    cw_config_parse(ini, strlen(ini), &cfg, err, errlen) == 0)
		ld = cw_ldap_connect(&cfg, err, errlen);
	cw_config_free(&cfg);
	return ld;
}

/* A simple bind as dn with "secret": the LDAP result code. */
static int
user_bind(const char *dn)
{
	struct berval cred = { 6, "secret" };
	int version = LDAP_VERSION3, rc;
	LDAP *ld;

	if (ldap_initialize(&ld, env("CW_LDAP_URI")) != LDAP_SUCCESS)
		return -1;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
	rc = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL);
	ldap_unbind_ext_s(ld, NULL, NULL);
	return rc;
}

/* Whether attribute attr of dn holds value (-1: cannot read). */
static int
has_value(LDAP *ld, const char *dn, const char *attr, const char *value)
{
	char *attrs[] = { (char *)attr, NULL };
	LDAPMessage *res = NULL, *e;
	struct berval **v;
	int i, found = 0;

	if (ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    attrs, 0, NULL, NULL, NULL, 0, &res) != LDAP_SUCCESS) {
		ldap_msgfree(res);
		return -1;
	}
	e = ldap_first_entry(ld, res);
	v = e ? ldap_get_values_len(ld, e, attr) : NULL;
	for (i = 0; v != NULL && v[i] != NULL; i++)
		found |= v[i]->bv_len == strlen(value) &&
		    memcmp(v[i]->bv_val, value, v[i]->bv_len) == 0;
	ldap_value_free_len(v);
	ldap_msgfree(res);
	return found;
}

static void
test_ldap_steps(void)
{
	char err[512], dn_ops[256], dn_posix[256], dn_solo[256];
	char *dn = NULL, *dn2 = NULL, *dn3 = NULL;
	char *names[4] = { "ops", "dev", dn_ops, dn_posix };
	struct cw_name_list roles = { names, 4 };
	char *solo_names[1] = { dn_solo };
	struct cw_name_list solo = { solo_names, 1 };
	LDAP *ld;
	int rc;

	printf("# LDAP steps\n");
	snprintf(dn_ops, sizeof(dn_ops), "cn=ops-team,ou=groups,%s",
	    env("CW_LDAP_BASE"));
	snprintf(dn_posix, sizeof(dn_posix), "cn=posix-ops,ou=groups,%s",
	    env("CW_LDAP_BASE"));
	snprintf(dn_solo, sizeof(dn_solo), "cn=solo,ou=groups,%s",
	    env("CW_LDAP_BASE"));
	if (!CHECK((ld = ldap_open(err, sizeof(err))) != NULL,
	    "connected to slapd (%s)", err))
		return;
	rc = cw_step_find_dn(ld, env("CW_STAFF_BASE"), "rqone", &dn, err,
	    sizeof(err));
	CHECK(rc == CW_STEP_DONE && dn != NULL, "found rqone: %s",
	    dn ? dn : err);
	CHECK(cw_step_find_dn(ld, env("CW_STAFF_BASE"), "nobody", &dn3, err,
	    sizeof(err)) == CW_STEP_DONE && dn3 == NULL,
	    "no entry for an unknown uid (nothing to lock)");
	if (dn == NULL)
		goto out;
	CHECK(user_bind(dn) == LDAP_SUCCESS, "rqone can bind before");
	CHECK(cw_step_lock_ldap(ld, dn, err, sizeof(err)) == CW_STEP_DONE,
	    "lock: done (%s)", err);
	rc = user_bind(dn);
	CHECK(rc == LDAP_INVALID_CREDENTIALS, "bind as rqone with the right "
	    "password now fails: %s", ldap_err2string(rc));
	CHECK(cw_step_lock_ldap(ld, dn, err, sizeof(err)) == CW_STEP_DONE,
	    "locking again: done");

	CHECK(cw_step_remove_roles(ld, dn, &roles, err, sizeof(err)) ==
	    CW_STEP_DONE, "remove roles: done (%s)", err);
	CHECK(has_value(ld, dn, "cwRole", "ops") == 0 &&
	    has_value(ld, dn, "cwRole", "dev") == 0 &&
	    has_value(ld, dn, "cwRole", "approver") == 1,
	    "ops and dev removed, the unlisted role kept");
	CHECK(has_value(ld, dn_ops, "member", dn) == 0 &&
	    has_value(ld, dn_posix, "memberUid", "rqone") == 0 &&
	    has_value(ld, dn_posix, "memberUid", "rqtwo") == 1,
	    "out of both groups, others still in");
	CHECK(cw_step_remove_roles(ld, dn, &roles, err, sizeof(err)) ==
	    CW_STEP_DONE, "removing again: done (idempotent)");
	CHECK(cw_step_remove_roles(ld, dn, &solo, err, sizeof(err)) ==
	    CW_STEP_FAILED && strstr(err, "placeholder") != NULL,
	    "the last member of a groupOfNames: refused, with advice: %s",
	    err);

	/* The directory goes away in the middle of the work. */
	cw_step_find_dn(ld, env("CW_STAFF_BASE"), "rqtwo", &dn2, err,
	    sizeof(err));
	CHECK(dn2 != NULL && rig("stop-slapd") == 0, "slapd stopped");
	if (dn2 == NULL)
		goto out;
	CHECK(cw_step_lock_ldap(ld, dn2, err, sizeof(err)) == CW_STEP_RETRY,
	    "lock with LDAP down: retry later (%s)", err);
	CHECK(cw_step_remove_roles(ld, dn2, &roles, err, sizeof(err)) ==
	    CW_STEP_RETRY, "remove roles with LDAP down: retry later");
	ldap_unbind_ext_s(ld, NULL, NULL);
	CHECK((ld = ldap_open(err, sizeof(err))) == NULL,
	    "no new connection while it is down");
	CHECK(rig("start-slapd") == 0 && (ld = ldap_open(err,
	    sizeof(err))) != NULL, "slapd back; reconnected");
	if (ld == NULL)
		goto out;
	CHECK(cw_step_lock_ldap(ld, dn2, err, sizeof(err)) == CW_STEP_DONE &&
	    cw_step_remove_roles(ld, dn2, &roles, err, sizeof(err)) ==
	    CW_STEP_DONE && user_bind(dn2) == LDAP_INVALID_CREDENTIALS &&
	    has_value(ld, dn_posix, "memberUid", "rqtwo") == 0,
	    "after it returns both steps complete");
out:
	ldap_memfree(dn);
	ldap_memfree(dn2);
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
}

/* ---------------------------------------------------- end sessions */

/* Starts `sleep 300` as user; waits until /proc shows it. */
static pid_t
start_session(const char *user, unsigned uid)
{
	char reuid[96], regid[96];
	pid_t pid;
	int i;

	snprintf(reuid, sizeof(reuid), "--reuid=%s", user);
	snprintf(regid, sizeof(regid), "--regid=%s", user);
	if ((pid = fork()) == 0) {
		execlp("setpriv", "setpriv", reuid, regid, "--clear-groups",
		    "sleep", "300", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200 && cw_processes_of(uid, NULL, 0) == 0; i++)
		usleep(10 * 1000);
	return pid;
}

static void
test_end_sessions(void)
{
	const char *user = env("CW_TEST_SESSION_USER");
	struct passwd *pw = getpwnam(user);
	char err[512];
	int status;
	pid_t pid;

	printf("# end sessions\n");
	if (!CHECK(pw != NULL && pw->pw_uid >= CW_SESSION_UID_MIN,
	    "throwaway user %s exists", user))
		return;
	pid = start_session(user, pw->pw_uid);
	CHECK(cw_processes_of(pw->pw_uid, NULL, 0) == 1,
	    "a process of %s runs (pid %d)", user, (int)pid);
	CHECK(cw_step_end_sessions(user, "/bin/true %u", 300, err,
	    sizeof(err)) == CW_STEP_FAILED && strstr(err, "remain"),
	    "a command that kills nothing: the check says so: %s", err);
	CHECK(cw_step_end_sessions(user, "pkill -KILL -u %u", 5000, err,
	    sizeof(err)) == CW_STEP_DONE, "pkill -KILL -u %%u: done (%s)",
	    err);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGKILL, "the session was killed");
	CHECK(cw_step_end_sessions(user, "pkill -KILL -u %u", 5000, err,
	    sizeof(err)) == CW_STEP_DONE && strstr(err, "exited 1"),
	    "again, with nothing left: done (%s)", err);
	CHECK(cw_step_end_sessions(user, "sleep 30", 300, err, sizeof(err)) ==
	    CW_STEP_DONE && strstr(err, "killed after"),
	    "a hanging command is killed at its timeout: %s", err);
	CHECK(cw_step_end_sessions(user, "pkill -u %x", 300, err,
	    sizeof(err)) == CW_STEP_FAILED, "%%x in the template: refused");
	CHECK(cw_step_end_sessions("daemon", "pkill -KILL -u %u", 300, err,
	    sizeof(err)) == CW_STEP_FAILED, "a system account: refused (%s)",
	    err);
	CHECK(cw_step_end_sessions("no-such-user-x", "pkill -KILL -u %u", 300,
	    err, sizeof(err)) == CW_STEP_DONE, "no local account: done");
	CHECK(cw_step_end_sessions("x;rm", "pkill -KILL -u %u", 300, err,
	    sizeof(err)) == CW_STEP_FAILED, "an invalid name: refused");
}

/* ---------------------------------------------------------- deny-list */

static void
test_denylist(void)
{
	char path[512], err[256], *buf = NULL;
	struct cw_strmap m, got;
	struct stat sb;
	void *old;
	size_t len;
	FILE *f;
	long size;

	printf("# deny-list\n");
	snprintf(path, sizeof(path), "%s/revoked.list", env("CW_TEST_DIR"));
	cw_strmap_init(&m);
	cw_strmap_init(&got);
	CHECK(cw_denylist_load(path, &got, err, sizeof(err)) == 1,
	    "no file yet: said so");
	cw_strmap_put(&m, "mallory", (void *)1, &old);
	cw_strmap_put(&m, "carol", (void *)1, &old);
	cw_strmap_put(&m, "alice.b", (void *)1, &old);
	CHECK(cw_denylist_save(path, &m, err, sizeof(err)) == 0 &&
	    stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "saved with mode 0600 (%s)", err);
	CHECK(cw_denylist_load(path, &got, err, sizeof(err)) == 0 &&
	    got.count == 3 && cw_strmap_get(&got, "mallory") &&
	    cw_strmap_get(&got, "alice.b"), "loaded back: 3 names");
	cw_strmap_clear(&got, NULL);
	CHECK(cw_denylist_format(&m, &buf, &len) == 0 &&
	    strncmp(buf, "clearway-denylist 1\ncount 3\nalice.b\ncarol\n", 42)
	    == 0, "sorted, with header and count");
	free(buf);

	/* Truncated: the last 10 bytes gone. */
	f = fopen(path, "r+");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	CHECK(truncate(path, size - 10) == 0 &&
	    cw_denylist_load(path, &got, err, sizeof(err)) == -1 &&
	    got.count == 0, "truncated file refused: %s", err);
	/* Corrupt: one letter of a name changed. */
	cw_denylist_save(path, &m, err, sizeof(err));
	f = fopen(path, "r+");
	fseek(f, 30, SEEK_SET);
	fputc('X', f);
	fclose(f);
	CHECK(cw_denylist_load(path, &got, err, sizeof(err)) == -1 &&
	    strstr(err, "checksum") != NULL, "corrupt file refused: %s", err);
	cw_denylist_save(path, &m, err, sizeof(err));
	chmod(path, 0644);
	CHECK(cw_denylist_load(path, &got, err, sizeof(err)) == -1,
	    "a file others can read is refused: %s", err);
	cw_strmap_clear(&m, NULL);
	CHECK(cw_denylist_save(path, &m, err, sizeof(err)) == 0 &&
	    cw_denylist_load(path, &got, err, sizeof(err)) == 0 &&
	    got.count == 0, "an empty list round-trips");
	cw_strmap_clear(&got, NULL);
}

/* ----------------------------------------- paging, one open per user */

/* Pages through an index with cursors: how many rows, in order, once. */
static int
page_all(struct cw_store *st, const char *month, size_t max,
    const char *drop_after_first, char *err, size_t errlen)
{
	char after[CW_REVQ_CURSOR_MAX + 1] = "", last[CW_REVQ_ID_MAX + 1] = "";
	int64_t last_score = -1;
	struct cw_revq_page p;
	int rows = 0, pages = 0, bad = 0;
	size_t i;

	do {
		if ((month != NULL ? cw_revq_page_month(st, month, after, max, &p,
		    err, errlen) : cw_revq_page_open(st, after, max, &p, err,
		    errlen)) < 0)
			return -1;
		for (i = 0; i < p.count; i++) {
			const struct cw_revq_page_item *it = &p.items[i];

			/* (score, id) strictly increasing: no repeats, in order */
			if (it->score < last_score || (it->score == last_score &&
			    strcmp(it->id, last) <= 0))
				bad++;
			last_score = it->score;
			snprintf(last, sizeof(last), "%s", it->id);
			rows += it->found;
		}
		if (p.count > 0)
			cw_revq_cursor(p.items[p.count - 1].score,
			    p.items[p.count - 1].id, after, sizeof(after));
		if (pages++ == 0 && drop_after_first != NULL && p.count > 0)
			/* the cursor's own member leaves the index meanwhile */
			(void)rcount(st, "ZREM", drop_after_first,
			    p.items[p.count - 1].id, NULL);
		if (p.last)
			after[0] = '\0';
		cw_revq_page_free(&p);
	} while (after[0] != '\0' && pages < 10000);
	return bad > 0 ? -2 : rows;
}

static void
test_paging(void)
{
	struct cw_store st;
	struct cw_revocation r, again;
	enum cw_revq_state state;
	char err[256], uid[32], month[8], mkey[40];
	int64_t now = time(NULL);
	int i, n;

	printf("# paging and one open revocation per user and kind\n");
	store_open(&st, "pg:");
	for (i = 0; i < 300; i++) {
		snprintf(uid, sizeof(uid), "pg%03d", i);
		/* equal deadlines for most: ties are ordered by id */
		r = make_rev(uid, CW_REV_REVOKE, now, now);
		r.deadline = now + 86400 + (i % 3);
		if (cw_revq_submit(&st, &r, now, &state, err, sizeof(err)) != 1)
			break;
	}
	CHECK(i == 300, "300 revocations filed (%s)", err);
	again = make_rev("pg007", CW_REV_REVOKE, now, now);
	CHECK(cw_revq_submit(&st, &again, now, &state, err, sizeof(err)) == 0 &&
	    strcmp(again.reason, "test: pg007") == 0 && again.id[0] != '\0',
	    "a second revoke of pg007 returns the open one (%s)", again.id);
	again = make_rev("pg007", CW_REV_LEAVER, now, now);
	CHECK(cw_revq_submit(&st, &again, now, &state, err, sizeof(err)) == 1,
	    "a leaver of pg007 is another kind: filed");
	CHECK(rcount(&st, "ZCARD", "rev:open", NULL) == 301,
	    "301 open revocations");
	n = page_all(&st, NULL, 7, NULL, err, sizeof(err));
	CHECK(n == 301, "queue pages of 7: every row once, in order (%d)", n);
	/* Its row came on the first page; none after it may be lost or
	 * repeated (page_all checks the order). */
	n = page_all(&st, NULL, 50, "rev:open", err, sizeof(err));
	CHECK(n == 301, "the cursor's member left the index: the next page "
	    "resumes right after its place (%d)", n);
	CHECK(cw_revq_month_of(now, month) == 0, "this month");
	snprintf(mkey, sizeof(mkey), "rev:monthz:%s", month);
	(void)rcount(&st, "DEL", mkey, NULL);
	n = page_all(&st, month, 64, NULL, err, sizeof(err));
	CHECK(n == 301, "month pages, the ordered index rebuilt from the set "
	    "(%d)", n);
	CHECK(cw_revq_mark_audited(&st, again.id, now, err, sizeof(err)) == 1 &&
	    cw_revq_mark_audited(&st, again.id, now, err, sizeof(err)) == 0 &&
	    cw_revq_mark_audited(&st, "no-such", now, err, sizeof(err)) < 0 &&
	    rcount(&st, "EXISTS", "rev:no-such", NULL) == 0,
	    "requested audit marked once; a missing id is refused, not made");
	store_close(&st);
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
