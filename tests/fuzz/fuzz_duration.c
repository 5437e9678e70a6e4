/* SPDX-License-Identifier: MIT */
/*
 * fuzz_duration.c - cw_duration_parse() on arbitrary bytes.
 *
 * A refusal must leave 0 and name a known status; an accepted duration
 * must be within 1..CW_DURATION_MAX, consist only of digits and the unit
 * letters, and format back to a string that parses to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_accepted(const char *s, size_t len, int64_t seconds)
{
	char buf[CW_DURATION_BUFSZ];
	int64_t back = 0;
	size_t i;

	if (seconds < 1 || seconds > CW_DURATION_MAX)
		abort();
	for (i = 0; i < len; i++)
		if (strchr("0123456789dhms", s[i]) == NULL || s[i] == '\0')
			abort();
	if (cw_duration_format(seconds, buf, sizeof(buf)) != 0 ||
	    cw_duration_parse(buf, strlen(buf), &back) != CW_DURATION_OK ||
	    back != seconds)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t seconds = -1;
	int rc;

	rc = cw_duration_parse((const char *)data, size, &seconds);
	if (rc != CW_DURATION_OK) {
		if (seconds != 0 || rc > 0 || rc < CW_DURATION_TOO_LONG)
			abort();
		return 0;
	}
	check_accepted((const char *)data, size, seconds);
	return 0;
}
