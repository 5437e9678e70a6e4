/* SPDX-License-Identifier: MIT */
/*
 * probe.c - see probe.h.  Linear probing from the key's FNV-1a hash; the
 * victim is the first slot looked at unless a later one is better by the
 * table's own rule.
 */
#include "lib/probe.h"

#include "text.h"

void *
cw_probe_find(const struct cw_probe *t, const char *key, const void *ctx,
    bool *found)
{
	size_t i, at = cw_fnv1a(key) & (t->n - 1);
	char *s, *victim = NULL;

	for (i = 0; i < t->probe; i++) {
		s = (char *)t->slots + ((at + i) & (t->n - 1)) * t->size;
		if (t->holds(s, key)) {
			*found = true;
			return s;
		}
		if (victim == NULL || t->better_victim(s, victim, ctx))
			victim = s;
	}
	*found = false;
	return victim;
}
