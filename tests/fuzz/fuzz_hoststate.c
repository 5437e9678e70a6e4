/* SPDX-License-Identifier: MIT */
/*
 * fuzz_hoststate.c - cw_hoststate_parse() on arbitrary bytes.
 *
 * An accepted input has a valid epoch and only valid names and ids; a
 * refused one leaves the state empty and says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The daemon directory is not on this target's include path. */
#include "model/hoststate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct check {
	bool bad;
};

static void
check_copy(const char *id, void *value, void *arg)
{
	const struct cw_revocation *r = value;
	struct check *c = arg;

	if (strcmp(id, r->id) != 0 || !cw_revq_id_valid(r->id) ||
	    !cw_user_name_valid(r->uid, strlen(r->uid)))
		c->bad = true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_hoststate hs;
	struct check c = { false };
	char err[256];

	cw_hoststate_init(&hs);
	err[0] = '\0';
	if (cw_hoststate_parse((const char *)data, size, &hs, err,
	    sizeof(err)) < 0) {
		if (hs.denied.count != 0 || hs.open.count != 0 ||
		    err[0] == '\0')
			abort();
		return 0;
	}
	if (strlen(hs.epoch) > CW_EPOCH_LEN || hs.gen < 0 ||
	    hs.open.count > CW_HOSTSTATE_MAX_OPEN)
		abort();
	cw_strmap_foreach(&hs.open, check_copy, &c);
	if (c.bad)
		abort();
	cw_hoststate_free(&hs);
	return 0;
}
