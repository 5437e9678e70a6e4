/* SPDX-License-Identifier: MIT */
/*
 * test_wire_lite.c - the PAM module's own codec (core/wire_lite.c)
 * against the daemon's (core/wire.c, jansson): requests it formats are
 * read back the same by the daemon's parser, replies the daemon encodes
 * are read the same, and every hostile, truncated, oversized, nested,
 * duplicated, badly escaped or non-UTF-8 reply is refused (deny).  Seeded
 * mutations of good replies check that it never accepts what jansson
 * refuses, nor reads anything differently.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "wire.h"
#include "wire_lite.h"

/* A request with every field the PAM module sends. */
static void
pam_request(struct cw_request *r, enum cw_op op)
{
	memset(r, 0, sizeof(*r));
	r->op = op;
	strcpy(r->user, "alice.smith@dept");
	strcpy(r->host_class, "sc-hosts");
	r->mode = CW_MODE_ADMIN;
	r->event = CW_SESSION_CLOSE;
	r->duration = op == CW_OP_SESSION ? 3600 : 0;
	strcpy(r->service, "sshd");
	strcpy(r->rhost, "192.0.2.7");
	strcpy(r->tty, "pts/3");
}

/* The frame's payload must be what cw_request_encode makes, byte for byte. */
static void
assert_same_as_jansson(const struct cw_request *r)
{
	char frame[CW_WIRE_LITE_REQUEST_MAX], *s;
	size_t len, jlen;
	uint32_t plen;

	assert_int_equal(cw_wire_request_format(r, frame, sizeof(frame),
	    &len), 0);
	assert_int_equal(cw_frame_length((unsigned char *)frame, &plen), 0);
	assert_int_equal(plen + CW_WIRE_HEADER, len);
	s = cw_request_encode(r, &jlen);
	assert_non_null(s);
	assert_int_equal(jlen, plen);
	assert_memory_equal(s, frame + CW_WIRE_HEADER, jlen);
	free(s);
}

static void
test_request_like_jansson(void **state)
{
	struct cw_request r, back;
	char frame[CW_WIRE_LITE_REQUEST_MAX], err[128];
	size_t len;
	int op;

	(void)state;
	for (op = CW_OP_DECIDE; op <= CW_OP_BREAKGLASS; op++) {
		pam_request(&r, (enum cw_op)op);
		assert_same_as_jansson(&r);
		assert_int_equal(cw_wire_request_format(&r, frame,
		    sizeof(frame), &len), 0);
		assert_int_equal(cw_request_parse(frame + CW_WIRE_HEADER,
		    len - CW_WIRE_HEADER, &back, err, sizeof(err)), 0);
		assert_int_equal(back.op, op);
		assert_string_equal(back.user, r.user);
		assert_string_equal(back.host_class, r.host_class);
		assert_int_equal(back.mode, CW_MODE_ADMIN);
		assert_string_equal(back.service, "sshd");
		assert_string_equal(back.rhost, "192.0.2.7");
		assert_string_equal(back.tty, "pts/3");
	}
	/* Every other member too, in the same order. */
	memset(&r, 0, sizeof(r));
	r.op = CW_OP_AUDIT_EXPORT;
	strcpy(r.user, "bob");
	strcpy(r.role, "ops");
	strcpy(r.reason, "a reason, with spaces");
	strcpy(r.ticket, "T-1");
	r.duration = 1, r.effective = 2, r.at = 3, r.within = 4;
	r.until = 5, r.since = INT64_MAX;
	strcpy(r.audit_type, "pam_decision");
	strcpy(r.host, "h1");
	r.csv = true;
	strcpy(r.month, "2026-01");
	strcpy(r.cursor, "12");
	strcpy(r.after, "1:x");
	strcpy(r.id, "r1");
	strcpy(r.state, "pending");
	assert_same_as_jansson(&r);
	/* An op that does not exist is not formatted. */
	r.op = (enum cw_op)999;
	assert_int_equal(cw_wire_request_format(&r, frame, sizeof(frame),
	    &len), -1);
}

/* Quotes, backslashes, control bytes and UTF-8 decode back to themselves. */
static void
test_request_escaping(void **state)
{
	static const char *const values[] = {
		"say \"hi\"", "back\\slash", "tab\there", "nl\nand\r\x01\x1f",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "/slash\x7f",
	};
	char frame[CW_WIRE_LITE_REQUEST_MAX];
	struct cw_request r;
	json_error_t jerr;
	json_t *o;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		pam_request(&r, CW_OP_DECIDE);
		strcpy(r.reason, values[i]);
		assert_int_equal(cw_wire_request_format(&r, frame,
		    sizeof(frame), &len), 0);
		o = json_loadb(frame + CW_WIRE_HEADER, len - CW_WIRE_HEADER,
		    JSON_REJECT_DUPLICATES, &jerr);
		assert_non_null(o);
		assert_string_equal(json_string_value(json_object_get(o,
		    "reason")), values[i]);
		json_decref(o);
		assert_same_as_jansson(&r);
	}
}

/* Not UTF-8, or no room: an error, never a frame with a field missing. */
static void
test_request_refused(void **state)
{
	static const char *const bad[] = {
		"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"ok\xe2\x82", "\x80",
	};
	struct cw_request r;
	char frame[CW_WIRE_LITE_REQUEST_MAX], *tight;
	size_t i, len, need;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pam_request(&r, CW_OP_DECIDE);
		strcpy(r.rhost, bad[i]);
		assert_int_equal(cw_wire_request_format(&r, frame,
		    sizeof(frame), &len), -1);
	}
	/* Every buffer shorter than the frame is refused, exactly. */
	pam_request(&r, CW_OP_SESSION);
	strcpy(r.reason, "\"\\\n");
	assert_int_equal(cw_wire_request_format(&r, frame, sizeof(frame),
	    &need), 0);
	for (i = 0; i <= need; i++) {
		tight = malloc(i > 0 ? i : 1);
		assert_non_null(tight);
		assert_int_equal(cw_wire_request_format(&r, tight, i, &len),
		    i == need ? 0 : -1);
		if (i == need)
			assert_memory_equal(tight, frame, need);
		free(tight);
	}
}

/* Both codecs read payload; the lite one the same, or refuses. */
static int
compare_parsers(const char *buf, size_t len, bool must_accept)
{
	struct cw_response lite, full;
	char err[128];
	int rl, rf;

	rl = cw_wire_reply_parse(buf, len, &lite, err, sizeof(err));
	rf = cw_response_parse(buf, len, &full, err, sizeof(err));
	if (rl < 0) {
		assert_int_equal(lite.decision.verdict, CW_VERDICT_DENY);
		assert_int_equal(lite.status, CW_STATUS_INTERNAL);
		assert_null(lite.data);
		if (must_accept)
			fail_msg("refused: %.*s", (int)len, buf);
	} else {
		/* Never accept what jansson refuses, nor read it otherwise. */
		if (rf != 0)
			fail_msg("accepted what jansson refuses: %.*s",
			    (int)len, buf);
		assert_null(full.data);
		assert_int_equal(lite.status, full.status);
		assert_int_equal(lite.decision.verdict, full.decision.verdict);
		assert_int_equal(lite.decision.reason, full.decision.reason);
		assert_string_equal(lite.message, full.message);
		assert_int_equal(lite.training_expires, full.training_expires);
		assert_int_equal(lite.elevation_ends, full.elevation_ends);
	}
	cw_response_free(&full);
	return rl;
}

/* The daemon's fast path writes what jansson writes, or declines. */
static void
assert_same_answer(const struct cw_response *r, const char *json, size_t len)
{
	char frame[1024];
	size_t flen;

	assert_int_equal(cw_wire_response_format(r, frame, sizeof(frame),
	    &flen), 0);
	assert_int_equal(flen, CW_WIRE_HEADER + len);
	assert_memory_equal(frame + CW_WIRE_HEADER, json, len);
	assert_int_equal(cw_wire_response_format(r, frame, flen - 1, &flen),
	    -1);
}

static void
test_answer_declined(void **state)
{
	struct cw_response r;
	char frame[1024];
	size_t len;

	(void)state;
	memset(&r, 0, sizeof(r));
	strcpy(r.message, "caf\xc3");         /* not UTF-8: jansson's job */
	assert_int_equal(cw_wire_response_format(&r, frame, sizeof(frame),
	    &len), -1);
	memset(&r, 0, sizeof(r));
	r.data = (char *)"{}";
	assert_int_equal(cw_wire_response_format(&r, frame, sizeof(frame),
	    &len), -1);
	r.data = NULL;
	r.status = (enum cw_status)99;
	assert_int_equal(cw_wire_response_format(&r, frame, sizeof(frame),
	    &len), -1);
}

/* Replies as the daemon encodes them, for every verdict and status. */
static void
test_reply_like_jansson(void **state)
{
	struct cw_response r;
	char *s;
	size_t len;
	int v, st;

	(void)state;
	for (st = CW_STATUS_OK; st <= CW_STATUS_BUSY; st++) {
		for (v = CW_VERDICT_ALLOW; v <= CW_VERDICT_UNAVAILABLE; v++) {
			memset(&r, 0, sizeof(r));
			r.status = (enum cw_status)st;
			r.decision.verdict = (enum cw_verdict)v;
			r.decision.reason = CW_REASON_OK_ELEVATED;
			r.training_expires = v == 0 ? 1800000000 : 0;
			r.elevation_ends = v == 0 ? INT64_MAX : 0;
			if (st != CW_STATUS_OK)
				strcpy(r.message, st % 2 ? "no \"policy\" data "
				    "\\ yet" : "tab\there\x01\x1f\x7f caf\xc3\xa9");
			s = cw_response_encode(&r, &len);
			assert_non_null(s);
			assert_int_equal(compare_parsers(s, len, true), 0);
			assert_same_answer(&r, s, len);
			free(s);
		}
	}
}

/* Well-formed JSON the daemon does not write, read as jansson reads it. */
static void
test_reply_escaped(void **state)
{
	static const char *const ok[] = {
		"{\"v\":1,\"status\":\"ok\",\"verdict\":\"\\u0061llow\","
		    "\"reason\":\"ok\"}",
		" {\n\"\\u0076\" : 1 ,\t\"status\":\"ok\",\"verdict\":\"deny\","
		    "\"reason\":\"revoked\"}\r\n",
		"{\"v\":1,\"status\":\"internal\",\"message\":\"caf\\u00e9 "
		    "\\ud83d\\ude00 \xc3\xa9 \\/ \\\" \\\\ \\b\\f\\n\\r\\t\"}",
		"{\"v\":1,\"status\":\"ok\",\"verdict\":\"allow\",\"reason\":"
		    "\"ok\",\"training_expires\":0,\"elevation_ends\":"
		    "9223372036854775807}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(compare_parsers(ok[i], strlen(ok[i]), true), 0);
}

#define OK_TAIL "\"verdict\":\"allow\",\"reason\":\"ok\"}"

/* Each of these is refused, and the refusal is a deny. */
static const char *const hostile[] = {
	"", " ", "{", "}", "[]", "null", "\"ok\"", "{}",
	"\xef\xbb\xbf{\"v\":1,\"status\":\"ok\"," OK_TAIL,
	/* version, status */
	"{\"status\":\"ok\"," OK_TAIL,
	"{\"v\":2,\"status\":\"ok\"," OK_TAIL,
	"{\"v\":\"1\",\"status\":\"ok\"," OK_TAIL,
	"{\"v\":1.0,\"status\":\"ok\"," OK_TAIL,
	"{\"v\":1e0,\"status\":\"ok\"," OK_TAIL,
	"{\"v\":01,\"status\":\"ok\"," OK_TAIL,
	"{\"v\":-1,\"status\":\"ok\"," OK_TAIL,
	"{\"v\":true,\"status\":\"ok\"," OK_TAIL,
	"{\"v\":1," OK_TAIL,
	"{\"v\":1,\"status\":\"OK\"," OK_TAIL,
	"{\"v\":1,\"status\":null," OK_TAIL,
	/* the decision */
	"{\"v\":1,\"status\":\"ok\",\"reason\":\"ok\"}",
	"{\"v\":1,\"status\":\"ok\",\"verdict\":\"allow\"}",
	"{\"v\":1,\"status\":\"ok\",\"verdict\":\"allow \","
	    "\"reason\":\"ok\"}",
	"{\"v\":1,\"status\":\"ok\",\"verdict\":\"ALLOW\","
	    "\"reason\":\"ok\"}",
	"{\"v\":1,\"status\":\"ok\",\"verdict\":\"allow\\u0000\","
	    "\"reason\":\"ok\"}",
	"{\"v\":1,\"status\":\"ok\",\"verdict\":1,\"reason\":\"ok\"}",
	/* duplicated keys, plain and escaped */
	"{\"v\":1,\"status\":\"ok\",\"verdict\":\"deny\"," OK_TAIL,
	"{\"v\":1,\"status\":\"ok\",\"verdict\":\"allow\","
	    "\"verdict\":\"deny\",\"reason\":\"ok\"}",
	"{\"v\":1,\"status\":\"busy\",\"status\":\"ok\"," OK_TAIL,
	"{\"v\":1,\"v\":1,\"status\":\"ok\"," OK_TAIL,
	"{\"v\":1,\"status\":\"ok\",\"\\u0076erdict\":\"deny\","
	    OK_TAIL,
	/* nested, unknown, data */
	"{\"v\":1,\"status\":\"ok\",\"verdict\":{\"a\":\"allow\"},"
	    "\"reason\":\"ok\"}",
	"{\"v\":1,\"status\":\"ok\",\"verdict\":[\"allow\"],"
	    "\"reason\":\"ok\"}",
	"{\"v\":1,\"status\":\"ok\",\"data\":{}," OK_TAIL,
	"{\"v\":1,\"status\":\"ok\",\"extra\":1," OK_TAIL,
	"{\"v\":1,\"status\":\"ok\",\"\":1," OK_TAIL,
	"{\"v\":1,\"status\":\"ok\",\"x\":[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]"
	    "]]]]]]]]]]]," OK_TAIL,
	"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{",
	/* numbers */
	"{\"v\":1,\"status\":\"ok\",\"training_expires\":-5," OK_TAIL,
	"{\"v\":1,\"status\":\"ok\",\"training_expires\":"
	    "9223372036854775808," OK_TAIL,
	"{\"v\":1,\"status\":\"ok\",\"training_expires\":"
	    "99999999999999999999999," OK_TAIL,
	"{\"v\":1,\"status\":\"ok\",\"elevation_ends\":1.5," OK_TAIL,
	"{\"v\":1,\"status\":\"ok\",\"elevation_ends\":\"5\"," OK_TAIL,
	/* strings: escapes, control bytes, UTF-8 */
	"{\"v\":1,\"status\":\"internal\",\"message\":\"\\x\"}",
	"{\"v\":1,\"status\":\"internal\",\"message\":\"\\u12\"}",
	"{\"v\":1,\"status\":\"internal\",\"message\":\"\\u12G4\"}",
	"{\"v\":1,\"status\":\"internal\",\"message\":\"\\ud800\"}",
	"{\"v\":1,\"status\":\"internal\",\"message\":\"\\ud800x\"}",
	"{\"v\":1,\"status\":\"internal\",\"message\":\"\\ud800\\u0041\"}",
	"{\"v\":1,\"status\":\"internal\",\"message\":\"\\udc00\"}",
	"{\"v\":1,\"status\":\"internal\",\"message\":\"a\tb\"}",
	"{\"v\":1,\"status\":\"internal\",\"message\":\"\xff\"}",
	"{\"v\":1,\"status\":\"internal\",\"message\":\"\xc0\xaf\"}",
	"{\"v\":1,\"status\":\"internal\",\"message\":\"\xed\xa0\x80\"}",
	"{\"v\":1,\"status\":\"internal\",\"message\":\"\xf4\x90\x80\x80\"}",
	"{\"v\":1,\"status\":\"internal\",\"message\":\"\xe2\x82\"}",
	"{\"v\":1,\"status\":\"ok\",\"verdict\":\"allow\",\"reason\":"
	    "\"ok\xff\"}",
	/* framing */
	"{\"v\":1,\"status\":\"ok\"," OK_TAIL " x",
	"{\"v\":1,\"status\":\"ok\"," OK_TAIL "{}",
	"{\"v\":1,\"status\":\"ok\"," OK_TAIL ",",
	"{\"v\":1,\"status\":\"ok\",," OK_TAIL,
	"{\"v\":1,\"status\":\"ok\"," "\"verdict\":\"allow\","
	    "\"reason\":\"ok\",}",
	"{\"v\":1 \"status\":\"ok\"," OK_TAIL,
	"{\"v\" 1,\"status\":\"ok\"," OK_TAIL,
	"{'v':1,\"status\":\"ok\"," OK_TAIL,
};

static void
test_reply_hostile(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		if (compare_parsers(hostile[i], strlen(hostile[i]), false) !=
		    -1)
			fail_msg("accepted case %zu: %s", i, hostile[i]);
}

/* A message one byte too long, a NUL inside, and frames out of bounds. */
static void
test_reply_bounds(void **state)
{
	static const char nul[] = "{\"v\":1,\"status\":\"ok\",\"verdict\":"
	    "\"allow\0\",\"reason\":\"ok\"}";
	char *buf, msg[CW_MESSAGE_MAX + 1];
	struct cw_response r;
	char err[128];
	size_t n;

	(void)state;
	buf = malloc(CW_WIRE_MAX_FRAME + 2);
	assert_non_null(buf);
	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	for (n = CW_MESSAGE_MAX - 2; n <= CW_MESSAGE_MAX; n++) {
		int len = snprintf(buf, CW_WIRE_MAX_FRAME, "{\"v\":1,\"status\":"
		    "\"internal\",\"message\":\"%.*s\"}", (int)n, msg);

		assert_int_equal(compare_parsers(buf, (size_t)len, false),
		    n < CW_MESSAGE_MAX ? 0 : -1);
	}
	/* A raw NUL inside a member's string: not JSON. */
	assert_int_equal(compare_parsers(nul, sizeof(nul) - 1, false), -1);
	/* Oversized: refused before a byte is read. */
	memset(buf, ' ', CW_WIRE_MAX_FRAME + 2);
	n = (size_t)snprintf(buf, 64, "{\"v\":1,\"status\":\"ok\"," OK_TAIL);
	buf[n] = ' ';
	assert_int_equal(cw_wire_reply_parse(buf, CW_WIRE_MAX_FRAME, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.decision.verdict, CW_VERDICT_ALLOW);
	assert_int_equal(cw_wire_reply_parse(buf, CW_WIRE_MAX_FRAME + 1, &r,
	    err, sizeof(err)), -1);
	assert_int_equal(r.decision.verdict, CW_VERDICT_DENY);
	assert_int_equal(cw_wire_reply_parse(NULL, 0, &r, err, sizeof(err)),
	    -1);
	free(buf);
}

/* Every proper prefix of a good reply is refused, in an exact buffer. */
static void
test_reply_truncated(void **state)
{
	static const char good[] = "{\"v\":1,\"status\":\"ok\",\"verdict\":"
	    "\"allow\",\"reason\":\"ok_elevated\",\"message\":\"caf\xc3\xa9 "
	    "\\ud83d\\ude00\",\"training_expires\":1800000000,"
	    "\"elevation_ends\":1800000001}";
	struct cw_response r;
	char err[128], *copy;
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(good) - 1; n++) {
		copy = malloc(n > 0 ? n : 1);
		assert_non_null(copy);
		memcpy(copy, good, n);
		assert_int_equal(cw_wire_reply_parse(copy, n, &r, err,
		    sizeof(err)), -1);
		assert_int_equal(r.decision.verdict, CW_VERDICT_DENY);
		free(copy);
	}
	assert_int_equal(compare_parsers(good, sizeof(good) - 1, true), 0);
}

static uint32_t
next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Seeded byte flips, insertions and deletions of good replies. */
static void
test_reply_mutations(void **state)
{
	static const char *const seeds[] = {
		"{\"v\":1,\"status\":\"ok\",\"verdict\":\"allow\",\"reason\":"
		    "\"ok\",\"training_expires\":1800000000}",
		"{\"v\":1,\"status\":\"ok\",\"verdict\":\"deny\",\"reason\":"
		    "\"revoked\",\"message\":\"a \\\"b\\\" \\u00e9\"}",
		"{\"v\":1,\"status\":\"busy\",\"message\":\"busy: try again\"}",
	};
	static const char alphabet[] = "{}[]\",:\\u0123456789.-eE aolwdny"
	    "\x00\x1f\x7f\x80\xc3\xa9\xed\xff";
	uint32_t seed = 12345;
	char buf[512];
	size_t i, len, pos, k;
	int round, accepted = 0;

	(void)state;
	for (round = 0; round < 30000; round++) {
		i = (size_t)round % (sizeof(seeds) / sizeof(seeds[0]));
		len = strlen(seeds[i]);
		memcpy(buf, seeds[i], len);
		for (k = 1 + next_rand(&seed) % 3; k > 0; k--) {
			pos = next_rand(&seed) % len;
			switch (next_rand(&seed) % 3) {
			case 0:
				buf[pos] = alphabet[next_rand(&seed) %
				    (sizeof(alphabet) - 1)];
				break;
			case 1:
				if (len + 1 >= sizeof(buf))
					break;
				memmove(buf + pos + 1, buf + pos, len - pos);
				buf[pos] = alphabet[next_rand(&seed) %
				    (sizeof(alphabet) - 1)];
				len++;
				break;
			default:
				if (len < 2)
					break;
				memmove(buf + pos, buf + pos + 1, len - pos - 1);
				len--;
			}
		}
		accepted += compare_parsers(buf, len, false) == 0;
	}
	/* Some mutations stay valid (a digit changed): both paths ran. */
	assert_true(accepted > 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_like_jansson),
		cmocka_unit_test(test_request_escaping),
		cmocka_unit_test(test_request_refused),
		cmocka_unit_test(test_reply_like_jansson),
		cmocka_unit_test(test_answer_declined),
		cmocka_unit_test(test_reply_escaped),
		cmocka_unit_test(test_reply_hostile),
		cmocka_unit_test(test_reply_bounds),
		cmocka_unit_test(test_reply_truncated),
		cmocka_unit_test(test_reply_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
