/* SPDX-License-Identifier: MIT */
/*
 * duration.h - DURATION as operators type it (contract section 4:
 * `elevate --for 30m`, `2h`, `1h30m`) and as the CLI and the PAM module
 * show time left.
 *
 * Accepted, and nothing else: one or more <number><unit> parts, units
 * from d (day, 86400 s), h, m, s, largest first, each at most once:
 *   30m  2h  1h30m  45s  1d  1d12h  2h0m30s
 * A number is decimal digits with no leading zero (0 alone is allowed,
 * "1h0m"; "01h" is not): one spelling per value, so what the audit trail
 * shows is what was typed.  No signs, spaces, fractions, upper-case units
 * or other units (no "1w", no "90min").  The total must be 1 second to
 * CW_DURATION_MAX (wire.h: a year); larger numbers, however many digits,
 * are refused as too long, never wrapped.
 */
#ifndef CW_DURATION_H
#define CW_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Fits any non-negative int64_t: "106751991167300d15h30m7s" plus NUL. */
#define CW_DURATION_BUFSZ 32

/* The accepted form, for error messages. */
#define CW_DURATION_FORMS "a number and a unit, e.g. 30m, 2h, 1h30m, 1d; " \
	"units d h m s, largest first, each at most once"

enum cw_duration_status {
	CW_DURATION_OK = 0,
	CW_DURATION_MALFORMED = -1,     /* empty, no unit, sign, space, ... */
	CW_DURATION_LEADING_ZERO = -2,  /* "01h" */
	CW_DURATION_UNIT_ORDER = -3,    /* "30m1h": units largest first */
	CW_DURATION_UNIT_REPEATED = -4, /* "1h1h" */
	CW_DURATION_ZERO = -5,          /* "0s", "0h0m" */
	CW_DURATION_TOO_LONG = -6,      /* over CW_DURATION_MAX */
};

/*
 * Parses exactly len bytes (not NUL-terminated; a NUL inside is garbage)
 * into seconds.  Returns CW_DURATION_OK, or a negative enum
 * cw_duration_status (and *seconds 0).
 */
int cw_duration_parse(const char *s, size_t len, int64_t *seconds);

/* What a status means, in words fit for an error message. */
const char *cw_duration_strerror(int status);

/*
 * s (>= 0) in the parser's form, largest unit first, zero parts left out:
 * 5400 -> "1h30m", 14400 -> "4h", 59 -> "59s", 0 -> "0s".  Anything from
 * 1 to CW_DURATION_MAX parses back to s.  Returns 0, or -1 when s is
 * negative or buf (len bytes) is too small (buf then holds "").
 */
int cw_duration_format(int64_t s, char *buf, size_t len);

#endif
