/* SPDX-License-Identifier: MIT */
/*
 * wire_lex.c - a strict, bounded reader of flat JSON objects, shared by
 * the PAM module's reply parser (wire_lite.c) and the daemon's request
 * fast path (wire_fast.c).  It reads what jansson reads (RFC 8259 strings
 * with every escape, RFC 3629 UTF-8, no NUL) and refuses anything it is
 * not sure of; it never recurses.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wire_lex.h"

/*
 * The length of the well-formed UTF-8 sequence at p (left bytes), 0 when
 * there is none: RFC 3629, so no overlong forms, no surrogates, nothing
 * past U+10FFFF.  What jansson accepts, and nothing more.
 */
size_t
cw_wire_utf8_len(const unsigned char *p, size_t left)
{
	uint32_t cp, min;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2, cp = p[0] & 0x1f, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3, cp = p[0] & 0x0f, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4, cp = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
cw_lex_fail(struct cw_lex *x, const char *what)
{
	if (x->err != NULL)
		snprintf(x->err, x->errlen, "%s", what);
	return -1;
}

void
cw_lex_skip_ws(struct cw_lex *x)
{
	while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' ||
	    *x->p == '\n' || *x->p == '\r'))
		x->p++;
}

/* The next non-blank byte, consumed when it is c.  0 or -1. */
int
cw_lex_expect(struct cw_lex *x, char c)
{
	cw_lex_skip_ws(x);
	if (x->p >= x->end)
		return cw_lex_fail(x, "truncated");
	if (*x->p != (unsigned char)c)
		return cw_lex_fail(x, "not the JSON object expected");
	x->p++;
	return 0;
}

/* Four hex digits of a \u escape. */
static int
hex4(struct cw_lex *x, uint32_t *v)
{
	int i, d;

	*v = 0;
	if (x->end - x->p < 4)
		return cw_lex_fail(x, "truncated escape");
	for (i = 0; i < 4; i++, x->p++) {
		d = *x->p >= '0' && *x->p <= '9' ? *x->p - '0' :
		    *x->p >= 'a' && *x->p <= 'f' ? *x->p - 'a' + 10 :
		    *x->p >= 'A' && *x->p <= 'F' ? *x->p - 'A' + 10 : -1;
		if (d < 0)
			return cw_lex_fail(x, "bad \\u escape");
		*v = *v << 4 | (uint32_t)d;
	}
	return 0;
}

/* A \uXXXX escape (x->p after the u), a surrogate pair whole, as UTF-8. */
static int
unescape_u(struct cw_lex *x, unsigned char utf8[4], size_t *n)
{
	uint32_t cp, lo;

	if (hex4(x, &cp) < 0)
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return cw_lex_fail(x, "lone surrogate in \\u escape");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (x->end - x->p < 2 || x->p[0] != '\\' || x->p[1] != 'u')
			return cw_lex_fail(x, "lone surrogate in \\u escape");
		x->p += 2;
		if (hex4(x, &lo) < 0)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return cw_lex_fail(x, "lone surrogate in \\u escape");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return cw_lex_fail(x, "NUL in a string");
	if (cp < 0x80) {
		utf8[0] = (unsigned char)cp, *n = 1;
	} else if (cp < 0x800) {
		utf8[0] = (unsigned char)(0xc0 | cp >> 6), *n = 2;
	} else if (cp < 0x10000) {
		utf8[0] = (unsigned char)(0xe0 | cp >> 12), *n = 3;
	} else {
		utf8[0] = (unsigned char)(0xf0 | cp >> 18), *n = 4;
	}
	for (size_t i = 1; i < *n; i++)
		utf8[i] = (unsigned char)(0x80 |
		    (cp >> (6 * (*n - 1 - i)) & 0x3f));
	return 0;
}

/* One escape (x->p after the backslash), decoded into utf8[0..*n). */
static int
unescape(struct cw_lex *x, unsigned char utf8[4], size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;

	if (x->p >= x->end)
		return cw_lex_fail(x, "truncated escape");
	if (*x->p == 'u') {
		x->p++;
		return unescape_u(x, utf8, n);
	}
	if (*x->p == '\0' || (e = strchr(from, *x->p)) == NULL)
		return cw_lex_fail(x, "bad escape");
	x->p++;
	utf8[0] = (unsigned char)to[e - from];
	*n = 1;
	return 0;
}

/*
 * A JSON string (x->p at its opening quote), decoded into dst (dstsz
 * bytes, NUL-terminated).  Raw control bytes, bad UTF-8, an escaped NUL
 * and a string that does not fit are errors.
 */
int
cw_lex_read_string(struct cw_lex *x, char *dst, size_t dstsz)
{
	unsigned char piece[4];
	size_t used = 0, n;

	if (x->p >= x->end || *x->p != '"')
		return cw_lex_fail(x, "a member has the wrong type");
	x->p++;
	for (;;) {
		if (x->p >= x->end)
			return cw_lex_fail(x, "truncated string");
		if (*x->p == '"')
			break;
		if (*x->p == '\\') {
			x->p++;
			if (unescape(x, piece, &n) < 0)
				return -1;
		} else if (*x->p < 0x20) {
			return cw_lex_fail(x, "control byte in a string");
		} else if ((n = cw_wire_utf8_len(x->p, (size_t)(x->end - x->p))) == 0) {
			return cw_lex_fail(x, "not UTF-8");
		} else {
			memcpy(piece, x->p, n);
			x->p += n;
		}
		if (n >= dstsz - used)
			return cw_lex_fail(x, "string too long");
		memcpy(dst + used, piece, n);
		used += n;
	}
	x->p++;
	dst[used] = '\0';
	return 0;
}

/* A non-negative integer that fits int64_t; no sign, fraction, exponent. */
int
cw_lex_read_uint(struct cw_lex *x, int64_t *v)
{
	const unsigned char *start = x->p;

	*v = 0;
	if (x->p < x->end && *x->p == '-')
		return cw_lex_fail(x, "negative number");
	while (x->p < x->end && *x->p >= '0' && *x->p <= '9') {
		if (*v > (INT64_MAX - (*x->p - '0')) / 10)
			return cw_lex_fail(x, "number too big");
		*v = *v * 10 + (*x->p - '0');
		x->p++;
	}
	if (x->p == start)
		return cw_lex_fail(x, "a member has the wrong type");
	if (x->p - start > 1 && *start == '0')
		return cw_lex_fail(x, "leading zero");
	if (x->p >= x->end)
		return cw_lex_fail(x, "truncated");
	if (*x->p == '.' || *x->p == 'e' || *x->p == 'E')
		return cw_lex_fail(x, "not an integer");
	return 0;
}
