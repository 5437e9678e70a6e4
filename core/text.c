/* SPDX-License-Identifier: MIT */
/*
 * text.c - see text.h.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

void
cw_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
cw_sanitize(char *dst, size_t dstlen, const char *s, size_t len)
{
	size_t i, n = len;

	if (n > dstlen - 4)
		n = dstlen - 4;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[n] = '\0';
	if (n < len)
		memcpy(dst + n, "...", 4);
}

bool
cw_take_digits(const char *s, size_t len, size_t *pos, unsigned n,
    unsigned *out)
{
	unsigned v = 0, i;

	if (len - *pos < n)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[*pos + i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (unsigned)(c - '0');
	}
	*pos += n;
	*out = v;
	return true;
}

size_t
cw_utf8_safe_len(const unsigned char *s, size_t len)
{
	uint32_t cp, min;
	size_t n, k;

	if (s[0] < 0x80)
		return (s[0] >= 0x20 && s[0] != 0x7f) ? 1 : 0;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

uint64_t
cw_fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

int
cw_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += (size_t)n;
		len -= (size_t)n;
	}
	return 0;
}

void
cw_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digit[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digit[in[i] >> 4];
		out[2 * i + 1] = digit[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* The value of one hex digit, or -1. */
static int
hex_digit(char c, bool lower_only)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (!lower_only && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
cw_hex_decode(const char *hex, size_t len, unsigned char *out, size_t n,
    bool lower_only)
{
	size_t i;
	int hi, lo;

	if (len != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		hi = hex_digit(hex[2 * i], lower_only);
		lo = hex_digit(hex[2 * i + 1], lower_only);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
