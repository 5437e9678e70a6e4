/* SPDX-License-Identifier: MIT */
/*
 * test_wire.c - the socket protocol: round trips, and every kind of
 * malformed or hostile request refused with an error naming the field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"

static void
test_frame_length(void **state)
{
	unsigned char hdr[CW_WIRE_HEADER];
	uint32_t len;

	(void)state;
	cw_frame_header(1234, hdr);
	assert_int_equal(cw_frame_length(hdr, &len), 0);
	assert_int_equal(len, 1234);
	cw_frame_header(CW_WIRE_MAX_FRAME, hdr);
	assert_int_equal(cw_frame_length(hdr, &len), 0);
	cw_frame_header(CW_WIRE_MAX_FRAME + 1, hdr);
	assert_int_equal(cw_frame_length(hdr, &len), -1);
	cw_frame_header(0, hdr);
	assert_int_equal(cw_frame_length(hdr, &len), -1);
	memset(hdr, 0xff, sizeof(hdr));
	assert_int_equal(cw_frame_length(hdr, &len), -1);
}

static void
test_request_round_trip(void **state)
{
	struct cw_request in, out;
	char err[128], *s;
	size_t len;
	int op;

	(void)state;
	for (op = CW_OP_DECIDE; op <= CW_OP_BREAKGLASS; op++) {
		memset(&in, 0, sizeof(in));
		in.op = (enum cw_op)op;
		strcpy(in.user, "alice.smith@dept");
		strcpy(in.host_class, "sc-hosts");
		in.mode = CW_MODE_ADMIN;
		in.event = CW_SESSION_CLOSE;
		strcpy(in.service, "sshd");
		strcpy(in.rhost, "192.0.2.7");
		strcpy(in.tty, "pts/3");
		s = cw_request_encode(&in, &len);
		assert_non_null(s);
		assert_int_equal(cw_request_parse(s, len, &out, err,
		    sizeof(err)), 0);
		assert_int_equal(out.op, op);
		assert_string_equal(out.user, in.user);
		assert_string_equal(out.host_class, in.host_class);
		assert_int_equal(out.mode, CW_MODE_ADMIN);
		if (op == CW_OP_SESSION)
			assert_int_equal(out.event, CW_SESSION_CLOSE);
		assert_string_equal(out.service, "sshd");
		assert_string_equal(out.rhost, "192.0.2.7");
		assert_string_equal(out.tty, "pts/3");
		free(s);
	}
}

struct bad_request {
	const char *json;
	const char *expect;
};

static const struct bad_request bad_requests[] = {
	{ "", "frame of 0 bytes" },
	{ "garbage\x01\x02", "not JSON" },
	{ "[1,2]", "not a JSON object" },
	{ "{\"op\":\"check\",\"user\":\"a\",\"host_class\":\"h\"}",
	  "unsupported protocol version" },
	{ "{\"v\":2,\"op\":\"check\",\"user\":\"a\",\"host_class\":\"h\"}",
	  "unsupported protocol version" },
	{ "{\"v\":\"1\",\"op\":\"check\",\"user\":\"a\",\"host_class\":\"h\"}",
	  "unsupported protocol version" },
	{ "{\"v\":1,\"user\":\"a\",\"host_class\":\"h\"}", "missing \"op\"" },
	{ "{\"v\":1,\"op\":\"rm -rf\",\"user\":\"a\",\"host_class\":\"h\"}",
	  "\"op\" has an unknown value" },
	{ "{\"v\":1,\"op\":\"check\",\"host_class\":\"h\"}",
	  "missing \"user\"" },
	{ "{\"v\":1,\"op\":\"check\",\"user\":\"a\"}",
	  "missing \"host_class\"" },
	{ "{\"v\":1,\"op\":\"check\",\"user\":\"a\",\"host_class\":\"h\","
	  "\"admin\":true}", "unknown member \"admin\"" },
	{ "{\"v\":1,\"op\":\"check\",\"user\":\"a\",\"user\":\"b\","
	  "\"host_class\":\"h\"}", "not JSON" },
	{ "{\"v\":1,\"op\":\"check\",\"user\":5,\"host_class\":\"h\"}",
	  "\"user\" is not a string" },
	{ "{\"v\":1,\"op\":\"check\",\"user\":\"al\\nice\",\"host_class\":\"h\"}",
	  "\"user\" has characters not allowed" },
	{ "{\"v\":1,\"op\":\"check\",\"user\":\"al\\u0000ice\",\"host_class\":\"h\"}",
	  "not JSON" },
	{ "{\"v\":1,\"op\":\"check\",\"user\":\"../root\",\"host_class\":\"h\"}",
	  "\"user\" has characters not allowed" },
	{ "{\"v\":1,\"op\":\"check\",\"user\":\"a\",\"host_class\":\"h h\"}",
	  "\"host_class\" has characters not allowed" },
	{ "{\"v\":1,\"op\":\"check\",\"user\":\"a\",\"host_class\":\"h\","
	  "\"mode\":\"root\"}", "\"mode\" has an unknown value" },
	{ "{\"v\":1,\"op\":\"session\",\"user\":\"a\",\"host_class\":\"h\"}",
	  "missing \"event\"" },
	{ "{\"v\":1,\"op\":\"decide\",\"user\":\"a\",\"host_class\":\"h\","
	  "\"service\":\"ss hd\"}", "\"service\" has characters not allowed" },
	{ "{\"v\":1,\"op\":\"decide\",\"user\":\"a\",\"host_class\":\"h\","
	  "\"tty\":\"\\u00e9\"}", "\"tty\" has characters not allowed" },
	{ "{\"v\":1,\"op\":\"retry\"}", "missing \"id\"" },
	{ "{\"v\":1,\"op\":\"retry\",\"id\":\"r 1\"}",
	  "\"id\" has characters not allowed" },
	{ "{\"v\":1,\"op\":\"queue\",\"after\":\"1/2\"}",
	  "\"after\" has characters not allowed" },
	{ "{\"v\":1,\"op\":\"queue\",\"after\":\"\"}",
	  "\"after\" has characters not allowed" },
	/* Access requests: what each needs, and "state" only for the list. */
	{ "{\"v\":1,\"op\":\"request\",\"user\":\"a\",\"role\":\"r\","
	  "\"duration\":60}", "missing \"reason\"" },
	{ "{\"v\":1,\"op\":\"approve\",\"user\":\"a\",\"role\":\"r\","
	  "\"duration\":60}", "missing \"id\"" },
	{ "{\"v\":1,\"op\":\"reject\",\"id\":\"4\",\"user\":\"a\"}",
	  "missing \"reason\"" },
	{ "{\"v\":1,\"op\":\"approve\",\"id\":\"4\",\"user\":\"a\","
	  "\"role\":\"r\",\"duration\":60,\"state\":\"any\"}",
	  "\"state\" is only for requests" },
	{ "{\"v\":1,\"op\":\"requests\",\"state\":\"a b\"}",
	  "\"state\" has characters not allowed" },
	{ "{\"v\":1,\"op\":\"review\"}", "missing \"host_class\"" },
};

/* retry ID and a queue page's cursor survive the round trip. */
static void
test_paging_and_retry(void **state)
{
	struct cw_request in, out;
	struct cw_response rin, rout;
	char err[128], *s;
	size_t len;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.op = CW_OP_QUEUE;
	strcpy(in.after, "1795428000:r20261123T090000Z-0123456789ab");
	s = cw_request_encode(&in, &len);
	assert_non_null(s);
	assert_int_equal(cw_request_parse(s, len, &out, err, sizeof(err)), 0);
	assert_int_equal(out.op, CW_OP_QUEUE);
	assert_string_equal(out.after, in.after);
	free(s);
	memset(&in, 0, sizeof(in));
	in.op = CW_OP_RETRY;
	strcpy(in.id, "sync-carol-20261123");
	s = cw_request_encode(&in, &len);
	assert_non_null(s);
	assert_int_equal(cw_request_parse(s, len, &out, err, sizeof(err)), 0);
	assert_int_equal(out.op, CW_OP_RETRY);
	assert_string_equal(out.id, "sync-carol-20261123");
	free(s);
	/* requests: a page of one state, after a cursor */
	memset(&in, 0, sizeof(in));
	in.op = CW_OP_REQUESTS;
	strcpy(in.state, "approved");
	strcpy(in.after, "41");
	strcpy(in.month, "2026-11");
	s = cw_request_encode(&in, &len);
	assert_non_null(s);
	assert_int_equal(cw_request_parse(s, len, &out, err, sizeof(err)), 0);
	assert_int_equal(out.op, CW_OP_REQUESTS);
	assert_string_equal(out.state, "approved");
	assert_string_equal(out.after, "41");
	assert_string_equal(out.month, "2026-11");
	free(s);
	/* "unknown": a change whose reply was lost, never read as an allow */
	memset(&rin, 0, sizeof(rin));
	rin.status = CW_STATUS_UNKNOWN;
	strcpy(rin.message, "outcome unknown");
	s = cw_response_encode(&rin, &len);
	assert_non_null(s);
	assert_int_equal(cw_response_parse(s, len, &rout, err, sizeof(err)), 0);
	assert_int_equal(rout.status, CW_STATUS_UNKNOWN);
	assert_int_equal(rout.decision.verdict, CW_VERDICT_DENY);
	free(s);
}

static void
test_bad_requests(void **state)
{
	struct cw_request r;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_requests) / sizeof(bad_requests[0]); i++) {
		const char *j = bad_requests[i].json;

		err[0] = '\0';
		if (cw_request_parse(j, strlen(j), &r, err, sizeof(err)) != -1)
			fail_msg("case %zu parsed: %s", i, j);
		if (strstr(err, bad_requests[i].expect) == NULL)
			fail_msg("case %zu: error '%s' lacks '%s'", i, err,
			    bad_requests[i].expect);
	}
}

/* A 10 KB user name is refused as too long, before any other use. */
static void
test_oversize_fields(void **state)
{
	struct cw_request r;
	char err[128], *j;
	size_t n = 10 * 1024;

	(void)state;
	j = malloc(n + 128);
	assert_non_null(j);
	strcpy(j, "{\"v\":1,\"op\":\"check\",\"host_class\":\"h\",\"user\":\"");
	memset(j + strlen(j), 'a', n);
	strcpy(j + strlen(j) - 0, "\"}");
	assert_int_equal(cw_request_parse(j, strlen(j), &r, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "\"user\" is longer than"));
	free(j);

	j = calloc(1, CW_WIRE_MAX_FRAME + 2);
	assert_non_null(j);
	memset(j, ' ', CW_WIRE_MAX_FRAME + 1);
	assert_int_equal(cw_request_parse(j, CW_WIRE_MAX_FRAME + 1, &r, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "frame of"));
	free(j);
}

static void
test_response(void **state)
{
	struct cw_response in, out;
	char err[128], *s;
	size_t len;
	static const char *const bad[] = {
		"{\"v\":1,\"status\":\"ok\"}",
		"{\"v\":1,\"status\":\"ok\",\"verdict\":\"allow\"}",
		"{\"v\":1,\"status\":\"ok\",\"verdict\":\"yes\",\"reason\":\"ok\"}",
		"{\"v\":1,\"status\":\"ok\",\"verdict\":\"allow\",\"reason\":\"x\"}",
		"{\"v\":1,\"status\":\"great\"}",
		"{\"v\":1,\"status\":\"ok\",\"verdict\":\"allow\",\"reason\":"
		"\"ok\",\"extra\":1}",
	};
	size_t i;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.status = CW_STATUS_OK;
	in.decision.verdict = CW_VERDICT_ALLOW;
	in.decision.reason = CW_REASON_OK_ELEVATED;
	strcpy(in.message, "détail");
	s = cw_response_encode(&in, &len);
	assert_non_null(s);
	assert_int_equal(cw_response_parse(s, len, &out, err, sizeof(err)), 0);
	assert_int_equal(out.decision.verdict, CW_VERDICT_ALLOW);
	assert_int_equal(out.decision.reason, CW_REASON_OK_ELEVATED);
	assert_string_equal(out.message, "détail");
	free(s);

	/* Anything malformed reads as a deny, never as an allow. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cw_response_parse(bad[i], strlen(bad[i]), &out,
		    err, sizeof(err)), -1);
		assert_int_equal(out.decision.verdict, CW_VERDICT_DENY);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_length),
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_oversize_fields),
		cmocka_unit_test(test_response),
		cmocka_unit_test(test_paging_and_retry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
