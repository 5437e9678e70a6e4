/* SPDX-License-Identifier: MIT */
/*
 * elevation.h - the stored form of a user's time-bound elevations:
 * a JSON array [{"role": R, "start": T, "end": T}, ...], T in Unix seconds.
 */
#ifndef CW_ELEVATION_H
#define CW_ELEVATION_H

#include <stddef.h>

#include "policy.h"

/* Grants one person may hold at once; more is not a real state. */
#define CW_MAX_ELEVATIONS_PER_USER 64

/*
 * Parses len bytes into a malloc'd array (*out, *count).  An elevation
 * widens access, so a list that cannot be read entirely is refused
 * entirely (returns -1 with err): the user falls back to standing roles.
 */
int cw_elevations_parse(const char *buf, size_t len,
    struct cw_elevation **out, size_t *count, char *err, size_t errlen);

#endif
