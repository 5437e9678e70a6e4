/* SPDX-License-Identifier: MIT */
/*
 * client.c - one bounded request/response exchange with clearwayd.
 *
 * This code runs inside sshd, sudo and su through the PAM module, so it
 * must leave no trace on the host process: no signal handlers (send uses
 * MSG_NOSIGNAL instead of ignoring SIGPIPE), every fd close-on-exec, and
 * every wait bounded by one deadline for the whole exchange.
 *
 * It also makes sure it talks to clearwayd: the socket's directory must
 * be root's alone and the peer (SO_PEERCRED) must be root, or the call
 * fails closed, saying which socket and whose it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "config_file.h"

/* Waits for events on fd until the deadline; 0 when ready, -1 otherwise. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int n;

	for (;;) {
		left = deadline - cw_now_ms();
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
	long long left = deadline - cw_now_ms();

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
	long long left = deadline - cw_now_ms();
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
		    cw_now_ms() >= deadline)
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

int
cw_client_root_path(const char *socket_path, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s", socket_path, CW_ROOT_SOCKET_SUFFIX);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * Whether the socket's directory keeps impostors out: owned by root and
 * writable by no one else, so only root can have put a socket there (or
 * replaced clearwayd's).  0, or -1 with err naming the directory, its
 * owner and its mode.
 */
static int
check_socket_dir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *slash = strrchr(path, '/');
	struct stat st;
	size_t n;

	if (slash == NULL) {
		snprintf(err, errlen, "refusing %s: not an absolute path", path);
		return -1;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(dir)) {
		snprintf(err, errlen, "socket path too long");
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	if (stat(dir, &st) < 0) {
		snprintf(err, errlen, "refusing %s: %s: %s", path, dir,
		    strerror(errno));
		return -1;
	}
	if (!cw_root_only_dir(&st)) {
		snprintf(err, errlen, "refusing %s: its directory %s is owned "
		    "by uid %u with mode %04o; it must be owned by root and "
		    "writable by no one else, or anyone could stand in for "
		    "clearwayd", path, dir, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/*
 * Whether the process at the other end of fd is clearwayd's: root (the
 * systemd unit runs it as root; there is no service user).  A process of
 * any other uid that got the socket path could answer "allow" to every
 * logon.  0, or -1 with err naming the socket and the uid found.
 */
static int
check_peer(int fd, const char *path, char *err, size_t errlen)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		snprintf(err, errlen, "refusing %s: SO_PEERCRED: %s", path,
		    strerror(errno));
		return -1;
	}
	if (cred.uid != 0) {
		snprintf(err, errlen, "refusing %s: the process answering on it "
		    "(pid %ld) runs as uid %u, not root: not clearwayd", path,
		    (long)cred.pid, (unsigned)cred.uid);
		return -1;
	}
	return 0;
}

/* connect_unix, then the checks on whom we reached (errno EPERM). */
static int
connect_checked(const char *path, long long deadline, char *err,
    size_t errlen)
{
	int fd;

	if (check_socket_dir(path, err, errlen) < 0) {
		errno = EPERM;
		return -1;
	}
	if ((fd = connect_unix(path, deadline, err, errlen)) < 0)
		return -1;
	if (check_peer(fd, path, err, errlen) < 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/*
 * Root's way in: the root socket, so that a flood of the public one by
 * local users cannot keep a logon out.  A daemon without one (ENOENT,
 * ECONNREFUSED) is reached on the public socket.  Whichever is reached
 * must be root's, in a directory only root can write: a refusal there
 * never falls back to the other socket.
 */
static int
connect_daemon(const char *socket_path, long long deadline, char *err,
    size_t errlen)
{
	char root_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;

	if (geteuid() != 0 ||
	    cw_client_root_path(socket_path, root_path, sizeof(root_path)) < 0)
		return connect_checked(socket_path, deadline, err, errlen);
	if ((fd = connect_checked(root_path, deadline, err, errlen)) >= 0 ||
	    (errno != ENOENT && errno != ECONNREFUSED))
		return fd;
	return connect_checked(socket_path, deadline, err, errlen);
}

/*
 * How long a client keeps the CPU, giving it away at every turn, before
 * it sleeps for the answer.  clearwayd answers a logon in a few tens of
 * microseconds, and on a virtual machine waking a thread that sleeps on
 * the other CPU costs about as much again (an interrupt to a halted
 * vCPU): a sleeping client paid it once more for the answer.  Measured on
 * this project's 2-vCPU VM (docs/performance.md, "The third pass"): the
 * exchange took 120 us at the median with the client asleep, 66 us with
 * it yielding; when the kernel ran both on one CPU, 35 us either way.
 */
#define ANSWER_SPIN_US 150

/*
 * Up to max bytes, at least min, before the deadline.  For the first
 * ANSWER_SPIN_US it tries the socket and yields the CPU in between
 * (sched_yield lets clearwayd's thread run first if the kernel put it on
 * this CPU), then waits in poll().  Bounded either way; the fd is
 * non-blocking.  Returns the count, or -1 (errno set).
 */
static ssize_t
recv_some(int fd, char *buf, size_t min, size_t max, long long deadline)
{
	long long spin_until = cw_now_us() + ANSWER_SPIN_US;
	size_t got = 0;
	ssize_t n;

	while (got < min) {
		n = recv(fd, buf + got, max - got, 0);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (errno == EAGAIN && cw_now_us() < spin_until) {
			sched_yield();
			continue;
		}
		if (wait_fd(fd, POLLIN, deadline) < 0)
			return -1;
	}
	return (ssize_t)got;
}

/*
 * Reads the answer's frame into resp with parse.  A short answer (all a
 * PAM call gets) comes in one recv onto the stack, header and payload
 * together: no allocation, no second read.  0, or -1 with err.
 */
static int
read_answer(int fd, const char *socket_path, long long deadline,
    cw_reply_parser parse, struct cw_response *resp, char *err,
    size_t errlen)
{
	char small[CW_WIRE_HEADER + 1024], *answer = small + CW_WIRE_HEADER;
	char msg[128];
	ssize_t got;
	uint32_t alen;
	size_t have;
	int rc = -1;

	if ((got = recv_some(fd, small, CW_WIRE_HEADER, sizeof(small),
	    deadline)) < 0) {
		snprintf(err, errlen, "%s: %s", socket_path, strerror(errno));
		return -1;
	}
	if (cw_frame_length((unsigned char *)small, &alen) < 0) {
		snprintf(err, errlen, "%s: bad frame length", socket_path);
		return -1;
	}
	/* Bytes past the frame (there are none from clearwayd) are ignored. */
	have = (size_t)got - CW_WIRE_HEADER;
	if (have > alen)
		have = alen;
	if (CW_WIRE_HEADER + (size_t)alen > sizeof(small)) {
		if ((answer = malloc(alen)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", socket_path);
			return -1;
		}
		memcpy(answer, small + CW_WIRE_HEADER, have);
	}
	if (have < alen && recv_some(fd, answer + have, alen - have,
	    alen - have, deadline) < 0) {
		snprintf(err, errlen, "%s: %s", socket_path, strerror(errno));
		goto out;
	}
	if (parse(answer, alen, resp, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s: bad response: %s", socket_path, msg);
		goto out;
	}
	rc = 0;
out:
	if (answer != small + CW_WIRE_HEADER)
		free(answer);
	return rc;
}

/*
 * One exchange: the request's frame (header and payload, framelen bytes)
 * out in one send, the answer into resp.  Returns as cw_client_call()
 * does.
 */
static int
exchange(const char *socket_path, long long deadline, const char *frame,
    size_t framelen, cw_reply_parser parse, struct cw_response *resp,
    char *err, size_t errlen)
{
	int fd, rc = -1, send_errno;

	memset(resp, 0, sizeof(*resp));
	resp->decision.verdict = CW_VERDICT_DENY;
	if ((fd = connect_daemon(socket_path, deadline, err, errlen)) < 0)
		goto out;
	if (send_all(fd, frame, framelen, deadline) < 0) {
		send_errno = errno;
		/*
		 * A daemon that turns a caller away at the door answers
		 * "busy" without reading and hangs up, so the send breaks;
		 * its answer is still there to read.  It did nothing.
		 */
		if ((send_errno != EPIPE && send_errno != ECONNRESET) ||
		    read_answer(fd, socket_path, deadline, parse, resp, err,
		    errlen) < 0) {
			snprintf(err, errlen, "%s: %s", socket_path,
			    strerror(send_errno));
			goto out;
		}
		rc = 0;
		goto out;
	}
	/* From here on the daemon has the request and may act on it. */
	rc = -2;
	if (read_answer(fd, socket_path, deadline, parse, resp, err,
	    errlen) < 0)
		goto out;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int
cw_client_exchange(const char *socket_path, int timeout_ms,
    const char *frame, size_t framelen, cw_reply_parser parse,
    struct cw_response *resp, char *err, size_t errlen)
{
	long long deadline = cw_now_ms() + timeout_ms;
	int rc, pause_ms = 5;

	memset(resp, 0, sizeof(*resp));
	resp->decision.verdict = CW_VERDICT_DENY;
	/*
	 * "busy" means the daemon turned the request away before doing
	 * anything (the caller over a per-uid bound, a queue full): asking
	 * again a little later, within the same deadline, is safe.
	 */
	while ((rc = exchange(socket_path, deadline, frame, framelen, parse,
	    resp, err, errlen)) == 0 && resp->status == CW_STATUS_BUSY &&
	    cw_now_ms() + pause_ms < deadline) {
		cw_response_free(resp);
		retry_pause(&pause_ms, deadline);
	}
	return rc;
}
