/* SPDX-License-Identifier: MIT */
/*
 * fuzz_elevations.c - cw_elevations_parse() on arbitrary bytes: the
 * elevations a user holds, as any host with write access to Redis could
 * have shaped them.  An elevation widens access, so beyond "no crash":
 * an accepted list is whole (1 to CW_MAX_ELEVATIONS_PER_USER grants, each
 * with a valid role name, start before end, NUL-terminated texts) and a
 * refused one hands back nothing and says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elevation.h"
#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_elevation *list = NULL;
	size_t n = 0, i;
	char err[128];

	err[0] = '\0';
	if (cw_elevations_parse((const char *)data, size, &list, &n, err,
	    sizeof(err)) < 0) {
		if (list != NULL || n != 0 || err[0] == '\0')
			abort();
		return 0;
	}
	if (list == NULL || n == 0 || n > CW_MAX_ELEVATIONS_PER_USER)
		abort();
	for (i = 0; i < n; i++) {
		if (!cw_object_name_valid(list[i].role, strlen(list[i].role)) ||
		    list[i].start >= list[i].end ||
		    memchr(list[i].approver, '\0', sizeof(list[i].approver)) ==
		    NULL || memchr(list[i].reason, '\0',
		    sizeof(list[i].reason)) == NULL ||
		    memchr(list[i].ticket, '\0', sizeof(list[i].ticket)) == NULL)
			abort();
	}
	free(list);
	return 0;
}
