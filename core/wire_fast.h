/* SPDX-License-Identifier: MIT */
/*
 * wire_fast.h - the daemon's fast path for decide, session, breakglass
 * and check requests (see wire_fast.c).
 */
#ifndef CW_WIRE_FAST_H
#define CW_WIRE_FAST_H

#include <stddef.h>

#include "wire.h"

/*
 * Reads buf (len bytes, one frame's payload) into out when it is one of
 * those requests in the plain shape clients write: 0, with out exactly
 * what cw_request_parse would give.  1 when it declines (anything else,
 * including every malformed request): the caller then asks
 * cw_request_parse, which reads it or says what is wrong.
 */
int cw_request_parse_fast(const char *buf, size_t len,
    struct cw_request *out);

#endif
