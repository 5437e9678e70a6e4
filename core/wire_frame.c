/* SPDX-License-Identifier: MIT */
/*
 * wire_frame.c - the parts of the local socket protocol that need no JSON
 * library: the frame header, the names of operations and statuses, and
 * freeing a response.  Apart from wire.c (libjansson) so that the PAM
 * module can link them without it.
 */
#include <stdlib.h>

#include "wire_int.h"

const char *const cw_wire_op_names[CW_WIRE_OPS] = {
	[CW_OP_DECIDE] = "decide",
	[CW_OP_CHECK] = "check",
	[CW_OP_SESSION] = "session",
	[CW_OP_BREAKGLASS] = "breakglass",
	[CW_OP_STATUS] = "status",
	[CW_OP_ELEVATE] = "elevate",
	[CW_OP_DROP] = "drop",
	[CW_OP_ELEVATIONS] = "elevations",
	[CW_OP_LEAVER] = "leaver",
	[CW_OP_REVOKE] = "revoke",
	[CW_OP_REINSTATE] = "reinstate",
	[CW_OP_QUEUE] = "queue",
	[CW_OP_REPORT] = "report",
	[CW_OP_EXPORT] = "export",
	[CW_OP_ERASE] = "erase",
	[CW_OP_RETRY] = "retry",
	[CW_OP_WHO] = "who",
	[CW_OP_EXPIRING] = "expiring",
	[CW_OP_SUSPEND] = "suspend",
	[CW_OP_UNSUSPEND] = "unsuspend",
	[CW_OP_AUDIT_VERIFY] = "audit_verify",
	[CW_OP_AUDIT_EXPORT] = "audit_export",
	[CW_OP_REQUEST] = "request",
	[CW_OP_REQUESTS] = "requests",
	[CW_OP_APPROVE] = "approve",
	[CW_OP_REJECT] = "reject",
	[CW_OP_REVIEW] = "review",
};

const char *const cw_wire_status_names[CW_WIRE_STATUSES] = {
	[CW_STATUS_OK] = "ok",
	[CW_STATUS_BAD_REQUEST] = "bad_request",
	[CW_STATUS_FORBIDDEN] = "forbidden",
	[CW_STATUS_UNAVAILABLE] = "unavailable",
	[CW_STATUS_INTERNAL] = "internal",
	[CW_STATUS_REFUSED] = "refused",
	[CW_STATUS_UNKNOWN] = "unknown",
	[CW_STATUS_BUSY] = "busy",
};

int
cw_frame_length(const unsigned char hdr[CW_WIRE_HEADER], uint32_t *len)
{
	uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | (uint32_t)hdr[3];

	if (n == 0 || n > CW_WIRE_MAX_FRAME)
		return -1;
	*len = n;
	return 0;
}

void
cw_frame_header(uint32_t len, unsigned char hdr[CW_WIRE_HEADER])
{
	hdr[0] = (unsigned char)(len >> 24);
	hdr[1] = (unsigned char)(len >> 16);
	hdr[2] = (unsigned char)(len >> 8);
	hdr[3] = (unsigned char)len;
}

const char *
cw_status_name(enum cw_status s)
{
	if ((unsigned)s >= CW_WIRE_STATUSES)
		return "invalid_status";
	return cw_wire_status_names[s];
}

void
cw_response_free(struct cw_response *r)
{
	free(r->data);
	r->data = NULL;
}
