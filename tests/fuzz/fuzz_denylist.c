/* SPDX-License-Identifier: MIT */
/*
 * fuzz_denylist.c - cw_denylist_parse() on arbitrary bytes.
 *
 * The format is canonical, so an accepted input must format back to
 * exactly the same bytes; a refused one must leave the map empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The daemon directory is not on this target's include path. */
#include "model/denylist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_strmap m;
	char err[256], *back = NULL;
	size_t len = 0;

	cw_strmap_init(&m);
	if (cw_denylist_parse((const char *)data, size, &m, err,
	    sizeof(err)) < 0) {
		if (m.count != 0 || err[0] == '\0')
			abort();
		cw_strmap_clear(&m, NULL);
		return 0;
	}
	if (cw_denylist_format(&m, &back, &len) < 0 || len != size ||
	    memcmp(back, data, size) != 0)
		abort();
	free(back);
	cw_strmap_clear(&m, NULL);
	return 0;
}
