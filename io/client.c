/* SPDX-License-Identifier: MIT */
/*
 * client.c - one bounded request/response exchange with clearwayd.
 *
 * This code runs inside sshd, sudo and su through the PAM module, so it
 * must leave no trace on the host process: no signal handlers (send uses
 * MSG_NOSIGNAL instead of ignoring SIGPIPE), every fd close-on-exec, and
 * every wait bounded by one deadline for the whole exchange.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

static long long
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until the deadline; 0 when ready, -1 otherwise. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int n;

	for (;;) {
		left = deadline - monotonic_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/*
 * Sleeps until the next connect attempt: a short, growing pause, never past
 * the deadline.  poll() with no fds, because this runs in someone else's
 * process and must not touch signals.
 */
static void
retry_pause(int *pause_ms, long long deadline)
{
	long long left = deadline - monotonic_ms();

	if (left > 0)
		poll(NULL, 0, left < *pause_ms ? (int)left : *pause_ms);
	if (*pause_ms < 50)
		*pause_ms *= 2;
}

/*
 * A blocking socket whose connect() waits at most until the deadline
 * (SO_SNDTIMEO bounds a unix connect): while the daemon's listen backlog
 * is full, the kernel sleeps us and wakes us each time the daemon accepts
 * one, instead of failing at once with EAGAIN.
 */
static int
socket_until(long long deadline)
{
	long long left = deadline - monotonic_ms();
	struct timeval tv;
	int fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (left < 1)
		left = 1;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000 * 1000);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Everything after the connect waits in poll(), bounded by the deadline. */
static int
set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -1 : 0;
}

/*
 * Connects before the deadline.  A full listen backlog (EAGAIN on a unix
 * socket) means the daemon is busy, not gone: local users may be flooding
 * it, and a logon must still get through, so the connect waits for room
 * (socket_until) and is repeated until the deadline.  Anything else (no
 * daemon: ENOENT, ECONNREFUSED) fails at once.
 */
static int
connect_unix(const char *path, long long deadline, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	int fd = -1, soerr, pause_ms = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long");
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (;;) {
		if ((fd = socket_until(deadline)) < 0) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    set_nonblocking(fd) == 0)
			return fd;
		if ((errno != EAGAIN && errno != EINTR) ||
		    monotonic_ms() >= deadline)
			break;
		close(fd);
		fd = -1;
		retry_pause(&pause_ms, deadline);
	}
	if (errno == EAGAIN) {
		snprintf(err, errlen, "connect %s: daemon busy (listen queue "
		    "full) until the deadline", path);
		close(fd);
		errno = EAGAIN;
		return -1;
	}
	soerr = errno;
	snprintf(err, errlen, "connect %s: %s", path, strerror(soerr));
	close(fd);
	errno = soerr;          /* for connect_daemon() */
	return -1;
}

static int
send_all(int fd, const void *buf, size_t len, long long deadline)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_fd(fd, POLLOUT, deadline) < 0)
			return -1;
	}
	return 0;
}

static int
recv_all(int fd, void *buf, size_t len, long long deadline)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = recv(fd, p, len, 0);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (wait_fd(fd, POLLIN, deadline) < 0)
			return -1;
	}
	return 0;
}

int
cw_client_root_path(const char *socket_path, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s", socket_path, CW_ROOT_SOCKET_SUFFIX);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * Root's way in: the root socket, so that a flood of the public one by
 * local users cannot keep a logon out.  A daemon without one (ENOENT,
 * ECONNREFUSED) is reached on the public socket.
 */
static int
connect_daemon(const char *socket_path, long long deadline, char *err,
    size_t errlen)
{
	char root_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;

	if (geteuid() != 0 ||
	    cw_client_root_path(socket_path, root_path, sizeof(root_path)) < 0)
		return connect_unix(socket_path, deadline, err, errlen);
	if ((fd = connect_unix(root_path, deadline, err, errlen)) >= 0 ||
	    (errno != ENOENT && errno != ECONNREFUSED))
		return fd;
	return connect_unix(socket_path, deadline, err, errlen);
}

/*
 * One exchange: the encoded request (payload, len) out, the answer into
 * resp.  Returns as cw_client_call() does.
 */
static int
exchange(const char *socket_path, long long deadline, const char *payload,
    size_t len, struct cw_response *resp, char *err, size_t errlen)
{
	unsigned char hdr[CW_WIRE_HEADER];
	char *answer = NULL, msg[128];
	uint32_t alen;
	int fd, rc = -1;

	memset(resp, 0, sizeof(*resp));
	resp->decision.verdict = CW_VERDICT_DENY;
	if ((fd = connect_daemon(socket_path, deadline, err, errlen)) < 0)
		goto out;
	cw_frame_header((uint32_t)len, hdr);
	if (send_all(fd, hdr, sizeof(hdr), deadline) < 0 ||
	    send_all(fd, payload, len, deadline) < 0) {
		snprintf(err, errlen, "%s: %s", socket_path, strerror(errno));
		/*
		 * A daemon that turns a caller away at the door answers
		 * "busy" without reading and hangs up, so the send breaks;
		 * its answer is still there to read.  It did nothing.
		 */
		if ((errno != EPIPE && errno != ECONNRESET) ||
		    recv_all(fd, hdr, sizeof(hdr), deadline) < 0)
			goto out;
	} else {
		/* From here on the daemon has the request and may act on it. */
		rc = -2;
		if (recv_all(fd, hdr, sizeof(hdr), deadline) < 0) {
			snprintf(err, errlen, "%s: %s", socket_path,
			    strerror(errno));
			goto out;
		}
	}
	if (cw_frame_length(hdr, &alen) < 0) {
		snprintf(err, errlen, "%s: bad frame length", socket_path);
		goto out;
	}
	if ((answer = malloc(alen)) == NULL ||
	    recv_all(fd, answer, alen, deadline) < 0) {
		snprintf(err, errlen, "%s: %s", socket_path,
		    answer == NULL ? "out of memory" : strerror(errno));
		goto out;
	}
	if (cw_response_parse(answer, alen, resp, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s: bad response: %s", socket_path, msg);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(answer);
	return rc;
}

int
cw_client_call(const char *socket_path, int timeout_ms,
    const struct cw_request *req, struct cw_response *resp,
    char *err, size_t errlen)
{
	long long deadline = monotonic_ms() + timeout_ms;
	char *payload;
	size_t len;
	int rc, pause_ms = 5;

	memset(resp, 0, sizeof(*resp));
	resp->decision.verdict = CW_VERDICT_DENY;
	if ((payload = cw_request_encode(req, &len)) == NULL) {
		snprintf(err, errlen, "cannot encode request");
		return -1;
	}
	/*
	 * "busy" means the daemon turned the request away before doing
	 * anything (the caller over a per-uid bound, a queue full): asking
	 * again a little later, within the same deadline, is safe.
	 */
	while ((rc = exchange(socket_path, deadline, payload, len, resp, err,
	    errlen)) == 0 && resp->status == CW_STATUS_BUSY &&
	    monotonic_ms() + pause_ms < deadline) {
		cw_response_free(resp);
		retry_pause(&pause_ms, deadline);
	}
	free(payload);
	return rc;
}
