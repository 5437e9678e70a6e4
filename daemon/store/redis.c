/* SPDX-License-Identifier: MIT */
/*
 * redis.c - the Redis client declared in redis.h.
 *
 * One call = one deadline: connecting, AUTH, writing the command(s) and
 * reading the reply (or replies) all share timeout_ms counted from the
 * start of the call, so a caller can budget its own latency.
 *
 * The connection (transport state + its redisReader) is all-or-nothing:
 * after any transport error, timeout or protocol error it is closed,
 * because a reply may still be in flight or half parsed, and reading the
 * next command's reply from that stream would hand the caller someone
 * else's answer.  The next call connects again.
 *
 * Only RESP2 request/reply traffic is supported (no HELLO 3, SUBSCRIBE or
 * MONITOR): every reply must answer a command we sent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/redis.h"
#include "store/redis_private.h"
#include "store/sentinel.h"

void cw_redis_fail(const struct cw_redis *r, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return;
	n = snprintf(err, errlen, "%s: ", r != NULL && r->label[0] != '\0' ?
	    r->label : "redis");
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

#define fail cw_redis_fail

/* The fleet options (redis.h): a reader gets its master client here. */
static int fleet_options(struct cw_redis *r, const struct cw_redis_options *o)
{
	struct cw_redis_options po;

	r->sentinel = o->sentinel;
	r->is_reader = o->reader;
	r->check_role = o->check_role || o->sentinel != NULL || o->reader;
	r->read_port = o->read_port;
	if (o->read_where != NULL &&
	    (r->read_where = strdup(o->read_where)) == NULL)
		return -1;
	if (!o->reader)
		return 0;
	/* Hosts spread over the replicas rather than all taking the first. */
	r->spread = (unsigned)cw_now_ms() ^ (unsigned)(uintptr_t)r;
	po = *o;
	po.reader = false;
	po.read_where = NULL;
	r->primary = cw_redis_new(&po);
	return r->primary != NULL ? 0 : -1;
}

struct cw_redis *cw_redis_new(const struct cw_redis_options *o)
{
	struct cw_redis *r;

	if (o == NULL || o->transport == NULL || o->where == NULL ||
	    strlen(o->where) > CW_REDIS_HOST_MAX)
		return NULL;
	r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	r->tr = o->transport;
	r->port = o->port;
	r->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	r->transport_arg = o->transport_arg;
	r->where = strdup(o->where);
	if (o->sentinel != NULL)
		snprintf(r->label, sizeof r->label, "redis master %s",
		    cw_sentinel_master_name(o->sentinel));
	else if (o->transport == &cw_redis_transport_unix)
		snprintf(r->label, sizeof r->label, "redis %s", o->where);
	else if (strchr(o->where, ':') != NULL)     /* IPv6 literal */
		snprintf(r->label, sizeof r->label, "redis [%s]:%d", o->where,
		    o->port);
	else
		snprintf(r->label, sizeof r->label, "redis %s:%d", o->where,
		    o->port);
	if (o->password != NULL)
		r->password = strdup(o->password);
	if (o->user != NULL)
		r->user = strdup(o->user);
	if (r->where == NULL || (o->password != NULL && r->password == NULL) ||
	    (o->user != NULL && r->user == NULL) ||
	    fleet_options(r, o) != 0) {
		cw_redis_free(r);
		return NULL;
	}
	return r;
}

void cw_redis_disconnect(struct cw_redis *r)
{
	if (r->conn != NULL)
		r->tr->close(r->conn);
	r->conn = NULL;
	if (r->reader != NULL)
		redisReaderFree(r->reader);
	r->reader = NULL;
}

void cw_redis_free(struct cw_redis *r)
{
	if (r == NULL)
		return;
	cw_redis_disconnect(r);
	if (r->password != NULL) {
		explicit_bzero(r->password, strlen(r->password));
		free(r->password);
	}
	free(r->user);
	free(r->where);
	free(r->read_where);
	cw_redis_free(r->primary);
	free(r);
}

/* Turns the errno of a failed write_all/read_some into err. */
static void io_fail(struct cw_redis *r, struct call *c, int e,
    const char *doing, char *err, size_t errlen)
{
	/* A transport's own reason (TLS), beyond what errno says. */
	const char *why = r->tr->describe != NULL && r->conn != NULL ?
	    r->tr->describe(r->conn) : NULL;

	if (e == ETIMEDOUT) {
		fail(r, err, errlen, "timed out after %d ms %s",
		    r->timeout_ms, doing);
	} else if (e == ECONNRESET || e == EPIPE) {
		c->peer_closed = 1;
		fail(r, err, errlen, "connection closed by server while %s%s%s",
		    doing, why != NULL ? ": " : "", why != NULL ? why : "");
	} else if (why != NULL) {
		fail(r, err, errlen, "%s: %s", doing, why);
	} else {
		fail(r, err, errlen, "%s: %s", doing, strerror(e));
	}
}

static void reader_fail(struct cw_redis *r, char *err, size_t errlen)
{
	if (r->reader->err == REDIS_ERR_OOM)
		fail(r, err, errlen, "out of memory reading reply");
	else
		fail(r, err, errlen, "protocol error: %s", r->reader->errstr);
}

/* Reads n replies into replies[]; on failure some may be set. */
static int read_replies(struct cw_redis *r, struct call *c, size_t n,
    redisReply **replies, char *err, size_t errlen)
{
	char buf[READ_CHUNK];
	size_t got = 0;
	void *reply;
	long k;

	while (got < n) {
		reply = NULL;
		if (redisReaderGetReply(r->reader, &reply) != REDIS_OK) {
			reader_fail(r, err, errlen);
			return -1;
		}
		if (reply != NULL) {    /* NULL: incomplete, read more */
			replies[got++] = reply;
			continue;
		}
		k = r->tr->read_some(r->conn, buf, sizeof buf, c->deadline);
		if (k <= 0) {
			io_fail(r, c, errno, "waiting for reply", err, errlen);
			return -1;
		}
		c->got_bytes = 1;
		if (redisReaderFeed(r->reader, buf, (size_t)k) != REDIS_OK) {
			reader_fail(r, err, errlen);
			return -1;
		}
	}
	return 0;
}

/*
 * Writes buf (n commands) and reads their n replies.  *sent (unless NULL)
 * is set once the whole of buf is written: from then on the server may
 * run the commands even if no reply ever comes back.  (A part-written
 * command is never run: the connection is closed under it.)
 */
int cw_redis_exchange(struct cw_redis *r, struct call *c, const char *buf,
    size_t len, size_t n, redisReply **replies, int *sent, char *err,
    size_t errlen)
{
	if (r->tr->write_all(r->conn, buf, len, c->deadline) != 0) {
		io_fail(r, c, errno, "sending command", err, errlen);
		return -1;
	}
	if (sent != NULL)
		*sent = 1;
	return read_replies(r, c, n, replies, err, errlen);
}

static void free_replies(size_t n, redisReply **replies)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (replies[i] != NULL)
			freeReplyObject(replies[i]);
		replies[i] = NULL;
	}
}

/* The refusal one error reply (or an element of an EXEC array) says. */
static enum refusal refusal_of(const redisReply *e)
{
	static const struct {
		const char *prefix;
		enum refusal kind;
	} codes[] = {
		{ "READONLY ", REFUSED_READONLY },
		{ "NOREPLICAS ", REFUSED_LOST },
		{ "UNBLOCKED ", REFUSED_LOST },
		{ "MASTERDOWN ", REFUSED_LOST },
	};
	size_t i, n;

	if (e == NULL || e->type != REDIS_REPLY_ERROR || e->str == NULL)
		return REFUSED_NO;
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		n = strlen(codes[i].prefix);
		if (e->len >= n && memcmp(e->str, codes[i].prefix, n) == 0)
			return codes[i].kind;
	}
	return REFUSED_NO;
}

/*
 * Whether any reply refuses (redis.h), its text in err.  Arrays are
 * looked into one level: EXEC answers per command.  A script's write on
 * a replica fails the whole EVAL with READONLY at top level.
 */
static enum refusal refused(struct cw_redis *r, size_t n,
    redisReply **replies, char *err, size_t errlen)
{
	const redisReply *e;
	enum refusal k;
	size_t i, j;

	for (i = 0; i < n; i++) {
		e = replies[i];
		k = refusal_of(e);
		for (j = 0; k == REFUSED_NO && e->type == REDIS_REPLY_ARRAY &&
		    j < e->elements; j++) {
			k = refusal_of(e->element[j]);
			if (k != REFUSED_NO)
				e = e->element[j];
		}
		if (k != REFUSED_NO) {
			fail(r, err, errlen, "refused (%.120s): not the master, "
			    "or cut off from its replicas; connecting again",
			    e->str);
			return k;
		}
	}
	return REFUSED_NO;
}

/* One try: connect if needed, send, read.  Closes the connection on error. */
static int attempt(struct cw_redis *r, struct call *c, const char *buf,
    size_t len, size_t n, redisReply **replies, char *err, size_t errlen)
{
	if (cw_redis_ensure_connected(r, c, err, errlen) != 0)
		return -1;
	if (cw_redis_exchange(r, c, buf, len, n, replies, &c->sent, err,
	    errlen) != 0) {
		free_replies(n, replies);
		cw_redis_disconnect(r);
		return -1;
	}
	/*
	 * A refusal is no answer: nothing it refused ran (a replica, or a
	 * master without its replicas, refuses every write before running
	 * any; a transaction with one refused command is discarded whole).
	 */
	c->refused = refused(r, n, replies, err, errlen);
	if (c->refused != REFUSED_NO) {
		c->sent = 0;
		free_replies(n, replies);
		/* A reader keeps its replica: the write goes to the master. */
		if (!(r->is_reader && c->refused == REFUSED_READONLY))
			cw_redis_disconnect(r);
		return -1;
	}
	/*
	 * Bytes beyond the last reply answer nothing we sent (a pub/sub
	 * message, a confused server): they would be taken for the next
	 * command's reply, so start the next call on a clean connection.
	 */
	if (r->reader->pos < r->reader->len)
		cw_redis_disconnect(r);
	return 0;
}

static int run(struct cw_redis *r, const char *buf, size_t len, size_t n,
    redisReply **replies, char *err, size_t errlen);

/*
 * A reader's replica refused a write (READONLY): the master runs it, on
 * the reader's master client.  Refused means not run, so this is its
 * first and only run.
 */
static int run_on_primary(struct cw_redis *r, const char *buf, size_t len,
    size_t n, redisReply **replies, char *err, size_t errlen)
{
	int rc = run(r->primary, buf, len, n, replies, err, errlen);

	r->unanswered = r->primary->unanswered;
	return rc;
}

/*
 * Sends buf (n formatted commands) and collects n replies, all within one
 * deadline.
 *
 * A connection that sat idle may have been closed by the server (restart,
 * `timeout` setting, failover): we only learn it when the write fails with
 * EPIPE or the read sees EOF/reset.  In that case, and only if the
 * connection predates this call (a fresh one failing means the server is
 * really going away) and no byte of any reply arrived, we reconnect once
 * and send again.  Receiving nothing is the best evidence we have that the
 * server did not run the commands: it cannot prove it (the server may have
 * run them and died before answering), so a non-idempotent command may, in
 * that rare case, still run twice.  Once any reply byte arrived we never
 * resend, and a timeout is never retried (the server may be slow, not gone).
 *
 * A refusal (redis.h) is retried once too, on a connection made afresh
 * (asking the sentinels again): the server said it ran nothing.  A
 * connection made before the sentinels' last failover news is dropped
 * before it carries anything.
 */
static int run(struct cw_redis *r, const char *buf, size_t len, size_t n,
    redisReply **replies, char *err, size_t errlen)
{
	struct call c = { .deadline = cw_now_ms() + r->timeout_ms };
	int was_connected;
	int rc;

	if (r->conn != NULL && r->sentinel != NULL &&
	    r->epoch != cw_sentinel_epoch(r->sentinel))
		cw_redis_disconnect(r);
	if (r->conn != NULL && r->is_reader && r->on_master &&
	    cw_now_ms() - r->connected_at > READER_REPICK_MS)
		cw_redis_disconnect(r);
	if (cw_redis_recheck_replica(r, &c) != 0)
		cw_redis_disconnect(r);
	was_connected = r->conn != NULL;
	rc = attempt(r, &c, buf, len, n, replies, err, errlen);
	if (rc != 0 && c.refused == REFUSED_READONLY && r->is_reader)
		return run_on_primary(r, buf, len, n, replies, err, errlen);
	if (rc != 0 && (c.refused != REFUSED_NO ||
	    (was_connected && c.peer_closed && !c.got_bytes))) {
		c.peer_closed = 0;
		c.refused = REFUSED_NO;
		rc = attempt(r, &c, buf, len, n, replies, err, errlen);
		if (rc != 0 && c.refused == REFUSED_READONLY && r->is_reader)
			return run_on_primary(r, buf, len, n, replies, err,
			    errlen);
	}
	r->unanswered = rc != 0 && c.sent;
	return rc;
}

int cw_redis_unanswered(const struct cw_redis *r)
{
	return r != NULL && r->unanswered;
}

redisReply *cw_redis_command(struct cw_redis *r, char *err, size_t errlen,
    int argc, const char **argv, const size_t *argvlen)
{
	redisReply *reply = NULL;
	char *cmd = NULL;
	int len;

	if (r == NULL || argc < 1 || argv == NULL) {
		fail(r, err, errlen, "empty command");
		goto out;
	}
	len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
	if (len < 0) {
		fail(r, err, errlen, "out of memory formatting command");
		goto out;
	}
	(void)run(r, cmd, (size_t)len, 1, &reply, err, errlen);
out:
	redisFreeCommand(cmd);
	return reply;
}

redisReply *cw_redis_commandv(struct cw_redis *r, char *err, size_t errlen,
    int argc, const char **argv)
{
	/* A NULL length vector makes hiredis use strlen on each argument. */
	return cw_redis_command(r, err, errlen, argc, argv, NULL);
}

redisReply *cw_redis_call(struct cw_redis *r, char *err, size_t errlen,
    int argc, const char **argv, const size_t *argvlen)
{
	redisReply *reply = cw_redis_command(r, err, errlen, argc, argv,
	    argvlen);

	if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "redis %s: %.200s", argv[0],
			    reply->str);
		freeReplyObject(reply);
		return NULL;
	}
	return reply;
}

/* Appends s to the growing buffer *buf (doubling, overflow-checked). */
static int append(char **buf, size_t *len, size_t *cap, const char *s,
    size_t n)
{
	size_t want;
	char *p;

	if (n > SIZE_MAX - *len)
		return -1;
	if (*len + n > *cap) {
		want = *cap != 0 ? *cap : 4096;
		while (want < *len + n)
			want = want > SIZE_MAX / 2 ? *len + n : want * 2;
		p = realloc(*buf, want);
		if (p == NULL)
			return -1;
		*buf = p;
		*cap = want;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	return 0;
}

/* Formats the n commands of a pipeline back to back into *out. */
static int format_all(struct cw_redis *r, size_t n, const int *argc,
    const char *const *const *argv, const size_t *const *argvlen,
    char **out, size_t *outlen, char *err, size_t errlen)
{
	size_t i, cap = 0;
	char *cmd;
	int len;

	*out = NULL;
	*outlen = 0;
	for (i = 0; i < n; i++) {
		if (argc[i] < 1 || argv[i] == NULL) {
			fail(r, err, errlen, "pipeline command %zu is empty", i);
			return -1;
		}
		cmd = NULL;
		len = redisFormatCommandArgv(&cmd, argc[i],
		    (const char **)argv[i],
		    argvlen != NULL ? argvlen[i] : NULL);
		if (len < 0 || append(out, outlen, &cap, cmd, (size_t)len)) {
			redisFreeCommand(cmd);
			fail(r, err, errlen, "out of memory formatting pipeline");
			return -1;
		}
		redisFreeCommand(cmd);
	}
	return 0;
}

int cw_redis_pipeline(struct cw_redis *r, char *err, size_t errlen, size_t n,
    const int *argc, const char *const *const *argv,
    const size_t *const *argvlen, redisReply **replies)
{
	char *buf = NULL;
	size_t i, len;
	int rc = -1;

	if (replies == NULL) {
		fail(r, err, errlen, "no reply vector");
		return -1;
	}
	for (i = 0; i < n; i++)
		replies[i] = NULL;
	if (n == 0)
		return 0;
	if (r == NULL || argc == NULL || argv == NULL) {
		fail(r, err, errlen, "empty pipeline");
		goto out;
	}
	/* One buffer, one write_all: the whole pipeline is one round trip. */
	if (format_all(r, n, argc, argv, argvlen, &buf, &len, err,
	    errlen) != 0)
		goto out;
	rc = run(r, buf, len, n, replies, err, errlen);
out:
	free(buf);
	return rc;
}

int cw_redis_wait_replica(struct cw_redis *r, int ms, char *err,
    size_t errlen)
{
	const char *argv[3] = { "WAIT", "1", NULL };
	redisReply *rep;
	char sms[16];
	int n = -1;

	if (r == NULL || r->conn == NULL || r->replicas <= 0)
		return 0;
	if (ms > r->timeout_ms / 2)
		ms = r->timeout_ms / 2;
	snprintf(sms, sizeof sms, "%d", ms > 0 ? ms : 1);
	argv[2] = sms;
	rep = cw_redis_call(r, err, errlen, 3, argv, NULL);
	if (rep != NULL && rep->type == REDIS_REPLY_INTEGER)
		n = rep->integer > 0 ? (int)rep->integer : 0;
	else if (rep != NULL)
		fail(r, err, errlen, "WAIT: unexpected reply type %d",
		    rep->type);
	if (rep != NULL)
		freeReplyObject(rep);
	return n;
}
