/* SPDX-License-Identifier: MIT */
/*
 * fuzz_wire.c - the socket protocol parsers, which read bytes from any
 * local user.  A parse that succeeds must re-encode and parse back to the
 * same request.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_request req, again;
	struct cw_response resp;
	unsigned char hdr[CW_WIRE_HEADER];
	uint32_t len;
	char err[128], *enc;
	size_t enclen;

	if (size >= CW_WIRE_HEADER) {
		memcpy(hdr, data, CW_WIRE_HEADER);
		(void)cw_frame_length(hdr, &len);
	}
	if (cw_request_parse((const char *)data, size, &req, err,
	    sizeof(err)) == 0) {
		enc = cw_request_encode(&req, &enclen);
		if (enc == NULL || cw_request_parse(enc, enclen, &again, err,
		    sizeof(err)) != 0 || strcmp(again.user, req.user) != 0 ||
		    strcmp(again.host_class, req.host_class) != 0 ||
		    again.op != req.op || again.mode != req.mode)
			abort();
		free(enc);
	}
	if (cw_response_parse((const char *)data, size, &resp, err,
	    sizeof(err)) != 0 && resp.decision.verdict != CW_VERDICT_DENY)
		abort();        /* a malformed answer must read as a deny */
	return 0;
}
