/* SPDX-License-Identifier: MIT */
/*
 * duration.c - strict parsing and formatting of DURATION (see duration.h).
 *
 * The parser reads the whole string for its shape first and judges the
 * size last, so "99999999999x" is called malformed rather than too long:
 * the operator fixes the typo before the number.  Numbers saturate just
 * above CW_DURATION_MAX while they are read, so no input, however long,
 * can overflow.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "wire.h"

/* The unit table, largest first: the order the parser demands. */
static const struct {
	char letter;
	int64_t seconds;
} units[] = {
	{ 'd', 86400 },
	{ 'h', 3600 },
	{ 'm', 60 },
	{ 's', 1 },
};

#define NUNITS ((int)(sizeof(units) / sizeof(units[0])))

/* Anything above the maximum is as refused as the maximum plus one. */
#define SATURATED (CW_DURATION_MAX + 1)

_Static_assert(CW_DURATION_MAX == 366LL * 86400,
    "cw_duration_strerror() names the maximum: update it");

static int
unit_index(char c)
{
	int i;

	for (i = 0; i < NUNITS; i++)
		if (units[i].letter == c)
			return i;
	return -1;
}

/*
 * Reads one <number><unit> part at s[*pos].  On success advances *pos and
 * sets *value (saturated) and *unit (index into units[]).
 */
static int
parse_part(const char *s, size_t len, size_t *pos, int64_t *value, int *unit)
{
	size_t i = *pos, first = *pos;
	int64_t n = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9') {
		n = n * 10 + (s[i] - '0');
		if (n > SATURATED)
			n = SATURATED;
		i++;
	}
	if (i == first || i == len)
		return CW_DURATION_MALFORMED;   /* no number, or no unit */
	if (s[first] == '0' && i - first > 1)
		return CW_DURATION_LEADING_ZERO;
	if ((*unit = unit_index(s[i])) < 0)
		return CW_DURATION_MALFORMED;
	*value = n;
	*pos = i + 1;
	return CW_DURATION_OK;
}

int
cw_duration_parse(const char *s, size_t len, int64_t *seconds)
{
	bool seen[NUNITS] = { false };
	int64_t total = 0, n = 0;
	size_t pos = 0;
	int last = -1, unit = 0, rc;

	*seconds = 0;
	if (s == NULL || len == 0)
		return CW_DURATION_MALFORMED;
	while (pos < len) {
		if ((rc = parse_part(s, len, &pos, &n, &unit)) != CW_DURATION_OK)
			return rc;
		if (seen[unit])
			return CW_DURATION_UNIT_REPEATED;
		if (unit < last)
			return CW_DURATION_UNIT_ORDER;
		seen[unit] = true;
		last = unit;
		/* n <= SATURATED, so n * 86400 is far inside int64_t. */
		total += n * units[unit].seconds;
		if (total > SATURATED)
			total = SATURATED;
	}
	if (total == 0)
		return CW_DURATION_ZERO;
	if (total > CW_DURATION_MAX)
		return CW_DURATION_TOO_LONG;
	*seconds = total;
	return CW_DURATION_OK;
}

const char *
cw_duration_strerror(int status)
{
	switch (status) {
	case CW_DURATION_OK:
		return "valid";
	case CW_DURATION_MALFORMED:
		return "not a duration";
	case CW_DURATION_LEADING_ZERO:
		return "a number starts with 0";
	case CW_DURATION_UNIT_ORDER:
		return "units must come largest first (d, h, m, s)";
	case CW_DURATION_UNIT_REPEATED:
		return "a unit appears twice";
	case CW_DURATION_ZERO:
		return "it must be at least 1s";
	case CW_DURATION_TOO_LONG:
		return "longer than the most allowed, 366d";
	}
	return "unknown duration error";
}

int
cw_duration_format(int64_t s, char *buf, size_t len)
{
	char out[CW_DURATION_BUFSZ];
	size_t used = 0;
	int i, n;

	if (len > 0)
		buf[0] = '\0';
	if (s < 0)
		return -1;
	if (s == 0) {
		memcpy(out, "0s", 3);
		used = 2;
	}
	for (i = 0; i < NUNITS && s > 0; i++) {
		int64_t count = s / units[i].seconds;

		s %= units[i].seconds;
		if (count == 0)
			continue;
		n = snprintf(out + used, sizeof(out) - used, "%lld%c",
		    (long long)count, units[i].letter);
		if (n < 0 || (size_t)n >= sizeof(out) - used)
			return -1;      /* cannot happen: BUFSZ fits INT64_MAX */
		used += (size_t)n;
	}
	if (used >= len)
		return -1;
	memcpy(buf, out, used + 1);
	return 0;
}
