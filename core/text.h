/*
 * text.h - small helpers every parser of untrusted text shares.
 */
#ifndef CW_TEXT_H
#define CW_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Writes an error message, if the caller gave room for one. */
void cw_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Copies untrusted text for a message: printable ASCII only, cut to fit
 * dst with "..." marking the cut.  dst must hold at least 8 bytes.
 */
void cw_sanitize(char *dst, size_t dstlen, const char *s, size_t len);

/*
 * Reads exactly n decimal digits of s (len bytes) at *pos into *out and
 * advances *pos; false (nothing consumed) when they are not there.
 */
bool cw_take_digits(const char *s, size_t len, size_t *pos, unsigned n,
    unsigned *out);

#endif
