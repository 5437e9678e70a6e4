/* SPDX-License-Identifier: MIT */
/*
 * redis_transport.c - plain socket transports for the client in redis.c:
 * a Unix stream socket and TCP.
 *
 * Every socket is non-blocking and close-on-exec from the start, so no
 * call can outlive its deadline and no fd leaks into a child we exec.
 * Waiting is done with poll() against the caller's CLOCK_MONOTONIC
 * deadline.
 *
 * errno after a -1 from write_all or read_some tells redis.c what went
 * wrong (it decides on a reconnect from it):
 *   ETIMEDOUT   the deadline passed;
 *   ECONNRESET  the server closed the connection (EOF) or reset it;
 *   EPIPE       the server had already closed it when we wrote;
 *   other       whatever send/recv/poll said.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "store/redis.h"
#include "text.h"

/* How long to back off when a Unix socket's listen queue is full. */
#define UNIX_BUSY_RETRY_MS 10

struct sock {
	int fd;
};

/* Milliseconds left before the deadline, clamped for poll(). */
static int ms_left(long long deadline_ms)
{
	long long left = deadline_ms - cw_now_ms();

	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/*
 * Waits until fd is ready for events or the deadline passes (ETIMEDOUT).
 * POLLERR/POLLHUP count as ready: the following send/recv/getsockopt
 * reports the actual error.
 */
static int wait_fd(int fd, short events, long long deadline_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int left, n;

	for (;;) {
		left = ms_left(deadline_ms);
		if (left == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&p, 1, left);
		if (n > 0)
			return 0;
		/* n == 0: loop, and the deadline check above decides. */
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* Completes a connect() that went in progress. */
static int finish_connect(int fd, long long deadline_ms)
{
	int soerr = 0;
	socklen_t len = sizeof soerr;

	if (wait_fd(fd, POLLOUT, deadline_ms) != 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return 0;
}

static int connect_fd(int fd, const struct sockaddr *sa, socklen_t salen,
    long long deadline_ms)
{
	while (connect(fd, sa, salen) != 0) {
		/* After EINTR the connect carries on in the background. */
		if (errno == EINPROGRESS || errno == EINTR)
			return finish_connect(fd, deadline_ms);
		/*
		 * A Unix socket whose listen queue is full fails with EAGAIN
		 * instead of going in progress, and poll() cannot wait for
		 * room: back off briefly and try again until the deadline.
		 */
		if (errno != EAGAIN)
			return -1;
		if (ms_left(deadline_ms) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		(void)poll(NULL, 0, UNIX_BUSY_RETRY_MS);
	}
	return 0;
}

/* strerror, but a timeout says how long we waited. */
static void connect_err(char *err, size_t errlen, const char *what, int e,
    int timeout_ms)
{
	if (e == ETIMEDOUT)
		cw_set_err(err, errlen, "connect to %s: timed out after %d ms",
		    what, timeout_ms);
	else
		cw_set_err(err, errlen, "connect to %s: %s", what, strerror(e));
}

/* Hands a connected fd to the caller as transport state. */
static int wrap_fd(void **state, int fd, char *err, size_t errlen)
{
	struct sock *s = malloc(sizeof *s);

	if (s == NULL) {
		close(fd);
		cw_set_err(err, errlen, "out of memory");
		return -1;
	}
	s->fd = fd;
	*state = s;
	return 0;
}

static int unix_open(void **state, const char *where, int port,
    int timeout_ms, char *err, size_t errlen)
{
	long long deadline = cw_now_ms() + timeout_ms;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len;
	int fd, e;

	(void)port;
	if (where == NULL || where[0] == '\0') {
		cw_set_err(err, errlen, "no socket path");
		return -1;
	}
	/* Truncating would silently connect somewhere else. */
	len = strlen(where);
	if (len >= sizeof sun.sun_path) {
		cw_set_err(err, errlen, "socket path is %zu bytes, at most %zu fit",
		    len, sizeof sun.sun_path - 1);
		return -1;
	}
	memcpy(sun.sun_path, where, len + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		cw_set_err(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect_fd(fd, (const struct sockaddr *)&sun, sizeof sun,
	    deadline) != 0) {
		e = errno;
		close(fd);
		connect_err(err, errlen, where, e, timeout_ms);
		return -1;
	}
	return wrap_fd(state, fd, err, errlen);
}

/* "127.0.0.1:6379" or "[::1]:6379", for messages. */
static void addr_text(const struct addrinfo *ai, char *buf, size_t len)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host,
	    serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, len, "(unprintable address)");
		return;
	}
	if (ai->ai_family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", host, serv);
	else
		snprintf(buf, len, "%s:%s", host, serv);
}

/* One address of the host: a connected fd, or -1 with err and errno. */
static int tcp_try(const struct addrinfo *ai, long long deadline,
    int timeout_ms, char *err, size_t errlen)
{
	char what[NI_MAXHOST + NI_MAXSERV + 4];
	int one = 1, fd, e;

	addr_text(ai, what, sizeof what);
	fd = socket(ai->ai_family,
	    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		e = errno;
		cw_set_err(err, errlen, "socket for %s: %s", what, strerror(e));
		goto fail;
	}
	/* Commands are small and sent whole: Nagle would only add delay. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
	    connect_fd(fd, ai->ai_addr, ai->ai_addrlen, deadline) != 0) {
		e = errno;
		connect_err(err, errlen, what, e, timeout_ms);
		goto fail;
	}
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	errno = e;
	return -1;
}

/*
 * Tries each address of the host in getaddrinfo's order (so "localhost"
 * works whether the server listens on ::1 or 127.0.0.1), all within the
 * one deadline.  The resolver itself is not bounded: give an address, or
 * a name from /etc/hosts, where that matters.
 */
static int tcp_open(void **state, const char *where, int port,
    int timeout_ms, char *err, size_t errlen)
{
	long long deadline = cw_now_ms() + timeout_ms;
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *res = NULL, *ai;
	char service[16];
	int rc, fd = -1;

	if (where == NULL || where[0] == '\0' || port < 1 || port > 65535) {
		cw_set_err(err, errlen, "invalid host or port");
		return -1;
	}
	snprintf(service, sizeof service, "%d", port);
	rc = getaddrinfo(where, service, &hints, &res);
	if (rc != 0) {
		cw_set_err(err, errlen, "resolve %s: %s", where,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = tcp_try(ai, deadline, timeout_ms, err, errlen);
		/* A timeout has used up the budget of every address. */
		if (fd >= 0 || errno == ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return -1;
	return wrap_fd(state, fd, err, errlen);
}

static int sock_write_all(void *state, const char *buf, size_t len,
    long long deadline_ms)
{
	struct sock *s = state;
	ssize_t n;

	while (len > 0) {
		/* MSG_NOSIGNAL: a closed peer is EPIPE, not a SIGPIPE. */
		n = send(s->fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (wait_fd(s->fd, POLLOUT, deadline_ms) != 0)
			return -1;
	}
	return 0;
}

static long sock_read_some(void *state, char *buf, size_t len,
    long long deadline_ms)
{
	struct sock *s = state;
	ssize_t n;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		n = recv(s->fd, buf, len, 0);
		if (n > 0)
			return (long)n;
		if (n == 0) {
			/* EOF: to the caller, the same as a reset. */
			errno = ECONNRESET;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (wait_fd(s->fd, POLLIN, deadline_ms) != 0)
			return -1;
	}
}

static void sock_close(void *state)
{
	struct sock *s = state;

	if (s == NULL)
		return;
	close(s->fd);
	free(s);
}

const struct cw_redis_transport cw_redis_transport_unix = {
	.name = "unix",
	.open = unix_open,
	.write_all = sock_write_all,
	.read_some = sock_read_some,
	.close = sock_close,
};

const struct cw_redis_transport cw_redis_transport_tcp = {
	.name = "tcp",
	.open = tcp_open,
	.write_all = sock_write_all,
	.read_some = sock_read_some,
	.close = sock_close,
};
