/* SPDX-License-Identifier: MIT */
/*
 * gentime.h - LDAP GeneralizedTime values (RFC 4517 3.3.13) <-> seconds.
 *
 * Every date in the directory (leaving date, checks, expiries, training)
 * passes through cw_gentime_parse() and nowhere else.
 */
#ifndef CW_GENTIME_H
#define CW_GENTIME_H

#include <stddef.h>
#include <stdint.h>

/* Room for "YYYYMMDDHHMMSSZ" plus NUL. */
#define CW_GENTIME_BUFSZ 16

/*
 * Parses a GeneralizedTime of exactly len bytes into seconds since the Unix
 * epoch, UTC.  Accepts the RFC 4517 forms: YYYYMMDDHH[MM[SS]][(.|,)fraction]
 * followed by "Z" or a +hh[mm]/-hh[mm] offset.  A fraction is truncated, which
 * moves the instant earlier: every rule that compares a date with "now"
 * denies at or after the date, so truncation can only deny sooner, never
 * allow longer.  Returns 0, or -1 for anything else (leap second 60 is
 * refused: no expiry is ever meant to fall on one).
 */
int cw_gentime_parse(const char *s, size_t len, int64_t *out);

/* Formats t as "YYYYMMDDHHMMSSZ"; returns 0, or -1 when out of range. */
int cw_gentime_format(int64_t t, char buf[CW_GENTIME_BUFSZ]);

/* Days in month m (1..12) of year y, proleptic Gregorian; 0 for a bad m. */
unsigned cw_days_in_month(int64_t y, unsigned m);

/* Days since 1970-01-01 of a proleptic Gregorian civil date. */
int64_t cw_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Inverse of cw_days_from_civil(). */
void cw_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif
