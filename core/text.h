/* SPDX-License-Identifier: MIT */
/*
 * text.h - small helpers every parser of untrusted text shares.
 */
#ifndef CW_TEXT_H
#define CW_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF) that is not a control
 * character (C0, DEL, C1); 0 for anything else.  The audit record and
 * its transport both use this, so a line one makes the other accepts.
 */
size_t cw_utf8_safe_len(const unsigned char *s, size_t len);

/*
 * FNV-1a of a string, for the daemon's in-memory hash tables.  It is not
 * keyed, so it suits only tables whose keys an attacker cannot choose or
 * whose probing is bounded whatever the keys are.
 */
uint64_t cw_fnv1a(const char *s);

/*
 * Hex, the one encoder and decoder of the project (MACs, keys, tokens).
 * cw_hex_encode writes the lower-case digits of n bytes and a NUL: out
 * holds 2n + 1 bytes.
 */
void cw_hex_encode(const unsigned char *in, size_t n, char *out);

/*
 * Exactly 2n hex digits (hex is len bytes, no NUL needed) into n bytes of
 * out.  lower_only refuses 'A'-'F': a value with one spelling (a MAC in a
 * canonical record) must not have two; text people type (a key file) may
 * use either case.  Returns 0, or -1 when len is not 2n or a character is
 * not a digit (out may then hold part of the bytes: wipe it if secret).
 */
int cw_hex_decode(const char *hex, size_t len, unsigned char *out, size_t n,
    bool lower_only);

/* Writes all of buf to fd (retrying short writes and EINTR); 0 or -1. */
int cw_write_all(int fd, const char *buf, size_t len);

#endif
