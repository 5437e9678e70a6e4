/* SPDX-License-Identifier: MIT */
/*
 * fuzz_decision_line.c - cw_decision_line_parse() on arbitrary bytes:
 * what the daemon reads from the inbox the PAM stacks write.
 *
 * An accepted line must hold only what a line may (a valid user and host
 * class, printable places, known mode, verdict and reason), and must
 * format back to the very bytes it was parsed from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decision_line.h"
#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128], back[CW_DECISION_LINE_MAX + 1];
	struct cw_decision_line l;
	size_t len;

	if (cw_decision_line_parse((const char *)data, size, &l, err,
	    sizeof(err)) < 0) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	if (!cw_user_name_valid(l.req.user, strlen(l.req.user)) ||
	    !cw_object_name_valid(l.req.host_class, strlen(l.req.host_class)) ||
	    l.decision.reason >= CW_REASON_COUNT || l.time_us < 0 ||
	    l.pid < 0 || l.req.op != CW_OP_DECIDE)
		abort();
	if (cw_decision_line_format(&l, back, sizeof(back), &len) < 0 ||
	    len != size + 1 || memcmp(back, data, size) != 0 ||
	    back[size] != '\n')
		abort();
	return 0;
}
