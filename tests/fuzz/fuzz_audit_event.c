/* SPDX-License-Identifier: MIT */
/*
 * fuzz_audit_event.c - cw_audit_event_parse() on arbitrary bytes: the
 * audit events the central writer reads back from the Redis stream, which
 * every host can append to.  Beyond "no crash": a refused line says why;
 * an accepted event is never of a type only the store writes, and when
 * the formatter takes it (head and tail, as a host's spool would write
 * it) the line parses back to the same type, time, host, actor, subject
 * and outcome.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct cw_audit_event *ev)
{
	static char line[CW_AUDIT_EVENT_LINE_MAX];
	struct cw_audit_event *back = malloc(sizeof(*back));
	unsigned fixed = 0;
	size_t len;
	char err[128];

	if (back == NULL)
		return;
	len = cw_audit_event_head(ev, ev->time_us, "fuzzhost", line,
	    sizeof(line), &fixed);
	if (len > 0)
		len = cw_audit_event_tail(line, len, sizeof(line),
		    "0123456789abcdef", 1);
	if (len == 0)
		goto out;
	if (line[len - 1] == '\n')
		len--;
	if (cw_audit_event_parse(line, len, back, err, sizeof(err)) < 0 ||
	    back->type != ev->type || back->time_us != ev->time_us ||
	    strcmp(back->actor, ev->actor) != 0 ||
	    strcmp(back->subject, ev->subject) != 0 ||
	    strcmp(back->outcome, ev->outcome) != 0 ||
	    strcmp(back->host, ev->host[0] != '\0' ? ev->host : "fuzzhost"))
		abort();
out:
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_audit_event *ev = malloc(sizeof(*ev));
	char err[128];

	if (ev == NULL)
		return 0;
	err[0] = '\0';
	if (cw_audit_event_parse((const char *)data, size, ev, err,
	    sizeof(err)) < 0) {
		if (err[0] == '\0')
			abort();
	} else {
		if (cw_audit_type_store_only(ev->type))
			abort();
		check_round_trip(ev);
	}
	free(ev);
	return 0;
}
