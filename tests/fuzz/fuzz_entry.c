/* SPDX-License-Identifier: MIT */
/*
 * fuzz_entry.c - the path a Redis value takes to become policy records:
 * cw_entry_from_json(), then every record builder on the result.
 *
 * Invariants checked besides "no crash, no leak": an accepted entry
 * serializes, and parsing that again gives the same entry and the same
 * JSON (so what the daemon stores is what it reads back); builders that
 * succeed leave a NUL-terminated key and reason.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
entries_equal(const struct cw_entry *a, const struct cw_entry *b)
{
	size_t i, j;

	if (strcmp(a->dn, b->dn) != 0 || strcmp(a->uuid, b->uuid) != 0 ||
	    a->nattrs != b->nattrs)
		return false;
	for (i = 0; i < a->nattrs; i++) {
		if (strcmp(a->attrs[i].name, b->attrs[i].name) != 0 ||
		    a->attrs[i].nvalues != b->attrs[i].nvalues)
			return false;
		for (j = 0; j < a->attrs[i].nvalues; j++)
			if (strcmp(a->attrs[i].values[j],
			    b->attrs[i].values[j]) != 0)
				return false;
	}
	return true;
}

static void
check_text(const char *s, size_t size)
{
	if (memchr(s, '\0', size) == NULL)
		abort();
}

static void
build_records(const struct cw_entry *e)
{
	struct cw_staff s;
	struct cw_host_class h;
	struct cw_role_def r;
	char err[256];

	if (cw_staff_from_entry(e, &s, err, sizeof(err)) == 0) {
		check_text(s.uid, sizeof(s.uid));
		check_text(s.invalid_why, sizeof(s.invalid_why));
		if (s.invalid != (s.invalid_why[0] != '\0'))
			abort();
	}
	cw_staff_free(&s);
	check_text(err, sizeof(err));

	if (cw_host_class_from_entry(e, &h, err, sizeof(err)) == 0) {
		check_text(h.name, sizeof(h.name));
		if (h.invalid != (h.invalid_why[0] != '\0'))
			abort();
	}
	cw_host_class_free(&h);

	if (cw_role_def_from_entry(e, &r, err, sizeof(err)) == 0) {
		check_text(r.name, sizeof(r.name));
		if (r.invalid != (r.invalid_why[0] != '\0') ||
		    (r.elevatable && (r.max_elevation < 1 ||
		    r.max_elevation > 31536000)))
			abort();
	}
	cw_role_def_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_entry e, again;
	char err[256], *json = NULL, *json2 = NULL;

	if (cw_entry_from_json((const char *)data, size, &e, err,
	    sizeof(err)) != 0) {
		check_text(err, sizeof(err));
		return 0;
	}
	build_records(&e);

	json = cw_entry_to_json(&e);
	if (json == NULL)
		abort();        /* accepted, so it must be storable */
	if (cw_entry_from_json(json, strlen(json), &again, err,
	    sizeof(err)) != 0 || !entries_equal(&e, &again))
		abort();
	json2 = cw_entry_to_json(&again);
	if (json2 == NULL || strcmp(json, json2) != 0)
		abort();

	free(json2);
	free(json);
	cw_entry_free(&again);
	cw_entry_free(&e);
	return 0;
}
