/* SPDX-License-Identifier: MIT */
/*
 * fuzz_audit.c - the audit line parser, which reads files anyone who can
 * write to the trail (or restore it from a backup) may have shaped, and
 * the other audit parsers (time, file names, chain state).
 *
 * Properties beyond "no crash": whatever the parser accepts, the sealer
 * accepts too and seals into a line that parses back to the same content,
 * and the canonical form is a fixed point (serialize, parse, serialize
 * gives the same bytes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char fuzz_key[32] = "fuzzing-key-fuzzing-key-fuzzing";

/* The parsed event seals, and the sealed line says the same thing. */
static void
check_reseal(const struct cw_audit_record *r)
{
	struct cw_audit_record *back = malloc(sizeof(*back));
	struct cw_audit_chain chain;
	char err[128], *line = NULL, *a = NULL, *b = NULL;
	size_t len;

	if (back == NULL)
		return;
	if (cw_audit_chain_start(&chain, "fuzz", "k1", fuzz_key,
	    sizeof(fuzz_key), err, sizeof(err)) < 0 ||
	    cw_audit_seal(&chain, &r->event, &line, &len, err, sizeof(err)) < 0 ||
	    cw_audit_line_parse(line, len - 1, back, err, sizeof(err)) < 0 ||
	    cw_audit_record_check(back, line, len - 1, fuzz_key,
	    sizeof(fuzz_key)) != CW_AUDIT_CHECK_OK)
		abort();
	a = cw_audit_details_json(&r->event);
	b = cw_audit_details_json(&back->event);
	if (a == NULL || b == NULL || strcmp(a, b) != 0 ||
	    strcmp(r->event.actor, back->event.actor) != 0 ||
	    strcmp(r->event.host[0] ? r->event.host : "fuzz",
	    back->event.host) != 0 ||
	    r->event.time_us != back->event.time_us)
		abort();
	free(a);
	free(b);
	free(line);
	free(back);
}

static void
check_fixed_point(const struct cw_audit_record *r)
{
	struct cw_audit_record *again = malloc(sizeof(*again));
	char err[128], *one, *two = NULL;
	size_t n1, n2;

	if (again == NULL)
		return;
	one = cw_audit_record_serialize(r, true, &n1);
	if (one == NULL || cw_audit_line_parse(one, n1, again, err,
	    sizeof(err)) < 0 ||
	    (two = cw_audit_record_serialize(again, true, &n2)) == NULL ||
	    n1 != n2 || memcmp(one, two, n1) != 0)
		abort();
	(void)cw_audit_record_check(again, one, n1, fuzz_key,
	    sizeof(fuzz_key));
	free(one);
	free(two);
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_audit_record *r = malloc(sizeof(*r));
	struct cw_audit_chain state;
	char name[32], err[160];
	int64_t v;

	if (r == NULL)
		return 0;
	if (cw_audit_line_parse((const char *)data, size, r, err,
	    sizeof(err)) == 0) {
		check_fixed_point(r);
		check_reseal(r);
	}
	(void)cw_audit_time_parse((const char *)data, size, &v);
	(void)cw_audit_chain_state_decode((const char *)data, size, &state);
	memcpy(name, data, size < sizeof(name) - 1 ? size : sizeof(name) - 1);
	name[size < sizeof(name) - 1 ? size : sizeof(name) - 1] = '\0';
	(void)cw_audit_file_day(name, &v);
	free(r);
	return 0;
}
