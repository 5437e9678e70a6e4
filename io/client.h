/* SPDX-License-Identifier: MIT */
/*
 * client.h - one request/response exchange with the local clearwayd.
 *
 * Used inside other programs' processes (sshd, sudo via the PAM module), so
 * it installs no signal handlers, opens every fd O_CLOEXEC, sends with
 * MSG_NOSIGNAL, and bounds the whole exchange by one deadline.
 */
#ifndef CW_CLIENT_H
#define CW_CLIENT_H

#include <stddef.h>

#include "wire.h"

/*
 * Beside the public socket, clearwayd listens on a second one that only
 * root may connect to (mode 0600): the PAM stacks' way in, which no
 * unprivileged user can fill.  Its path is the public one with this
 * suffix.
 */
#define CW_ROOT_SOCKET_SUFFIX ".root"

/* The root socket's path for socket_path; -1 when it does not fit. */
int cw_client_root_path(const char *socket_path, char *buf, size_t len);

/*
 * Sends req to the daemon at socket_path and parses the answer into resp.
 * A root caller goes through the root socket, or the public one when the
 * daemon has none.  Returns 0 when a well-formed response arrived (its
 * status may still be an error); -1 when the request did not reach the
 * daemon (nothing was done); -2 when it did but no well-formed answer came
 * back within timeout_ms (a change may have been made).  err says why.
 */
int cw_client_call(const char *socket_path, int timeout_ms,
    const struct cw_request *req, struct cw_response *resp,
    char *err, size_t errlen);

/* A parser of the answer's payload: cw_response_parse or cw_wire_reply_parse. */
typedef int (*cw_reply_parser)(const char *buf, size_t len,
    struct cw_response *out, char *err, size_t errlen);

/*
 * The transport under cw_client_call: sends frame (a header and its
 * payload, framelen bytes, already encoded) and reads the answer into
 * resp with parse, retrying "busy" within the deadline.  Returns as
 * cw_client_call() does.  The PAM module calls it with its own codec
 * (core/wire_lite.h), so that it links no libjansson.
 */
int cw_client_exchange(const char *socket_path, int timeout_ms,
    const char *frame, size_t framelen, cw_reply_parser parse,
    struct cw_response *resp, char *err, size_t errlen);

#endif
