/* SPDX-License-Identifier: MIT */
/*
 * wire_lite.h - a small client codec of the local socket protocol, with
 * no JSON library: the PAM module's, so that pam_clearway.so loads no
 * libjansson into sshd for every logon (docs/performance.md).  The daemon
 * and clearwayctl keep core/wire.c.
 *
 * It formats any request (and the daemon's plain answers, a fast path),
 * and parses the replies the PAM module gets
 * (decide, session, breakglass): "v", "status", "verdict", "reason",
 * "message", "training_expires", "elevation_ends".  The parser is stricter
 * than the daemon's codec, never looser: anything it cannot read with
 * certainty (a "data" member, a nested value, a duplicated or unknown
 * key, a real number, bad UTF-8, an escaped NUL, trailing bytes, a
 * truncated frame) is an error, and an error denies.
 */
#ifndef CW_WIRE_LITE_H
#define CW_WIRE_LITE_H

#include <stddef.h>

#include "wire.h"

/* Room for any request the PAM module sends (its fields are bounded). */
#define CW_WIRE_LITE_REQUEST_MAX 4096

/*
 * Formats r as one whole frame, the 4-byte header then the JSON object,
 * into buf (bufsz bytes); *len is the frame's length.  Strings are escaped
 * as JSON requires; a string that is not valid UTF-8, an unknown op, or a
 * frame that does not fit buf is an error.  Returns 0 or -1.
 */
int cw_wire_request_format(const struct cw_request *r, char *buf,
    size_t bufsz, size_t *len);

/*
 * The daemon's fast path for the answers it writes most (every decision):
 * r (which must have no data) as one whole frame into buf, byte for byte
 * what cw_response_encode would make.  -1 when r has data, a message that
 * is not UTF-8, or does not fit: the caller then uses cw_response_encode.
 */
int cw_wire_response_format(const struct cw_response *r, char *buf,
    size_t bufsz, size_t *len);

/*
 * Parses a reply's payload (len bytes, not NUL-terminated) into out, with
 * cw_response_parse's contract for the members listed above (out->data
 * stays NULL).  On error out says status internal and verdict deny, err
 * says why, and -1 is returned.
 */
int cw_wire_reply_parse(const char *buf, size_t len, struct cw_response *out,
    char *err, size_t errlen);

#endif
