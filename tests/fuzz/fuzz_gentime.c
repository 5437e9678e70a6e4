/* SPDX-License-Identifier: MIT */
/*
 * fuzz_gentime.c - cw_gentime_parse() on arbitrary bytes.
 *
 * Besides not crashing, every accepted value must survive the round trip
 * through cw_gentime_format() (when in its range) unchanged, and the civil
 * calendar must invert itself on the day it lands on: a parser that
 * accepts something it then cannot reproduce has misread it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gentime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[CW_GENTIME_BUFSZ];
	int64_t t, back, days, y;
	unsigned m, d;

	if (cw_gentime_parse((const char *)data, size, &t) != 0)
		return 0;

	/* Floor division: the day the instant falls on, before the epoch too. */
	days = t / 86400 - (t % 86400 < 0 ? 1 : 0);
	cw_civil_from_days(days, &y, &m, &d);
	if (m < 1 || m > 12 || d < 1 || d > 31 ||
	    cw_days_from_civil(y, m, d) != days)
		abort();

	if (cw_gentime_format(t, buf) != 0)
		return 0;       /* an offset pushed it out of 0000..9999 */
	if (strlen(buf) != CW_GENTIME_BUFSZ - 1 ||
	    cw_gentime_parse(buf, strlen(buf), &back) != 0 || back != t)
		abort();
	return 0;
}
