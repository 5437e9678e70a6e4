/* SPDX-License-Identifier: MIT */
/*
 * test_redis.c - daemon/store/redis.c and redis_transport.c against a real
 * redis-server (started by redis_test.sh), plus a scripted fake server
 * (forked here) for the cases a real server will not produce on demand:
 * a connection dropped before or in the middle of a reply, garbage.
 *
 * Environment:
 *   CW_REDIS_HOST, CW_REDIS_PORT  the server's TCP address
 *   CW_REDIS_SOCKET               its Unix socket
 *   CW_REDIS_RESTART              shell command that kills the server and
 *                                 starts it again on the same address
 *
 * The server must be ours alone: the tests set CONFIG requirepass and
 * CLIENT PAUSE, and the data is thrown away.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/redis.h"

#define LONG_TIMEOUT_MS 5000
#define PIPELINE_N 1000
#define LARGE_LEN (5 * 1024 * 1024)

static int failures;
static const char *host, *sock_path, *restart_cmd;
static int port;

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)

static int check(int ok, const char *what, const char *file, int line)
{
	if (!ok) {
		failures++;
		fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
	}
	return ok;
}

static struct cw_redis *client(const struct cw_redis_transport *t,
    const char *where, int p, const char *password, int timeout_ms)
{
	struct cw_redis_options o = {
		.transport = t,
		.where = where,
		.port = p,
		.password = password,
		.timeout_ms = timeout_ms,
	};
	struct cw_redis *r = cw_redis_new(&o);

	if (r == NULL) {
		fprintf(stderr, "cw_redis_new failed\n");
		exit(2);
	}
	return r;
}

static struct cw_redis *tcp_client(const char *password, int timeout_ms)
{
	return client(&cw_redis_transport_tcp, host, port, password,
	    timeout_ms);
}

static struct cw_redis *unix_client(const char *password, int timeout_ms)
{
	return client(&cw_redis_transport_unix, sock_path, 0, password,
	    timeout_ms);
}

/* Runs a command given as NULL-terminated strings; prints err on NULL. */
static redisReply *cmd(struct cw_redis *r, const char *first, ...)
{
	const char *argv[16];
	char err[256] = "";
	redisReply *reply;
	va_list ap;
	int argc = 0;

	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 16;
	    a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	reply = cw_redis_commandv(r, err, sizeof err, argc, argv);
	if (reply == NULL)
		fprintf(stderr, "  %s: NULL reply: %s\n", argv[0], err);
	return reply;
}

static int is_str(const redisReply *x, int type, const char *s)
{
	return x != NULL && x->type == type && x->len == strlen(s) &&
	    memcmp(x->str, s, x->len) == 0;
}

/* Checks a reply and frees it. */
static void expect(redisReply *x, int type, const char *s, int line)
{
	if (!check(is_str(x, type, s), s, __FILE__, line) && x != NULL)
		fprintf(stderr, "  got type %d \"%.*s\"\n", x->type,
		    (int)x->len, x->str ? x->str : "");
	if (x != NULL)
		freeReplyObject(x);
}
#define EXPECT_STATUS(x, s) expect((x), REDIS_REPLY_STATUS, (s), __LINE__)
#define EXPECT_STRING(x, s) expect((x), REDIS_REPLY_STRING, (s), __LINE__)

static void test_basic(struct cw_redis *r, const char *name)
{
	const char *argv[3] = { "SET", "bin:key", "a\0b\r\nc" };
	size_t lens[3] = { 3, 7, 7 };
	redisReply *x;

	printf("basic (%s)\n", name);
	EXPECT_STATUS(cmd(r, "PING", NULL), "PONG");
	EXPECT_STATUS(cmd(r, "SET", "basic:key", name, NULL), "OK");
	EXPECT_STRING(cmd(r, "GET", "basic:key", NULL), name);

	x = cmd(r, "GET", "basic:missing", NULL);
	CHECK(x != NULL && x->type == REDIS_REPLY_NIL);
	if (x != NULL)
		freeReplyObject(x);

	x = cmd(r, "INCRBY", "basic:n", "41", NULL);
	CHECK(x != NULL && x->type == REDIS_REPLY_INTEGER);
	if (x != NULL)
		freeReplyObject(x);

	/* Binary-safe arguments: NUL and CRLF inside a value. */
	x = cw_redis_command(r, NULL, 0, 3, argv, lens);
	CHECK(is_str(x, REDIS_REPLY_STATUS, "OK"));
	if (x != NULL)
		freeReplyObject(x);
	x = cmd(r, "GET", "bin:key", NULL);
	CHECK(x != NULL && x->type == REDIS_REPLY_STRING && x->len == 7 &&
	    memcmp(x->str, "a\0b\r\nc", 7) == 0);
	if (x != NULL)
		freeReplyObject(x);
}

static void test_large(struct cw_redis *r, const char *name)
{
	const char *argv[3] = { "SET", "large:key", NULL };
	size_t lens[3] = { 3, 9, LARGE_LEN };
	char *v = malloc(LARGE_LEN);
	char err[256] = "";
	redisReply *x;
	size_t i;

	printf("large value, %d bytes (%s)\n", LARGE_LEN, name);
	if (v == NULL) {
		CHECK(v != NULL);
		return;
	}
	/* Every byte value, CR and LF included, at shifting offsets. */
	for (i = 0; i < LARGE_LEN; i++)
		v[i] = (char)((i * 131 + i / 4096) & 0xff);
	argv[2] = v;
	x = cw_redis_command(r, err, sizeof err, 3, argv, lens);
	CHECK(is_str(x, REDIS_REPLY_STATUS, "OK"));
	if (x != NULL)
		freeReplyObject(x);
	x = cmd(r, "GET", "large:key", NULL);
	CHECK(x != NULL && x->type == REDIS_REPLY_STRING &&
	    x->len == LARGE_LEN && memcmp(x->str, v, LARGE_LEN) == 0);
	if (x != NULL)
		freeReplyObject(x);
	/* The connection is still in step after the big reply. */
	EXPECT_STATUS(cmd(r, "PING", NULL), "PONG");
	free(v);
}

static void test_pipeline(struct cw_redis *r)
{
	static char keys[PIPELINE_N][32], vals[PIPELINE_N][32];
	static const char *args[PIPELINE_N][3];
	static const char *const *argv[PIPELINE_N];
	static int argc[PIPELINE_N];
	static redisReply *rep[PIPELINE_N];
	char err[256] = "";
	int i, rc, bad = 0;

	printf("pipeline of %d SET, then %d GET\n", PIPELINE_N, PIPELINE_N);
	for (i = 0; i < PIPELINE_N; i++) {
		snprintf(keys[i], sizeof keys[i], "pipe:%d", i);
		snprintf(vals[i], sizeof vals[i], "value-%d", i * 7);
		args[i][0] = "SET";
		args[i][1] = keys[i];
		args[i][2] = vals[i];
		argv[i] = args[i];
		argc[i] = 3;
	}
	rc = cw_redis_pipeline(r, err, sizeof err, PIPELINE_N, argc, argv,
	    NULL, rep);
	CHECK(rc == 0);
	for (i = 0; i < PIPELINE_N; i++) {
		bad += !is_str(rep[i], REDIS_REPLY_STATUS, "OK");
		if (rep[i] != NULL)
			freeReplyObject(rep[i]);
	}
	CHECK(bad == 0);

	for (i = 0; i < PIPELINE_N; i++) {
		args[i][0] = "GET";
		argc[i] = 2;
	}
	rc = cw_redis_pipeline(r, err, sizeof err, PIPELINE_N, argc, argv,
	    NULL, rep);
	CHECK(rc == 0);
	for (i = 0, bad = 0; i < PIPELINE_N; i++) {
		bad += !is_str(rep[i], REDIS_REPLY_STRING, vals[i]);
		if (rep[i] != NULL)
			freeReplyObject(rep[i]);
	}
	CHECK(bad == 0);
	if (rc != 0)
		fprintf(stderr, "  %s\n", err);
}

/* MULTI/EXEC as a pipeline: the error inside EXEC's array is an element. */
static void test_pipeline_exec(struct cw_redis *r)
{
	const char *c0[] = { "MULTI" }, *c1[] = { "SET", "tx:s", "text" };
	const char *c2[] = { "INCR", "tx:s" }, *c3[] = { "EXEC" };
	const char *const *argv[] = { c0, c1, c2, c3 };
	const int argc[] = { 1, 3, 2, 1 };
	redisReply *rep[4];
	char err[256] = "";
	redisReply *e;
	int i;

	printf("pipeline MULTI/EXEC with an error inside\n");
	CHECK(cw_redis_pipeline(r, err, sizeof err, 4, argc, argv, NULL,
	    rep) == 0);
	CHECK(is_str(rep[0], REDIS_REPLY_STATUS, "OK"));
	CHECK(is_str(rep[1], REDIS_REPLY_STATUS, "QUEUED"));
	CHECK(is_str(rep[2], REDIS_REPLY_STATUS, "QUEUED"));
	e = rep[3];
	if (CHECK(e != NULL && e->type == REDIS_REPLY_ARRAY &&
	    e->elements == 2)) {
		CHECK(is_str(e->element[0], REDIS_REPLY_STATUS, "OK"));
		CHECK(e->element[1]->type == REDIS_REPLY_ERROR);
	}
	for (i = 0; i < 4; i++)
		if (rep[i] != NULL)
			freeReplyObject(rep[i]);
}

static void test_error_replies(struct cw_redis *r)
{
	redisReply *x;

	printf("error replies\n");
	x = cmd(r, "NO-SUCH-COMMAND", "x", NULL);
	CHECK(x != NULL && x->type == REDIS_REPLY_ERROR &&
	    strncmp(x->str, "ERR unknown command", 19) == 0);
	if (x != NULL)
		freeReplyObject(x);

	EXPECT_STATUS(cmd(r, "SET", "err:s", "not a number", NULL), "OK");
	x = cmd(r, "INCR", "err:s", NULL);
	CHECK(x != NULL && x->type == REDIS_REPLY_ERROR);
	if (x != NULL)
		freeReplyObject(x);

	x = cmd(r, "LPUSH", "err:s", "v", NULL);
	CHECK(x != NULL && x->type == REDIS_REPLY_ERROR &&
	    strncmp(x->str, "WRONGTYPE", 9) == 0);
	if (x != NULL)
		freeReplyObject(x);
	/* An error reply leaves the connection usable. */
	EXPECT_STATUS(cmd(r, "PING", NULL), "PONG");
}

static int is_array(const redisReply *x, size_t n)
{
	return x != NULL && x->type == REDIS_REPLY_ARRAY && x->elements == n;
}

static void test_streams(struct cw_redis *r)
{
	redisReply *x, *entry, *msgs;

	printf("nested arrays: XRANGE, XREADGROUP\n");
	EXPECT_STRING(cmd(r, "XADD", "st:s", "1-1", "f1", "v1", "f2", "v2",
	    NULL), "1-1");
	EXPECT_STRING(cmd(r, "XADD", "st:s", "2-1", "f3", "v3", NULL), "2-1");

	/* [[id, [f, v, ...]], ...] */
	x = cmd(r, "XRANGE", "st:s", "-", "+", NULL);
	if (CHECK(is_array(x, 2))) {
		entry = x->element[0];
		CHECK(is_array(entry, 2));
		CHECK(is_str(entry->element[0], REDIS_REPLY_STRING, "1-1"));
		CHECK(is_array(entry->element[1], 4));
		CHECK(is_str(entry->element[1]->element[3],
		    REDIS_REPLY_STRING, "v2"));
	}
	if (x != NULL)
		freeReplyObject(x);

	EXPECT_STATUS(cmd(r, "XGROUP", "CREATE", "st:s", "g", "0", NULL),
	    "OK");
	/* [[stream, [[id, [f, v, ...]], ...]]] */
	x = cmd(r, "XREADGROUP", "GROUP", "g", "c1", "COUNT", "10",
	    "STREAMS", "st:s", ">", NULL);
	if (CHECK(is_array(x, 1)) && CHECK(is_array(x->element[0], 2))) {
		CHECK(is_str(x->element[0]->element[0], REDIS_REPLY_STRING,
		    "st:s"));
		msgs = x->element[0]->element[1];
		if (CHECK(is_array(msgs, 2)) && CHECK(is_array(msgs->element[1],
		    2)))
			CHECK(is_str(msgs->element[1]->element[1]->element[1],
			    REDIS_REPLY_STRING, "v3"));
	}
	if (x != NULL)
		freeReplyObject(x);
}

static void test_eval(struct cw_redis *r)
{
	/*
	 * hiredis 0.14 takes arrays nested 8 deep (its "depth > 7" counts
	 * the top level as 0) and refuses a ninth.
	 */
	static const char deep_ok[] = "return {{{{{{{{'deep'}}}}}}}}";
	static const char too_deep[] = "return {{{{{{{{{'deep'}}}}}}}}}";
	static const char mixed[] = "return {1, {2, {3, 'x'}}, "
	    "redis.status_reply('FINE'), redis.pcall('INCR', KEYS[1])}";
	char err[256] = "";
	redisReply *x, *y;
	int depth;

	printf("nested arrays: EVAL tables\n");
	EXPECT_STATUS(cmd(r, "SET", "ev:s", "text", NULL), "OK");
	x = cmd(r, "EVAL", mixed, "1", "ev:s", NULL);
	if (CHECK(is_array(x, 4))) {
		CHECK(x->element[0]->type == REDIS_REPLY_INTEGER &&
		    x->element[0]->integer == 1);
		y = x->element[1];
		CHECK(is_array(y, 2) && is_array(y->element[1], 2) &&
		    is_str(y->element[1]->element[1], REDIS_REPLY_STRING, "x"));
		CHECK(is_str(x->element[2], REDIS_REPLY_STATUS, "FINE"));
		/* An error inside an array is an element, not a failure. */
		CHECK(x->element[3]->type == REDIS_REPLY_ERROR);
	}
	if (x != NULL)
		freeReplyObject(x);

	x = cmd(r, "EVAL", deep_ok, "0", NULL);
	for (y = x, depth = 0; y != NULL && is_array(y, 1); depth++)
		y = y->element[0];
	CHECK(depth == 8 && is_str(y, REDIS_REPLY_STRING, "deep"));
	if (x != NULL)
		freeReplyObject(x);

	/* Deeper than the reader supports: a protocol error, not a crash. */
	x = cw_redis_commandv(r, err, sizeof err, 3,
	    (const char *[]){ "EVAL", too_deep, "0" });
	CHECK(x == NULL && strstr(err, "protocol error") != NULL);
	printf("  too deep: %s\n", err);
	if (x != NULL)
		freeReplyObject(x);
	/* ... after which the next call reconnects cleanly. */
	EXPECT_STATUS(cmd(r, "PING", NULL), "PONG");
}

static void test_auth(struct cw_redis *admin)
{
	static const char secret[] = "cw-test-s3cret";
	static const char wrong[] = "wrong-password-xyzzy";
	struct cw_redis *good = tcp_client(secret, LONG_TIMEOUT_MS);
	struct cw_redis *ugood = unix_client(secret, LONG_TIMEOUT_MS);
	struct cw_redis *bad = tcp_client(wrong, LONG_TIMEOUT_MS);
	struct cw_redis *none = tcp_client(NULL, LONG_TIMEOUT_MS);
	char err[256] = "";
	redisReply *x;

	printf("AUTH right and wrong\n");
	EXPECT_STATUS(cmd(admin, "CONFIG", "SET", "requirepass", secret,
	    NULL), "OK");
	EXPECT_STATUS(cmd(good, "PING", NULL), "PONG");
	EXPECT_STATUS(cmd(ugood, "PING", NULL), "PONG");

	x = cw_redis_commandv(bad, err, sizeof err, 1, (const char *[]){
	    "PING" });
	CHECK(x == NULL && strstr(err, "AUTH failed") != NULL);
	CHECK(strstr(err, wrong) == NULL);      /* never echo the password */
	printf("  wrong password: %s\n", err);
	if (x != NULL)
		freeReplyObject(x);

	/* No password configured: the server's refusal is a normal reply. */
	x = cmd(none, "GET", "k", NULL);
	CHECK(x != NULL && x->type == REDIS_REPLY_ERROR &&
	    strncmp(x->str, "NOAUTH", 6) == 0);
	if (x != NULL)
		freeReplyObject(x);

	/* Reset, through whichever authenticated connection still works. */
	x = cmd(good, "CONFIG", "SET", "requirepass", "", NULL);
	if (!is_str(x, REDIS_REPLY_STATUS, "OK")) {
		if (x != NULL)
			freeReplyObject(x);
		x = cmd(admin, "CONFIG", "SET", "requirepass", "", NULL);
	}
	EXPECT_STATUS(x, "OK");
	EXPECT_STATUS(cmd(none, "PING", NULL), "PONG");
	cw_redis_free(good);
	cw_redis_free(ugood);
	cw_redis_free(bad);
	cw_redis_free(none);
}

static void test_timeout(struct cw_redis *admin)
{
	struct cw_redis *slow = tcp_client(NULL, 500);
	char err[256] = "";
	redisReply *x;
	long long t0, ms;

	printf("timeout against a paused server\n");
	EXPECT_STATUS(cmd(admin, "SET", "to:key", "after-pause", NULL), "OK");
	EXPECT_STATUS(cmd(admin, "CLIENT", "PAUSE", "3000", "ALL", NULL),
	    "OK");
	t0 = cw_now_ms();
	x = cw_redis_commandv(slow, err, sizeof err, 1,
	    (const char *[]){ "PING" });
	ms = cw_now_ms() - t0;
	printf("  500 ms timeout: NULL after %lld ms: %s\n", ms, err);
	CHECK(x == NULL);
	CHECK(ms >= 490 && ms <= 700);
	CHECK(strstr(err, "timed out after 500 ms waiting for reply") !=
	    NULL);
	if (x != NULL)
		freeReplyObject(x);

	/* Waits out the pause (the admin's own PING is held by it). */
	EXPECT_STATUS(cmd(admin, "PING", NULL), "PONG");
	/*
	 * The late PONG went to the connection we dropped: the next reply
	 * must answer the next command.
	 */
	EXPECT_STRING(cmd(slow, "GET", "to:key", NULL), "after-pause");
	cw_redis_free(slow);
}

static void test_restart(void)
{
	struct cw_redis *t = tcp_client(NULL, LONG_TIMEOUT_MS);
	struct cw_redis *u = unix_client(NULL, LONG_TIMEOUT_MS);
	redisReply *x;
	int rc;

	printf("reconnect after a server restart\n");
	EXPECT_STATUS(cmd(t, "SET", "rs:marker", "before", NULL), "OK");
	EXPECT_STATUS(cmd(u, "PING", NULL), "PONG");
	fflush(stdout);
	rc = system(restart_cmd);
	if (!CHECK(rc == 0))
		goto out;
	/* Both hold connections to the dead server: one retry each. */
	EXPECT_STATUS(cmd(t, "SET", "rs:key", "back", NULL), "OK");
	EXPECT_STRING(cmd(u, "GET", "rs:key", NULL), "back");
	/* Nothing is saved: a surviving marker means no restart happened. */
	x = cmd(t, "EXISTS", "rs:marker", NULL);
	CHECK(x != NULL && x->type == REDIS_REPLY_INTEGER && x->integer == 0);
	if (x != NULL)
		freeReplyObject(x);
out:
	cw_redis_free(t);
	cw_redis_free(u);
}

/* A loopback port with nothing listening (bound, then released). */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), p = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		p = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return p;
}

static void expect_fail(struct cw_redis *r, const char *want1,
    const char *want2, int line)
{
	char err[512] = "";
	long long t0 = cw_now_ms(), ms;
	redisReply *x;

	x = cw_redis_commandv(r, err, sizeof err, 1,
	    (const char *[]){ "PING" });
	ms = cw_now_ms() - t0;
	printf("  after %lld ms: %s\n", ms, err);
	check(x == NULL, "NULL reply", __FILE__, line);
	check(ms < 200, "fails quickly", __FILE__, line);
	check(strstr(err, want1) != NULL, want1, __FILE__, line);
	check(strstr(err, want2) != NULL, want2, __FILE__, line);
	if (x != NULL)
		freeReplyObject(x);
	cw_redis_free(r);
}

static void test_refused(void)
{
	char addr[64], path[200];
	int p = free_port();

	printf("connection refused and bad addresses\n");
	snprintf(addr, sizeof addr, "127.0.0.1:%d", p);
	expect_fail(client(&cw_redis_transport_tcp, "127.0.0.1", p, NULL,
	    LONG_TIMEOUT_MS), addr, "refused", __LINE__);
	expect_fail(client(&cw_redis_transport_unix, "/nonexistent/redis.sock",
	    0, NULL, LONG_TIMEOUT_MS), "/nonexistent/redis.sock",
	    "No such file", __LINE__);
	memset(path, 'x', sizeof path - 1);
	path[0] = '/';
	path[sizeof path - 1] = '\0';
	expect_fail(client(&cw_redis_transport_unix, path, 0, NULL,
	    LONG_TIMEOUT_MS), "socket path is", "at most 107", __LINE__);
}

/* "localhost" may resolve to ::1 first; the server only has 127.0.0.1. */
static void test_localhost(void)
{
	struct cw_redis *r = client(&cw_redis_transport_tcp, "localhost",
	    port, NULL, LONG_TIMEOUT_MS);

	printf("every address of a name is tried\n");
	EXPECT_STATUS(cmd(r, "PING", NULL), "PONG");
	cw_redis_free(r);
}

/*
 * Fake server.  A script is a string of steps run in a forked child on a
 * listening socket:
 *   a  accept the next connection      r  read a request (one chunk)
 *   w  write the text up to the next '|'   c  close the connection
 *   n  fail if another connection arrives within 500 ms
 *   e  read until the client hangs up
 * The child exits 0 when the whole script ran as written.
 */
static int fake_step_wait(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 ? 0 : -1;
}

static int fake_run(int lfd, const char *s)
{
	char buf[65536];
	const char *bar;
	int fd = -1;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case 'a':
			if (fake_step_wait(lfd, 3000) != 0)
				return 10;
			fd = accept(lfd, NULL, NULL);
			if (fd < 0)
				return 11;
			break;
		case 'r':
			if (fake_step_wait(fd, 3000) != 0 ||
			    read(fd, buf, sizeof buf) <= 0)
				return 12;
			break;
		case 'w':
			bar = strchr(s + 1, '|');
			if (bar == NULL || write(fd, s + 1,
			    (size_t)(bar - s - 1)) != bar - s - 1)
				return 13;
			s = bar;
			break;
		case 'c':
			close(fd);
			fd = -1;
			break;
		case 'n':
			if (fake_step_wait(lfd, 500) == 0)
				return 14;      /* the client came back */
			break;
		case 'e':
			while (fake_step_wait(fd, 3000) == 0 &&
			    read(fd, buf, sizeof buf) > 0)
				;
			break;
		default:
			return 15;
		}
	}
	return 0;
}

static pid_t fake_start(const char *script, int *fake_port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(lfd, 8) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &len) != 0) {
		perror("fake server");
		exit(2);
	}
	*fake_port = ntohs(a.sin_port);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(fake_run(lfd, script));   /* _exit: no leak report */
	close(lfd);
	return pid;
}

static void fake_finish(pid_t pid, struct cw_redis *r, int line)
{
	int st = 0;

	cw_redis_free(r);                       /* hang up first */
	waitpid(pid, &st, 0);
	if (!check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "fake server script ran as written", __FILE__, line))
		fprintf(stderr, "  fake server status %d\n", st);
}

static struct cw_redis *fake_client(int p)
{
	return client(&cw_redis_transport_tcp, "127.0.0.1", p, NULL, 2000);
}

static void test_retry_rules(void)
{
	char err[256] = "";
	struct cw_redis *r;
	redisReply *x;
	pid_t pid;
	int p;

	printf("stale connection, nothing received: reconnect once\n");
	pid = fake_start("arw+PONG\r\n|rcarw+OK\r\n|e", &p);
	r = fake_client(p);
	EXPECT_STATUS(cmd(r, "PING", NULL), "PONG");
	EXPECT_STATUS(cmd(r, "SET", "a", "b", NULL), "OK");
	fake_finish(pid, r, __LINE__);

	printf("part of the reply received: no retry\n");
	pid = fake_start("arw+PONG\r\n|rw$10\r\nabc|cn", &p);
	r = fake_client(p);
	EXPECT_STATUS(cmd(r, "PING", NULL), "PONG");
	x = cw_redis_commandv(r, err, sizeof err, 2,
	    (const char *[]){ "INCR", "n" });
	printf("  %s\n", err);
	CHECK(x == NULL && strstr(err, "closed by server") != NULL);
	fake_finish(pid, r, __LINE__);

	printf("new connection closed at once: no retry\n");
	pid = fake_start("arcn", &p);
	r = fake_client(p);
	x = cw_redis_commandv(r, err, sizeof err, 1,
	    (const char *[]){ "PING" });
	CHECK(x == NULL);
	fake_finish(pid, r, __LINE__);

	printf("garbage: protocol error, then a fresh connection\n");
	pid = fake_start("arw?what\r\n|earw+PONG\r\n|e", &p);
	r = fake_client(p);
	x = cw_redis_commandv(r, err, sizeof err, 1,
	    (const char *[]){ "PING" });
	printf("  %s\n", err);
	CHECK(x == NULL && strstr(err, "protocol error") != NULL);
	EXPECT_STATUS(cmd(r, "PING", NULL), "PONG");
	fake_finish(pid, r, __LINE__);

	printf("unsolicited bytes after a reply: next call reconnects\n");
	pid = fake_start("arw+PONG\r\n+EXTRA\r\n|earw+OK\r\n|e", &p);
	r = fake_client(p);
	EXPECT_STATUS(cmd(r, "PING", NULL), "PONG");
	EXPECT_STATUS(cmd(r, "SET", "a", "b", NULL), "OK");
	fake_finish(pid, r, __LINE__);
}

int main(void)
{
	struct cw_redis *t, *u;
	const char *p = getenv("CW_REDIS_PORT");

	host = getenv("CW_REDIS_HOST");
	sock_path = getenv("CW_REDIS_SOCKET");
	restart_cmd = getenv("CW_REDIS_RESTART");
	if (host == NULL || p == NULL || sock_path == NULL ||
	    restart_cmd == NULL) {
		fprintf(stderr, "set CW_REDIS_HOST, CW_REDIS_PORT, "
		    "CW_REDIS_SOCKET and CW_REDIS_RESTART (see "
		    "redis_test.sh)\n");
		return 2;
	}
	port = atoi(p);
	setvbuf(stdout, NULL, _IOLBF, 0);

	t = tcp_client(NULL, LONG_TIMEOUT_MS);
	u = unix_client(NULL, LONG_TIMEOUT_MS);
	test_basic(t, "tcp");
	test_basic(u, "unix");
	test_large(t, "tcp");
	test_large(u, "unix");
	test_pipeline(t);
	test_pipeline_exec(u);
	test_error_replies(t);
	test_streams(u);
	test_eval(t);
	test_auth(t);
	test_timeout(u);
	test_localhost();
	test_refused();
	test_retry_rules();
	test_restart();
	cw_redis_free(t);
	cw_redis_free(u);

	if (failures != 0) {
		printf("%d check(s) FAILED\n", failures);
		return 1;
	}
	printf("all redis client checks passed\n");
	return 0;
}
