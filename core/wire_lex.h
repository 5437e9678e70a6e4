/* SPDX-License-Identifier: MIT */
/*
 * wire_lex.h - the strict flat-JSON reader under wire_lite.c and
 * wire_fast.c (see wire_lex.c).  Not for other callers.
 */
#ifndef CW_WIRE_LEX_H
#define CW_WIRE_LEX_H

#include <stddef.h>
#include <stdint.h>

/* A read position in [p, end); err (errlen bytes; NULL: none) gets the
 * first error. */
struct cw_lex {
	const unsigned char *p, *end;
	char *err;
	size_t errlen;
};

/*
 * The length of the well-formed UTF-8 sequence at p (left > 0 bytes), 0
 * when there is none (RFC 3629: no overlong forms, no surrogates, nothing
 * past U+10FFFF; what jansson accepts).
 */
size_t cw_wire_utf8_len(const unsigned char *p, size_t left);

/* Sets x->err to what; returns -1. */
int cw_lex_fail(struct cw_lex *x, const char *what);
/* Skips JSON's four blanks. */
void cw_lex_skip_ws(struct cw_lex *x);
/* The next non-blank byte, consumed when it is c: 0, else -1. */
int cw_lex_expect(struct cw_lex *x, char c);
/*
 * A JSON string (x->p at its opening quote) decoded into dst (dstsz bytes,
 * NUL-terminated).  Raw control bytes, bad UTF-8, bad or lone-surrogate
 * escapes, an escaped NUL, and a string that does not fit: -1.
 */
int cw_lex_read_string(struct cw_lex *x, char *dst, size_t dstsz);
/*
 * A non-negative integer that fits int64_t, with no sign, fraction or
 * exponent, followed by something (a member never ends the input): 0,
 * else -1.
 */
int cw_lex_read_uint(struct cw_lex *x, int64_t *v);

#endif
