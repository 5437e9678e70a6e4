/* SPDX-License-Identifier: MIT */
/*
 * client_call.c - cw_client_call: a request encoded and its answer parsed
 * with the full codec of core/wire.c (libjansson), for clearwayctl and the
 * daemon's own probes.  Apart from client.c so that the PAM module, which
 * brings its own small codec (core/wire_lite.c), links no libjansson.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

int
cw_client_call(const char *socket_path, int timeout_ms,
    const struct cw_request *req, struct cw_response *resp,
    char *err, size_t errlen)
{
	char *payload, *frame = NULL;
	size_t len;
	int rc = -1;

	memset(resp, 0, sizeof(*resp));
	resp->decision.verdict = CW_VERDICT_DENY;
	if ((payload = cw_request_encode(req, &len)) == NULL ||
	    (frame = malloc(CW_WIRE_HEADER + len)) == NULL) {
		snprintf(err, errlen, "cannot encode request");
		goto out;
	}
	/* One buffer, so that the frame leaves in one send. */
	cw_frame_header((uint32_t)len, (unsigned char *)frame);
	memcpy(frame + CW_WIRE_HEADER, payload, len);
	rc = cw_client_exchange(socket_path, timeout_ms, frame,
	    CW_WIRE_HEADER + len, cw_response_parse, resp, err, errlen);
out:
	free(payload);
	free(frame);
	return rc;
}
