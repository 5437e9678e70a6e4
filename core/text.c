/*
 * text.c - see text.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
