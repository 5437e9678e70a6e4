/* SPDX-License-Identifier: MIT */
/*
 * test_wire_fast.c - the daemon's fast path for PAM requests
 * (core/wire_fast.c) against cw_request_parse (jansson): on the requests
 * clients write it gives the same struct; on anything else it declines,
 * and on seeded mutations of good requests it never accepts what jansson
 * refuses nor reads anything differently.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"
#include "wire_fast.h"
#include "wire_lite.h"

/* Fast and full read buf alike, or fast declines; returns fast's answer. */
static int
compare(const char *buf, size_t len)
{
	struct cw_request fast, full;
	char err[128];
	int rf, rj;

	rf = cw_request_parse_fast(buf, len, &fast);
	rj = cw_request_parse(buf, len, &full, err, sizeof(err));
	assert_true(rf == 0 || rf == 1);
	if (rf == 0) {
		if (rj != 0)
			fail_msg("fast accepted what jansson refuses (%s): "
			    "%.*s", err, (int)len, buf);
		assert_memory_equal(&fast, &full, sizeof(fast));
	}
	return rf;
}

static void
request(struct cw_request *r, enum cw_op op)
{
	memset(r, 0, sizeof(*r));
	r->op = op;
	strcpy(r->user, "alice.smith@dept");
	strcpy(r->host_class, "sc-hosts");
	r->mode = op == CW_OP_CHECK ? CW_MODE_LOGIN : CW_MODE_ADMIN;
	r->event = CW_SESSION_CLOSE;
	r->duration = op == CW_OP_SESSION ? 3600 : 0;
	strcpy(r->service, "sshd");
	strcpy(r->rhost, "192.0.2.7");
	strcpy(r->tty, "pts/3");
}

/* What the PAM module and clearwayctl check send: read by the fast path. */
static void
test_fast_accepts(void **state)
{
	static const enum cw_op ops[] = { CW_OP_DECIDE, CW_OP_CHECK,
	    CW_OP_SESSION, CW_OP_BREAKGLASS };
	char frame[CW_WIRE_LITE_REQUEST_MAX], *s;
	struct cw_request r;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		request(&r, ops[i]);
		assert_int_equal(cw_wire_request_format(&r, frame,
		    sizeof(frame), &len), 0);
		assert_int_equal(compare(frame + CW_WIRE_HEADER,
		    len - CW_WIRE_HEADER), 0);
		r.service[0] = r.rhost[0] = r.tty[0] = '\0';
		s = cw_request_encode(&r, &len);
		assert_non_null(s);
		assert_int_equal(compare(s, len), 0);
		free(s);
	}
}

/* Other shapes and ops: declined (jansson decides), never misread. */
static void
test_fast_declines(void **state)
{
	static const char *const cases[] = {
		"", "{}", "[]", " ",
		"{\"v\":1,\"op\":\"status\"}",
		"{\"v\":1,\"op\":\"check\",\"user\":\"a\",\"host_class\":\"h\","
		    "\"at\":5}",
		"{\"v\":1,\"op\":\"decide\",\"user\":\"a\"}",
		"{\"v\":1,\"op\":\"session\",\"user\":\"a\",\"host_class\":\"h\"}",
		"{\"v\":2,\"op\":\"decide\",\"user\":\"a\",\"host_class\":\"h\"}",
		"{\"v\":1,\"op\":\"decide\",\"user\":\"a\",\"host_class\":\"h\","
		    "\"user\":\"b\"}",
		"{\"v\":1,\"op\":\"decide\",\"user\":\"a\",\"host_class\":\"h\","
		    "\"\\u0075ser\":\"b\"}",
		"{\"v\":1,\"op\":\"decide\",\"user\":\"a b\",\"host_class\":\"h\"}",
		"{\"v\":1,\"op\":\"decide\",\"user\":\"a\",\"host_class\":\"h\","
		    "\"rhost\":\"caf\xc3\xa9\"}",
		"{\"v\":1,\"op\":\"decide\",\"user\":\"a\",\"host_class\":\"h\","
		    "\"duration\":0}",
		"{\"v\":1,\"op\":\"decide\",\"user\":\"a\",\"host_class\":\"h\","
		    "\"mode\":\"root\"}",
		"{\"v\":1,\"op\":\"decide\",\"user\":\"a\",\"host_class\":\"h\","
		    "\"tty\":{\"x\":1}}",
		"{\"v\":1,\"op\":\"decide\",\"user\":\"a\",\"host_class\":\"h\"}x",
		"{\"v\":1,\"op\":\"decide\",\"user\":\"a\",\"host_class\":\"h\",}",
		"{\"v\":1,\"op\":\"decide\",\"user\":\"a\",\"host_class\":\"h\"",
		"{\"v\":1.0,\"op\":\"decide\",\"user\":\"a\",\"host_class\":\"h\"}",
		"{\"v\":1,\"op\":\"decide\",\"user\":\"a\\u0000\","
		    "\"host_class\":\"h\"}",
	};
	static const char padded[] = " { \"host_class\" : \"h\" ,\n\"user\":"
	    "\"\\u0061\",\"op\":\"decide\",\t\"v\":1 } ";
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (compare(cases[i], strlen(cases[i])) != 1)
			fail_msg("case %zu read by the fast path: %s", i,
			    cases[i]);
	/* Escaped, blank-padded, reordered: still the same request. */
	assert_int_equal(compare(padded, strlen(padded)), 0);
}

static uint32_t
next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Seeded flips, insertions and deletions of good requests. */
static void
test_fast_mutations(void **state)
{
	static const char alphabet[] = "{}[]\",:\\u0123456789.-eE abcdhnostvy"
	    "\x00\x1f\x7f\x80\xc3\xa9\xff";
	static const enum cw_op ops[] = { CW_OP_DECIDE, CW_OP_CHECK,
	    CW_OP_SESSION, CW_OP_BREAKGLASS };
	char seeds[4][CW_WIRE_LITE_REQUEST_MAX], buf[CW_WIRE_LITE_REQUEST_MAX];
	size_t seedlen[4], i, len, pos, k;
	struct cw_request r;
	uint32_t seed = 4242;
	int round, fast = 0;

	(void)state;
	for (i = 0; i < 4; i++) {
		request(&r, ops[i]);
		assert_int_equal(cw_wire_request_format(&r, seeds[i],
		    sizeof(seeds[i]), &seedlen[i]), 0);
	}
	for (round = 0; round < 40000; round++) {
		i = (size_t)round % 4;
		len = seedlen[i] - 4;
		memcpy(buf, seeds[i] + 4, len);
		for (k = 1 + next_rand(&seed) % 3; k > 0; k--) {
			pos = next_rand(&seed) % len;
			switch (next_rand(&seed) % 3) {
			case 0:
				buf[pos] = alphabet[next_rand(&seed) %
				    (sizeof(alphabet) - 1)];
				break;
			case 1:
				memmove(buf + pos + 1, buf + pos, len - pos);
				buf[pos] = alphabet[next_rand(&seed) %
				    (sizeof(alphabet) - 1)];
				len++;
				break;
			default:
				memmove(buf + pos, buf + pos + 1, len - pos - 1);
				len--;
			}
		}
		fast += compare(buf, len) == 0;
	}
	assert_true(fast > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_accepts),
		cmocka_unit_test(test_fast_declines),
		cmocka_unit_test(test_fast_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
