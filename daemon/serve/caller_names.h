/* SPDX-License-Identifier: MIT */
/*
 * caller_names.h - login names of the daemon's callers, looked up off the
 * decision thread (issue 10).
 *
 * Mapping a peer uid to a name goes through NSS, which may be a directory
 * (sssd, nslcd) that stalls for seconds.  The server thread must never
 * wait on it, or one slow lookup would stall every logon behind it.  So a
 * thread of its own resolves uids into a bounded cache (positive answers
 * for CW_NAMES_TTL_MS, negative ones for less), and the server parks a
 * request whose caller's name is not known yet until the eventfd says a
 * lookup finished.  uid 0 is never looked up: root is "root".
 */
#ifndef CW_CALLER_NAMES_H
#define CW_CALLER_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "names.h"

/* How long a name is believed; a uid renamed or reused shows after this. */
#define CW_NAMES_TTL_MS 60000
#define CW_NAMES_NEG_TTL_MS 10000
/* uids cached, and at most how many wait for a lookup at once. */
#define CW_NAMES_SLOTS 256
#define CW_NAMES_PENDING_MAX 32

enum cw_name_answer {
	CW_NAME_KNOWN,          /* name filled in */
	CW_NAME_NONE,           /* the uid has no (valid) login name */
	CW_NAME_WAIT,           /* asked: try again when the fd is readable */
	CW_NAME_BUSY,           /* too many lookups waiting: refuse */
};

struct cw_caller_names;

/* Starts the lookup thread; NULL with err on failure. */
struct cw_caller_names *cw_caller_names_start(char *err, size_t errlen);

/* Readable after a lookup has finished: call cw_caller_names_ack(). */
int cw_caller_names_fd(const struct cw_caller_names *n);
void cw_caller_names_ack(struct cw_caller_names *n);

/* Never blocks on NSS.  name has room for CW_USER_MAX + 1 bytes. */
enum cw_name_answer cw_caller_names_get(struct cw_caller_names *n, uid_t uid,
    long long now_ms, char name[CW_USER_MAX + 1]);

void cw_caller_names_stop(struct cw_caller_names *n);

#endif
