/* SPDX-License-Identifier: MIT */
/*
 * fuzz_wire.c - the socket protocol parsers, which read bytes from any
 * local user.  A parse that succeeds must re-encode and parse back to the
 * same request.  The two small codecs must agree with jansson's: the
 * daemon's fast path (wire_fast.c) reads a request as cw_request_parse
 * does or declines; the PAM module's reply parser (wire_lite.c) reads a
 * reply as cw_response_parse does or refuses it, and a refusal is a deny.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"
#include "wire_fast.h"
#include "wire_lite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * full_rc, full: what cw_response_parse made of data.  The small codecs
 * may refuse more, but never accept what it refuses nor read otherwise.
 */
static void
check_small_codecs(const uint8_t *data, size_t size, int full_rc,
    const struct cw_response *full)
{
	struct cw_request fast, req;
	struct cw_response lite;
	char err[128];
	int rf, rj;

	rf = cw_request_parse_fast((const char *)data, size, &fast);
	rj = cw_request_parse((const char *)data, size, &req, err, sizeof(err));
	if (rf == 0 && (rj != 0 || memcmp(&fast, &req, sizeof(req)) != 0))
		abort();
	if (cw_wire_reply_parse((const char *)data, size, &lite, err,
	    sizeof(err)) != 0) {
		if (lite.decision.verdict != CW_VERDICT_DENY)
			abort();        /* refused: must read as a deny */
		return;
	}
	if (full_rc != 0 || full->data != NULL ||
	    lite.status != full->status ||
	    lite.decision.verdict != full->decision.verdict ||
	    lite.decision.reason != full->decision.reason ||
	    strcmp(lite.message, full->message) != 0 ||
	    lite.training_expires != full->training_expires ||
	    lite.elevation_ends != full->elevation_ends)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_request req, again;
	struct cw_response resp;
	unsigned char hdr[CW_WIRE_HEADER];
	uint32_t len;
	char err[128], *enc;
	size_t enclen;
	int rc;

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
	rc = cw_response_parse((const char *)data, size, &resp, err,
	    sizeof(err));
	if (rc != 0 && resp.decision.verdict != CW_VERDICT_DENY)
		abort();        /* a malformed answer must read as a deny */
	check_small_codecs(data, size, rc, &resp);
	cw_response_free(&resp);
	return 0;
}
