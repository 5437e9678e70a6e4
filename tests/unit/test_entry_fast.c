/* SPDX-License-Identifier: MIT */
/*
 * test_entry_fast.c - cw_entry_from_json's fast path (core/entry.c) gives
 * exactly what the jansson path gives: the same result, the same error
 * text, the same entry, on the mirror's own JSON and on every kind of
 * input near it (escapes, whitespace, non-ASCII, duplicates, bounds,
 * truncations, and thousands of seeded mutations).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "entry.h"

static unsigned rnd_state = 4242;

static unsigned
rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static void
same_entry(const struct cw_entry *a, const struct cw_entry *b)
{
	size_t i, j;

	assert_string_equal(a->dn, b->dn);
	assert_string_equal(a->uuid, b->uuid);
	assert_int_equal(a->nattrs, b->nattrs);
	for (i = 0; i < a->nattrs; i++) {
		assert_string_equal(a->attrs[i].name, b->attrs[i].name);
		assert_int_equal(a->attrs[i].nvalues, b->attrs[i].nvalues);
		for (j = 0; j < a->attrs[i].nvalues; j++)
			assert_string_equal(a->attrs[i].values[j],
			    b->attrs[i].values[j]);
	}
}

/* Parses buf both ways and checks they agree; returns the result. */
static int
both(const char *buf, size_t len)
{
	struct cw_entry fast, slow;
	char ferr[256], serr[256];
	int frc, src;

	cw_entry_fast_json = true;
	frc = cw_entry_from_json(buf, len, &fast, ferr, sizeof(ferr));
	cw_entry_fast_json = false;
	src = cw_entry_from_json(buf, len, &slow, serr, sizeof(serr));
	cw_entry_fast_json = true;
	if (frc != src)
		fail_msg("fast %d, jansson %d on '%.*s'", frc, src, (int)len,
		    buf);
	assert_string_equal(ferr, serr);
	if (frc == 0)
		same_entry(&fast, &slow);
	cw_entry_free(&fast);
	cw_entry_free(&slow);
	return frc;
}

static int
both_str(const char *s)
{
	return both(s, strlen(s));
}

/* An entry as the mirror writes it, with n attributes of a few values. */
static size_t
make_entry(char *buf, size_t cap)
{
	static const char *const names[] = { "uid", "cn", "cwRole",
	    "cwClearance", "cwTrainingCompleted", "objectClass",
	    "x-clearway-incomplete", "modifyTimestamp", "UID" };
	static const char *const vals[] = { "s000001", "ops", "20250101000000Z",
	    "BPSS", "top", "cwStaff", "a b", "", "cwRole: more than 1024",
	    "x/y" };
	size_t n = rnd(6), i, k, used[9] = { 0 };
	int len;

	len = snprintf(buf, cap, "{\"dn\":\"uid=s%u,ou=people,dc=t\","
	    "\"uuid\":\"%08x-0000\",\"attrs\":{", rnd(1000), rnd(1u << 30));
	for (i = 0; i < n; i++) {
		size_t a = rnd(9), nv = 1 + rnd(3);

		if (used[a]++ && rnd(4) != 0)
			continue;
		len += snprintf(buf + len, cap - (size_t)len, "%s\"%s\":[",
		    buf[len - 1] == '{' ? "" : ",", names[a]);
		for (k = 0; k < nv; k++)
			len += snprintf(buf + len, cap - (size_t)len, "%s\"%s\"",
			    k ? "," : "", vals[rnd(10)]);
		len += snprintf(buf + len, cap - (size_t)len, "]");
	}
	len += snprintf(buf + len, cap - (size_t)len, "}}");
	return (size_t)len;
}

static void
test_fixed_cases(void **state)
{
	static const char *const cases[] = {
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{}}",
		"{\"uuid\":\"b\",\"attrs\":{\"uid\":[\"x\"]},\"dn\":\"a\"}",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{\"uid\":[\"x\",\"y\"]}}",
		"{\"dn\":\"\",\"uuid\":\"\",\"attrs\":{}}",
		"{\"dn\":\"a\",\"dn\":\"b\",\"uuid\":\"b\",\"attrs\":{}}",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{},\"attrs\":{}}",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{\"uid\":[\"x\"],"
		    "\"UID\":[\"y\"]}}",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{\"uid\":[\"x\"],"
		    "\"uid\":[\"y\"]}}",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{\"uid\":[]}}",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{\"u id\":[\"x\"]}}",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{\"uid\":\"x\"}}",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{\"uid\":[1]}}",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":[]}",
		"{\"dn\":\"a\",\"uuid\":\"b\"}",
		"{\"dn\":\"a\",\"attrs\":{}}",
		"{\"uuid\":\"b\",\"attrs\":{}}",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{},\"x\":1}",
		"{\"dn\":1,\"uuid\":\"b\",\"attrs\":{}}",
		"{\"dn\":\"a\\u0000b\",\"uuid\":\"b\",\"attrs\":{}}",
		"{\"dn\":\"a\\\"b\",\"uuid\":\"b\",\"attrs\":{}}",
		"{\"dn\":\"caf\xc3\xa9\",\"uuid\":\"b\",\"attrs\":{}}",
		"{\"dn\":\"bad\xc3\",\"uuid\":\"b\",\"attrs\":{}}",
		"{\"dn\":\"del\x7f\",\"uuid\":\"b\",\"attrs\":{}}",
		"{\"dn\":\"tab\t\",\"uuid\":\"b\",\"attrs\":{}}",
		"{ \"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{}}",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{}} ",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{}}x",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{}",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{\"uid\":[\"x\"],}}",
		"{\"dn\":\"a\",\"uuid\":\"b\",\"attrs\":{\"uid\":[\"x\",]}}",
		"{\"dn\":\"a\",\"uuid\":\"b\",,\"attrs\":{}}",
		"[]", "{}", "", "\"x\"", "null",
	};
	static const char nul[] = "{\"dn\":\"a\0\",\"uuid\":\"b\","
	    "\"attrs\":{}}";
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		(void)both_str(cases[i]);
	/* Embedded NUL within the given length. */
	(void)both(nul, sizeof(nul) - 1);
}

static void
test_bounds(void **state)
{
	size_t cap = 4 * 1024 * 1024 + 64, len, i;
	char *buf = malloc(cap);

	(void)state;
	assert_non_null(buf);
	for (i = 1024; i <= 1025; i++) {        /* CW_ENTRY_MAX_VALUES */
		size_t k;

		len = (size_t)snprintf(buf, cap, "{\"dn\":\"a\",\"uuid\":\"b\","
		    "\"attrs\":{\"cwRole\":[");
		for (k = 0; k < i; k++)
			len += (size_t)snprintf(buf + len, cap - len, "%s\"r%zu\"",
			    k ? "," : "", k);
		len += (size_t)snprintf(buf + len, cap - len, "]}}");
		assert_int_equal(both(buf, len), i == 1024 ? 0 : -1);
	}
	for (i = 256; i <= 257; i++) {          /* CW_ENTRY_MAX_ATTRS */
		size_t k;

		len = (size_t)snprintf(buf, cap, "{\"dn\":\"a\",\"uuid\":\"b\","
		    "\"attrs\":{");
		for (k = 0; k < i; k++)
			len += (size_t)snprintf(buf + len, cap - len,
			    "%s\"a%zu\":[\"v\"]", k ? "," : "", k);
		len += (size_t)snprintf(buf + len, cap - len, "}}");
		assert_int_equal(both(buf, len), i == 256 ? 0 : -1);
	}
	for (i = 65536; i <= 65537; i++) {      /* CW_ENTRY_MAX_VALUE_LEN */
		len = (size_t)snprintf(buf, cap, "{\"dn\":\"");
		memset(buf + len, 'd', i);
		len += i;
		len += (size_t)snprintf(buf + len, cap - len, "\",\"uuid\":\"b\","
		    "\"attrs\":{}}");
		assert_int_equal(both(buf, len), i == 65536 ? 0 : -1);
	}
	len = (size_t)snprintf(buf, cap, "{\"dn\":\"a\",\"uuid\":\"b\","
	    "\"attrs\":{\"%0129d\":[\"v\"]}}", 0);  /* a 129-byte name */
	assert_int_equal(both(buf, len), -1);
	free(buf);
}

static void
test_mutations(void **state)
{
	static const char swaps[] = "\"\\,:{}[] a0\x01\x7f\xc3";
	char buf[4096], m[4096];
	size_t len, mlen, p, i, round;
	int ok = 0;

	(void)state;
	for (round = 0; round < 3000; round++) {
		len = make_entry(buf, sizeof(buf));
		ok += both(buf, len) == 0;
		for (i = 0; i < 8; i++) {
			memcpy(m, buf, len);
			mlen = len;
			p = rnd((unsigned)len);
			switch (rnd(3)) {
			case 0:
				m[p] = swaps[rnd(sizeof(swaps) - 1)];
				break;
			case 1:
				memmove(m + p, m + p + 1, len - p - 1);
				mlen--;
				break;
			default:
				mlen = p;
				break;
			}
			(void)both(m, mlen);
		}
	}
	assert_true(ok > 1500);
}

/* Every input of the fuzzing corpus (tests/fuzz/corpus/entry). */
static void
test_corpus(void **state)
{
	char path[4096], *buf = malloc(5 * 1024 * 1024);
	DIR *d = opendir(CW_ENTRY_CORPUS);
	struct dirent *de;
	size_t n = 0, len;
	FILE *f;

	(void)state;
	assert_non_null(buf);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", CW_ENTRY_CORPUS,
		    de->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		len = fread(buf, 1, 5 * 1024 * 1024, f);
		fclose(f);
		(void)both(buf, len);
		n++;
	}
	closedir(d);
	free(buf);
	assert_true(n > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_cases),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
