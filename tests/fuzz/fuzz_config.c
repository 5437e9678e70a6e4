/* SPDX-License-Identifier: MIT */
/*
 * fuzz_config.c - the configuration parser.  It must never crash, and a
 * failed parse must leave nothing behind (run under LeakSanitizer).
 */
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_config c;
	char err[256];

	if (cw_config_defaults(&c) < 0)
		return 0;
	(void)cw_config_parse((const char *)data, size, &c, err, sizeof(err));
	cw_config_free(&c);
	return 0;
}
