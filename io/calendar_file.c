/* SPDX-License-Identifier: MIT */
/*
 * calendar_file.c - the bank-holidays file read from disk into the
 * working-day calendar.  Apart from config_file.c because the holidays
 * parser needs libjansson: the PAM module reads the configuration but
 * never the calendar, and must not load libjansson (docs/performance.md).
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "config_file.h"

int
cw_calendar_load(const char *holidays_path, enum cw_division division,
    struct cw_calendar *cal, char *err, size_t errlen)
{
	char *buf = NULL, msg[256];
	size_t len;
	int rc = -1;

	cw_calendar_init(cal, division);
	if (holidays_path == NULL)
		return 0;
	if (cw_read_root_file(holidays_path, CW_HOLIDAYS_MAX_BYTES, &buf,
	    &len, err, errlen) < 0)
		goto out;
	if (cw_holidays_json_parse(buf, len, division, cal, msg,
	    sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s: %s", holidays_path, msg);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}
