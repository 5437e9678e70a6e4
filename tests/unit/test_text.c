/* SPDX-License-Identifier: MIT */
/*
 * test_text.c - core/text.c: the hex encoder and decoder every MAC, key
 * file and writer token goes through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"

static void
test_hex_encode(void **state)
{
	static const unsigned char bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xab,
	    0xff };
	char out[2 * sizeof(bytes) + 1];

	(void)state;
	memset(out, 'x', sizeof(out));
	cw_hex_encode(bytes, sizeof(bytes), out);
	assert_string_equal(out, "00017f80abff");
	cw_hex_encode(bytes, 0, out);
	assert_string_equal(out, "");
}

static void
test_hex_decode(void **state)
{
	unsigned char out[4];

	(void)state;
	assert_int_equal(cw_hex_decode("00ff7fa0", 8, out, 4, true), 0);
	assert_true(out[0] == 0x00 && out[1] == 0xff && out[2] == 0x7f &&
	    out[3] == 0xa0);
	/* Upper case: a key file may have it, a MAC may not. */
	assert_int_equal(cw_hex_decode("00FF7Fa0", 8, out, 4, false), 0);
	assert_true(out[1] == 0xff && out[2] == 0x7f);
	assert_int_equal(cw_hex_decode("00FF7Fa0", 8, out, 4, true), -1);
	/* Exactly 2n digits, nothing else. */
	assert_int_equal(cw_hex_decode("00ff7f", 6, out, 4, false), -1);
	assert_int_equal(cw_hex_decode("00ff7fa0b", 9, out, 4, false), -1);
	assert_int_equal(cw_hex_decode("00ff7fg0", 8, out, 4, false), -1);
	assert_int_equal(cw_hex_decode("00ff 7fa", 8, out, 4, false), -1);
	assert_int_equal(cw_hex_decode("", 0, out, 0, true), 0);
}

static void
test_hex_round_trip(void **state)
{
	unsigned char in[256], back[256];
	char hex[2 * sizeof(in) + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	cw_hex_encode(in, sizeof(in), hex);
	assert_int_equal(strlen(hex), 2 * sizeof(in));
	assert_int_equal(cw_hex_decode(hex, strlen(hex), back, sizeof(back),
	    true), 0);
	assert_memory_equal(in, back, sizeof(in));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_encode),
		cmocka_unit_test(test_hex_decode),
		cmocka_unit_test(test_hex_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
