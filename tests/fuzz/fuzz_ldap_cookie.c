/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ldap_cookie.c - cw_cookie_plausible() and cw_cookie_covers() on
 * arbitrary bytes: two cookies, split at the first newline.
 *
 * Besides not crashing: a plausible cookie covers itself, and covers()
 * says -1 exactly when one of the two is not plausible.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldap_cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a = malloc(size + 1), *b;
	bool pa, pb;
	int c;

	if (a == NULL)
		return 0;
	memcpy(a, data, size);
	a[size] = '\0';
	b = strchr(a, '\n');
	if (b != NULL)
		*b++ = '\0';
	else
		b = a;
	pa = cw_cookie_plausible(a);
	pb = cw_cookie_plausible(b);
	c = cw_cookie_covers(a, b);
	if ((c == -1) != (!pa || !pb))
		abort();
	if (pa && cw_cookie_covers(a, a) != 1)
		abort();
	free(a);
	return 0;
}
