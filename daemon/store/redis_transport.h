/* SPDX-License-Identifier: MIT */
/*
 * redis_transport.h - the socket pieces the transports share
 * (redis_transport.c), for redis_tls.c to put TLS on top of TCP.
 */
#ifndef CW_REDIS_TRANSPORT_H
#define CW_REDIS_TRANSPORT_H

#include <stddef.h>

/*
 * Waits until fd is ready for events or deadline_ms (CLOCK_MONOTONIC,
 * cw_now_ms()) passes: 0, or -1 with errno (ETIMEDOUT at the deadline).
 * POLLERR/POLLHUP count as ready: the next I/O call reports the error.
 */
int cw_redis_wait_fd(int fd, short events, long long deadline_ms);

/*
 * Connects a non-blocking, close-on-exec TCP socket (TCP_NODELAY) to
 * where:port before the deadline, trying each address of the name in
 * turn.  Returns the fd, or -1 with err ("connect to ADDR: ...", a
 * timeout naming timeout_ms) and errno set.
 */
int cw_redis_tcp_connect(const char *where, int port, long long deadline,
    int timeout_ms, char *err, size_t errlen);

#endif
