/* SPDX-License-Identifier: MIT */
/*
 * calendar_assert.c - see calendar_assert.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "calendar_assert.h"

/* Compares list with the "MM-DD[s] ..." words of want. */
void
assert_days(const struct cw_holiday_list *list, const char *want,
    const char *what)
{
	char got[512] = "";
	size_t i;

	for (i = 0; i < list->count; i++) {
		char word[16];

		snprintf(word, sizeof(word), "%s%02u-%02u%s", i ? " " : "",
		    list->days[i].month, list->days[i].day,
		    list->days[i].substitute ? "s" : "");
		strcat(got, word);
	}
	if (strcmp(got, want) != 0)
		fail_msg("%s:\n got  %s\n want %s", what, got, want);
}
