/* SPDX-License-Identifier: MIT */
/*
 * probe.c - see probe.h.
 */
#include "lib/probe.h"
#include "text.h"

size_t
cw_probe_slot(const struct cw_probe *p, void *arg, const char *key,
    bool *found)
{
	size_t i, at = cw_fnv1a(key) & (p->nslots - 1), slot, victim = 0;
	long long k, victim_keep = 0;
	bool have_victim = false;

	for (i = 0; i < p->probe; i++) {
		slot = (at + i) & (p->nslots - 1);
		if (p->holds(arg, slot, key)) {
			*found = true;
			return slot;
		}
		k = p->keep(arg, slot);
		if (!have_victim || k < victim_keep) {
			victim = slot;
			victim_keep = k;
			have_victim = true;
		}
	}
	*found = false;
	return victim;
}
