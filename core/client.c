/*
 * client.c - one bounded request/response exchange with clearwayd.
 *
 * This code runs inside sshd, sudo and su through the PAM module, so it
 * must leave no trace on the host process: no signal handlers (send uses
 * MSG_NOSIGNAL instead of ignoring SIGPIPE), every fd close-on-exec, and
 * every wait bounded by one deadline for the whole exchange.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

static int
connect_unix(const char *path, long long deadline, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	socklen_t salen = sizeof(sa);
	int fd, soerr = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long");
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	if (errno != EAGAIN && errno != EINPROGRESS)
		goto fail;
	if (wait_fd(fd, POLLOUT, deadline) < 0)
		goto fail;
	salen = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &salen) < 0)
		goto fail;
	if (soerr == 0)
		return fd;
	errno = soerr;
fail:
	snprintf(err, errlen, "connect %s: %s", path, strerror(errno));
	close(fd);
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
cw_client_call(const char *socket_path, int timeout_ms,
    const struct cw_request *req, struct cw_response *resp,
    char *err, size_t errlen)
{
	long long deadline = monotonic_ms() + timeout_ms;
	unsigned char hdr[CW_WIRE_HEADER];
	char *payload = NULL, *answer = NULL, msg[128];
	size_t len;
	uint32_t alen;
	int fd, rc = -1;

	memset(resp, 0, sizeof(*resp));
	resp->decision.verdict = CW_VERDICT_DENY;
	if ((payload = cw_request_encode(req, &len)) == NULL) {
		snprintf(err, errlen, "cannot encode request");
		return -1;
	}
	if ((fd = connect_unix(socket_path, deadline, err, errlen)) < 0)
		goto out;
	cw_frame_header((uint32_t)len, hdr);
	if (send_all(fd, hdr, sizeof(hdr), deadline) < 0 ||
	    send_all(fd, payload, len, deadline) < 0) {
		snprintf(err, errlen, "%s: %s", socket_path, strerror(errno));
		goto out;
	}
	/* From here on the daemon has the request and may act on it. */
	rc = -2;
	if (recv_all(fd, hdr, sizeof(hdr), deadline) < 0) {
		snprintf(err, errlen, "%s: %s", socket_path, strerror(errno));
		goto out;
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
	free(payload);
	free(answer);
	return rc;
}
