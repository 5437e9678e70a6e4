/* SPDX-License-Identifier: MIT */
/*
 * sentinel_watch.c - see sentinel_watch.h.
 *
 * The subscriber speaks RESP2 pub/sub itself (redis.c refuses pushes:
 * every reply there must answer a command): hiredis's formatter and
 * reader over the same transports, each read bounded, so the thread
 * sees its stop flag at least every STOP_POLL_MS.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "lib/log.h"
#include "store/sentinel_watch.h"
#include "text.h"

#define STOP_POLL_MS 250
#define PING_EVERY_MS 5000
#define RETRY_MS 1000

struct cw_sentinel_watch {
	struct cw_sentinel *s;
	pthread_t thread;
	atomic_bool stop;
};

/* One subscription: the connection and what it is waiting for. */
struct sub {
	const struct cw_redis_transport *tr;
	void *conn;
	redisReader *rd;
	char where[CW_REDIS_HOST_MAX + 16];
	long long next_ping;
	bool pong_due;
};

static int
send_argv(struct sub *u, int argc, const char **argv, long long deadline)
{
	char *cmd = NULL;
	int len, rc;

	if ((len = redisFormatCommandArgv(&cmd, argc, argv, NULL)) < 0)
		return -1;
	rc = u->tr->write_all(u->conn, cmd, (size_t)len, deadline);
	explicit_bzero(cmd, (size_t)len);       /* AUTH carries a password */
	redisFreeCommand(cmd);
	return rc;
}

/* The next reply before the deadline: 1, 0 on timeout, -1 broken. */
static int
next_reply(struct sub *u, long long deadline, redisReply **out)
{
	char buf[4096];
	void *rep;
	long k;

	for (;;) {
		rep = NULL;
		if (redisReaderGetReply(u->rd, &rep) != REDIS_OK)
			return -1;
		if (rep != NULL) {
			*out = rep;
			return 1;
		}
		k = u->tr->read_some(u->conn, buf, sizeof(buf), deadline);
		if (k <= 0)
			return errno == ETIMEDOUT ? 0 : -1;
		if (redisReaderFeed(u->rd, buf, (size_t)k) != REDIS_OK)
			return -1;
	}
}

/* Sends a command and waits for its reply (AUTH, SUBSCRIBE). */
static int
ask(struct sub *u, int argc, const char **argv, int timeout_ms,
    redisReply **out)
{
	long long deadline = cw_now_ms() + timeout_ms;

	*out = NULL;
	if (send_argv(u, argc, argv, deadline) != 0 ||
	    next_reply(u, deadline, out) != 1)
		return -1;
	return (*out)->type == REDIS_REPLY_ERROR ? -1 : 0;
}

/* Connects, authenticates and subscribes to sentinel i.  0 or -1. */
static int
subscribe(struct cw_sentinel *s, size_t i, struct sub *u)
{
	const char *auth[2] = { "AUTH", NULL };
	const char *sub[2] = { "SUBSCRIBE", "+switch-master" };
	struct cw_redis_options o;
	redisReply *rep = NULL;
	char why[256] = "";
	int rc = -1;

	cw_sentinel_client_options(s, i, &o);
	u->tr = o.transport;
	snprintf(u->where, sizeof(u->where), "%s%s%s:%d",
	    strchr(o.where, ':') ? "[" : "", o.where,
	    strchr(o.where, ':') ? "]" : "", o.port);
	if (u->tr->open(&u->conn, o.transport_arg, o.where, o.port,
	    o.timeout_ms, why, sizeof(why)) != 0) {
		u->conn = NULL;
		cw_debug("sentinel watch: %s: %s", u->where, why);
		return -1;
	}
	if ((u->rd = redisReaderCreate()) == NULL)
		return -1;
	auth[1] = o.password;
	if (o.password != NULL && ask(u, 2, auth, o.timeout_ms, &rep) != 0) {
		cw_warn("sentinel watch: %s: AUTH refused (check [redis] "
		    "sentinel_password_file)", u->where);
		goto out;
	}
	if (rep != NULL)
		freeReplyObject(rep);
	rep = NULL;
	if (ask(u, 2, sub, o.timeout_ms, &rep) != 0) {
		cw_warn("sentinel watch: %s: SUBSCRIBE failed", u->where);
		goto out;
	}
	rc = 0;
out:
	if (rep != NULL)
		freeReplyObject(rep);
	return rc;
}

/* A pub/sub message: a switch of our master bumps the epoch. */
static void
on_reply(struct cw_sentinel *s, struct sub *u, const redisReply *r)
{
	const char *name = cw_sentinel_master_name(s);
	size_t n = strlen(name);
	const redisReply *kind, *msg;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 2)
		return;
	kind = r->element[0];
	if (kind->type != REDIS_REPLY_STRING)
		return;
	if (kind->len == 4 && strncmp(kind->str, "pong", 4) == 0) {
		u->pong_due = false;
		u->next_ping = cw_now_ms() + PING_EVERY_MS;
		return;
	}
	if (r->elements != 3 || kind->len != 7 ||
	    strncmp(kind->str, "message", 7) != 0)
		return;
	msg = r->element[2];
	if (msg->type != REDIS_REPLY_STRING || msg->len <= n ||
	    strncmp(msg->str, name, n) != 0 || msg->str[n] != ' ')
		return;
	cw_sentinel_bump(s);
	cw_notice("sentinel: +switch-master %.*s: every Redis connection "
	    "looks the master up again", msg->len > 300 ? 300 : (int)msg->len,
	    msg->str);
}

/* Listens until the connection breaks, goes silent, or stop. */
static void
listen_on(struct cw_sentinel_watch *w, struct sub *u, int timeout_ms)
{
	const char *ping[1] = { "PING" };
	redisReply *rep;
	long long now, until;
	int rc;

	u->next_ping = cw_now_ms() + PING_EVERY_MS;
	while (!atomic_load(&w->stop)) {
		now = cw_now_ms();
		if (now >= u->next_ping) {
			if (u->pong_due) {
				cw_warn("sentinel watch: %s did not answer "
				    "PING; trying the next sentinel", u->where);
				return;
			}
			if (send_argv(u, 1, ping, now + timeout_ms) != 0)
				return;
			u->pong_due = true;
			u->next_ping = now + timeout_ms;
		}
		until = now + STOP_POLL_MS;
		if (until > u->next_ping)
			until = u->next_ping;
		rep = NULL;
		rc = next_reply(u, until, &rep);
		if (rc < 0)
			return;
		if (rc == 1) {
			on_reply(w->s, u, rep);
			freeReplyObject(rep);
		}
	}
}

static void
sub_close(struct sub *u)
{
	if (u->conn != NULL)
		u->tr->close(u->conn);
	if (u->rd != NULL)
		redisReaderFree(u->rd);
	memset(u, 0, sizeof(*u));
}

/* Sleeps ms in slices, returning early on stop. */
static void
pause_ms(struct cw_sentinel_watch *w, int ms)
{
	for (; ms > 0 && !atomic_load(&w->stop); ms -= STOP_POLL_MS)
		(void)poll(NULL, 0, ms < STOP_POLL_MS ? ms : STOP_POLL_MS);
}

static void *
watch_main(void *arg)
{
	struct cw_sentinel_watch *w = arg;
	struct cw_sentinel *s = w->s;
	size_t i = cw_sentinel_first(s), n = cw_sentinel_count(s);
	struct cw_redis_options o;
	bool before = false;
	struct sub u;

	pthread_setname_np(pthread_self(), "cw-sentinel");
	memset(&u, 0, sizeof(u));
	cw_sentinel_client_options(s, 0, &o);
	while (!atomic_load(&w->stop)) {
		if (subscribe(s, i, &u) == 0) {
			/* Unsubscribed for a while: a switch may be missed. */
			if (before)
				cw_sentinel_bump(s);
			before = true;
			cw_info("sentinel watch: following +switch-master of "
			    "%s through %s", cw_sentinel_master_name(s),
			    u.where);
			listen_on(w, &u, o.timeout_ms);
		}
		sub_close(&u);
		i = (i + 1) % n;
		pause_ms(w, RETRY_MS);
	}
	sub_close(&u);
	return NULL;
}

struct cw_sentinel_watch *
cw_sentinel_watch_start(struct cw_sentinel *s, char *err, size_t errlen)
{
	struct cw_sentinel_watch *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int e;

	if (w == NULL) {
		cw_set_err(err, errlen, "out of memory");
		return NULL;
	}
	w->s = s;
	atomic_init(&w->stop, false);
	/*
	 * Started before the daemon blocks TERM/INT/HUP for its signalfd:
	 * the thread starts with every signal blocked, so none is ever
	 * delivered to it instead of to the signalfd.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&w->thread, NULL, watch_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		cw_set_err(err, errlen, "sentinel watch thread: %s",
		    strerror(e));
		free(w);
		return NULL;
	}
	return w;
}

void
cw_sentinel_watch_stop(struct cw_sentinel_watch *w)
{
	if (w == NULL)
		return;
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
	free(w);
}

int
cw_redis_fleet_init(struct cw_redis_factory *f, const struct cw_config *cfg,
    char *err, size_t errlen)
{
	char why[160];
	bool tls;

	if (cw_sentinel_from_config(cfg, f->tls, &f->sentinel, err,
	    errlen) < 0)
		return -1;
	if (f->sentinel != NULL && (f->watch =
	    cw_sentinel_watch_start(f->sentinel, err, errlen)) == NULL)
		return -1;
	f->read_replica = cfg->redis.read_uri != NULL ||
	    (cfg->redis.read_from != NULL &&
	    strcmp(cfg->redis.read_from, "replica") == 0);
	if (cfg->redis.read_uri != NULL && cw_redis_uri_server(
	    cfg->redis.read_uri, &f->read_addr, &tls, why, sizeof(why)) < 0) {
		cw_set_err(err, errlen, "[redis] read_uri: %s", why);
		return -1;
	}
	return 0;
}

void
cw_redis_fleet_options(const struct cw_redis_factory *f,
    struct cw_redis_options *o, bool reader)
{
	o->check_role = true;
	o->sentinel = f->sentinel;
	if (!reader || !f->read_replica)
		return;
	o->reader = true;
	if (f->cfg->redis.read_uri != NULL) {
		o->read_where = f->read_addr.host;
		o->read_port = f->read_addr.port;
	}
}

void
cw_redis_fleet_free(struct cw_redis_factory *f)
{
	cw_sentinel_watch_stop(f->watch);
	f->watch = NULL;
	cw_sentinel_free(f->sentinel);
	f->sentinel = NULL;
}
