/* SPDX-License-Identifier: MIT */
/*
 * elevation.c - strict parsing of stored elevations (see elevation.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "elevation.h"

/* Copies an optional string member that must fit and be printable. */
static int
optional_text(json_t *o, const char *key, char *dst, size_t dstsz)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	size_t i, len;

	dst[0] = '\0';
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || (len = json_string_length(v)) >= dstsz)
		return -1;
	s = json_string_value(v);
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return -1;
	memcpy(dst, s, len + 1);
	return 0;
}

/*
 * One {"role":R,"start":T,"end":T} object, with optional "approver",
 * "reason", "ticket" strings and nothing else.
 */
static int
parse_one(json_t *o, struct cw_elevation *e)
{
	static const char *const optional[] = { "approver", "reason", "ticket" };
	json_t *role = json_object_get(o, "role");
	json_t *start = json_object_get(o, "start");
	json_t *end = json_object_get(o, "end");
	size_t i, present = 3;

	if (!json_is_object(o) || !json_is_string(role) ||
	    !json_is_integer(start) || !json_is_integer(end))
		return -1;
	for (i = 0; i < 3; i++)
		if (json_object_get(o, optional[i]) != NULL)
			present++;
	if (json_object_size(o) != present ||
	    optional_text(o, "approver", e->approver, sizeof(e->approver)) < 0 ||
	    optional_text(o, "reason", e->reason, sizeof(e->reason)) < 0 ||
	    optional_text(o, "ticket", e->ticket, sizeof(e->ticket)) < 0)
		return -1;
	if (!cw_object_name_valid(json_string_value(role),
	    json_string_length(role)))
		return -1;
	memcpy(e->role, json_string_value(role), json_string_length(role) + 1);
	e->start = json_integer_value(start);
	e->end = json_integer_value(end);
	return e->start < e->end ? 0 : -1;
}

int
cw_elevations_parse(const char *buf, size_t len, struct cw_elevation **out,
    size_t *count, char *err, size_t errlen)
{
	struct cw_elevation *list = NULL;
	json_error_t jerr;
	json_t *arr;
	size_t i, n = 0;
	int rc = -1;

	*out = NULL;
	*count = 0;
	arr = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_array(arr) || (n = json_array_size(arr)) == 0 ||
	    n > CW_MAX_ELEVATIONS_PER_USER) {
		snprintf(err, errlen, "not a list of 1 to %d grants",
		    CW_MAX_ELEVATIONS_PER_USER);
		goto out;
	}
	if ((list = calloc(n, sizeof(*list))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (parse_one(json_array_get(arr, i), &list[i]) < 0) {
			snprintf(err, errlen, "grant %zu is malformed", i);
			goto out;
		}
	}
	*out = list;
	*count = n;
	list = NULL;
	rc = 0;
out:
	free(list);
	json_decref(arr);
	return rc;
}
