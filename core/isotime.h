/* SPDX-License-Identifier: MIT */
/*
 * isotime.h - ISO 8601 date-times as operators type them (contract
 * section 4: TIME) and as the CLI shows them.
 *
 * Accepted, and nothing else:
 *   YYYY-MM-DDTHH:MM[:SS]Z          UTC
 *   YYYY-MM-DDTHH:MM[:SS]+hh:mm     an explicit offset (also -hh:mm)
 *   YYYY-MM-DDTHH:MM[:SS]           Europe/London local time
 * A local time is converted by calendar.c's rule, so it must fall within
 * the calendar's years (1996..9999), and a wall time that a clock change
 * skips (spring, 01:00-01:59) or repeats (autumn, 01:00-01:59) is refused:
 * the operator must say which instant they mean with Z or an offset.  No
 * fractions, no leap second, no lower-case 't'/'z', no space for 'T'.
 */
#ifndef CW_ISOTIME_H
#define CW_ISOTIME_H

#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DDTHH:MM:SS+hh:mm" plus NUL. */
#define CW_ISO8601_BUFSZ 26

/* The accepted forms, for error messages. */
#define CW_ISO8601_FORMS "YYYY-MM-DDTHH:MM[:SS] followed by Z, +hh:mm or " \
	"-hh:mm, or by nothing for Europe/London local time"

enum cw_iso8601_status {
	CW_ISO8601_OK = 0,
	CW_ISO8601_MALFORMED = -1,      /* not one of the accepted forms */
	CW_ISO8601_BAD_FIELD = -2,      /* e.g. month 13, 30 February, 24:00 */
	CW_ISO8601_OUT_OF_RANGE = -3,   /* local time outside 1996..9999 */
	CW_ISO8601_LOCAL_SKIPPED = -4,  /* local time the spring change skips */
	CW_ISO8601_LOCAL_REPEATED = -5, /* local time the autumn change repeats */
};

/*
 * Parses exactly len bytes into seconds since the Unix epoch (UTC).
 * Returns CW_ISO8601_OK, or a negative enum cw_iso8601_status (and *out 0).
 */
int cw_iso8601_parse(const char *s, size_t len, int64_t *out);

/* What a status means, in words fit for an error message. */
const char *cw_iso8601_strerror(int status);

/* t as "YYYY-MM-DDTHH:MM:SSZ" (years 0000..9999).  Returns 0 or -1. */
int cw_iso8601_format_utc(int64_t t, char buf[CW_ISO8601_BUFSZ]);

/*
 * t as Europe/London local time with its offset,
 * "YYYY-MM-DDTHH:MM:SS+01:00" (calendar years only).  Returns 0 or -1.
 */
int cw_iso8601_format_local(int64_t t, char buf[CW_ISO8601_BUFSZ]);

#endif
