/* SPDX-License-Identifier: MIT */
/*
 * test_entry.c - raw directory entries and their JSON form in Redis.
 */
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

#define LIT(s) s, sizeof(s) - 1

static void
assert_no_control_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			fail_msg("unprintable byte 0x%02x in message",
			    (unsigned char)*s);
}

static void
test_add_and_lookup(void **state)
{
	struct cw_entry e;
	const struct cw_attr *a;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(cw_entry_add_value(&e, "cwRole", "ops"), 0);
	assert_int_equal(cw_entry_add_value(&e, "CWROLE", "dba"), 0);
	assert_int_equal(cw_entry_add_value(&e, "uid", "alice"), 0);
	assert_int_equal(e.nattrs, 2);

	/* Matched case-insensitively; values kept in order, name as first seen. */
	a = cw_entry_attr(&e, "cwrole");
	assert_non_null(a);
	assert_string_equal(a->name, "cwRole");
	assert_int_equal(a->nvalues, 2);
	assert_string_equal(a->values[0], "ops");
	assert_string_equal(a->values[1], "dba");
	assert_ptr_equal(cw_entry_attr(&e, "UID"), cw_entry_attr(&e, "uid"));
	assert_null(cw_entry_attr(&e, "cwRol"));
	assert_null(cw_entry_attr(&e, "cwRoles"));
	assert_null(cw_entry_attr(&e, ""));
	assert_null(cw_entry_attr(&e, NULL));
	assert_null(cw_entry_attr(NULL, "uid"));

	cw_entry_free(&e);
	assert_int_equal(e.nattrs, 0);
	assert_null(e.attrs);
	cw_entry_free(&e);              /* twice is harmless */
	cw_entry_free(NULL);
}

struct add_case {
	const char *name;
	const char *value;
	int rc;
};

static const struct add_case add_cases[] = {
	{ "uid", "alice", 0 },
	{ "cwRole", "", 0 },                    /* empty is shape-valid */
	{ "2.5.4.3", "oid name", 0 },
	{ "cn;lang-en", "option", 0 },
	{ "description", "caf\xc3\xa9 \xf0\x9f\x94\x91", 0 },
	{ "", "x", -1 },
	{ "u id", "x", -1 },
	{ "uid:", "x", -1 },
	{ "uid\n", "x", -1 },
	{ "ui\xc3\xa9", "x", -1 },
	{ "uid", "\xff", -1 },                  /* not UTF-8 */
	{ "uid", "\xc0\xaf", -1 },              /* overlong '/' */
	{ "uid", "\xed\xa0\x80", -1 },          /* surrogate */
	{ "uid", "\xf4\x90\x80\x80", -1 },      /* above U+10FFFF */
	{ "uid", "\xe2\x82", -1 },              /* truncated */
	{ NULL, "x", -1 },
	{ "uid", NULL, -1 },
};

static void
test_add_value_validation(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(add_cases) / sizeof(add_cases[0]); i++) {
		struct cw_entry e;
		int rc;

		memset(&e, 0, sizeof(e));
		rc = cw_entry_add_value(&e, add_cases[i].name,
		    add_cases[i].value);
		if (rc != add_cases[i].rc)
			fail_msg("#%zu: rc %d", i, rc);
		if (rc != 0 && e.nattrs != 0)
			fail_msg("#%zu: refused value left an attribute", i);
		cw_entry_free(&e);
	}
	assert_int_equal(cw_entry_add_value(NULL, "uid", "x"), -1);
}

static void
test_add_value_bounds(void **state)
{
	struct cw_entry e;
	char name[CW_ENTRY_MAX_NAME_LEN + 2];
	char *big;
	size_t i;

	(void)state;
	memset(&e, 0, sizeof(e));
	for (i = 0; i < CW_ENTRY_MAX_ATTRS; i++) {
		snprintf(name, sizeof(name), "a%zu", i);
		assert_int_equal(cw_entry_add_value(&e, name, "v"), 0);
	}
	assert_int_equal(cw_entry_add_value(&e, "oneTooMany", "v"), -1);
	assert_int_equal(e.nattrs, CW_ENTRY_MAX_ATTRS);
	/* An existing attribute still takes values. */
	for (i = 1; i < CW_ENTRY_MAX_VALUES; i++)
		assert_int_equal(cw_entry_add_value(&e, "A0", "v"), 0);
	assert_int_equal(cw_entry_add_value(&e, "a0", "v"), -1);
	assert_int_equal(cw_entry_attr(&e, "a0")->nvalues, CW_ENTRY_MAX_VALUES);
	cw_entry_free(&e);

	memset(name, 'n', sizeof(name));
	name[CW_ENTRY_MAX_NAME_LEN] = '\0';
	assert_int_equal(cw_entry_add_value(&e, name, "v"), 0);
	name[CW_ENTRY_MAX_NAME_LEN] = 'n';
	name[CW_ENTRY_MAX_NAME_LEN + 1] = '\0';
	assert_int_equal(cw_entry_add_value(&e, name, "v"), -1);

	big = malloc(CW_ENTRY_MAX_VALUE_LEN + 2);
	assert_non_null(big);
	memset(big, 'x', CW_ENTRY_MAX_VALUE_LEN + 1);
	big[CW_ENTRY_MAX_VALUE_LEN] = '\0';
	assert_int_equal(cw_entry_add_value(&e, "big", big), 0);
	big[CW_ENTRY_MAX_VALUE_LEN] = 'x';
	big[CW_ENTRY_MAX_VALUE_LEN + 1] = '\0';
	assert_int_equal(cw_entry_add_value(&e, "big", big), -1);
	free(big);
	cw_entry_free(&e);
}

/* The mark of an incomplete attribute survives the trip through Redis. */
static void
test_incomplete_mark_round_trip(void **state)
{
	struct cw_entry e, back;
	char err[128], *json;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.dn = strdup("uid=a,ou=people,dc=x");
	e.uuid = strdup("u1");
	assert_int_equal(cw_entry_add_value(&e, "uid", "a"), 0);
	assert_null(cw_entry_incomplete(&e));
	assert_int_equal(cw_entry_mark_incomplete(&e, "cwRole",
	    "more than 1024 values"), 0);
	assert_int_equal(cw_entry_mark_incomplete(&e, "cwAdminRole",
	    "more than 1024 values"), 0);
	assert_string_equal(cw_entry_incomplete(&e),
	    "cwRole: more than 1024 values");
	assert_non_null(json = cw_entry_to_json(&e));
	assert_int_equal(cw_entry_from_json(json, strlen(json), &back, err,
	    sizeof(err)), 0);
	assert_string_equal(cw_entry_incomplete(&back),
	    "cwRole: more than 1024 values");
	free(json);
	cw_entry_free(&back);
	cw_entry_free(&e);
}

static void
test_json_round_trip(void **state)
{
	struct cw_entry e, back;
	char err[128], *json, *again;
	size_t i, j;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.dn = strdup("uid=alice,ou=people,dc=example,dc=org");
	e.uuid = strdup("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	assert_non_null(e.dn);
	assert_non_null(e.uuid);
	assert_int_equal(cw_entry_add_value(&e, "uid", "alice"), 0);
	assert_int_equal(cw_entry_add_value(&e, "cwRole", "ops"), 0);
	assert_int_equal(cw_entry_add_value(&e, "cwRole", "dba"), 0);
	assert_int_equal(cw_entry_add_value(&e, "description",
	    "quote \" backslash \\ tab \t caf\xc3\xa9"), 0);

	json = cw_entry_to_json(&e);
	assert_non_null(json);
	assert_int_equal(cw_entry_from_json(json, strlen(json), &back, err,
	    sizeof(err)), 0);
	assert_string_equal(back.dn, e.dn);
	assert_string_equal(back.uuid, e.uuid);
	assert_int_equal(back.nattrs, e.nattrs);
	for (i = 0; i < e.nattrs; i++) {
		assert_string_equal(back.attrs[i].name, e.attrs[i].name);
		assert_int_equal(back.attrs[i].nvalues, e.attrs[i].nvalues);
		for (j = 0; j < e.attrs[i].nvalues; j++)
			assert_string_equal(back.attrs[i].values[j],
			    e.attrs[i].values[j]);
	}
	again = cw_entry_to_json(&back);
	assert_non_null(again);
	assert_string_equal(again, json);
	free(again);
	free(json);
	cw_entry_free(&back);
	cw_entry_free(&e);
}

/* to_json refuses whatever from_json would refuse. */
static void
test_to_json_refuses_unstorable(void **state)
{
	struct cw_entry e;
	struct cw_attr attrs[2];
	char *one[] = { "alice" };

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_null(cw_entry_to_json(NULL));
	assert_null(cw_entry_to_json(&e));              /* no dn, no uuid */
	e.dn = "dn";
	assert_null(cw_entry_to_json(&e));              /* no uuid */
	e.uuid = "uuid";
	e.attrs = attrs;
	e.nattrs = 2;
	attrs[0].name = "uid";
	attrs[0].values = one;
	attrs[0].nvalues = 1;
	attrs[1].name = "UID";                          /* case duplicate */
	attrs[1].values = one;
	attrs[1].nvalues = 1;
	assert_null(cw_entry_to_json(&e));
	attrs[1].name = "cn";
	attrs[1].nvalues = 0;                           /* no values */
	assert_null(cw_entry_to_json(&e));
	attrs[1].nvalues = 1;
	attrs[1].name = "c n";                          /* bad name */
	assert_null(cw_entry_to_json(&e));
	attrs[1].name = "cn";
	e.dn = "\xff";                                  /* not UTF-8 */
	assert_null(cw_entry_to_json(&e));
	e.dn = "dn";
	{
		char *json = cw_entry_to_json(&e);

		assert_non_null(json);
		assert_string_equal(json, "{\"dn\":\"dn\",\"uuid\":\"uuid\","
		    "\"attrs\":{\"uid\":[\"alice\"],\"cn\":[\"alice\"]}}");
		free(json);
	}
}

struct json_case {
	const char *why;
	const char *json;
	size_t len;
	const char *err_has;    /* NULL: accepted */
};

static const struct json_case json_cases[] = {
	{ "minimal", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":{}}"), NULL },
	{ "any key order", LIT("{\"attrs\":{\"uid\":[\"a\"]},\"uuid\":\"y\","
	    "\"dn\":\"x\"}"), NULL },
	{ "whitespace", LIT(" {\n\"dn\" : \"x\" ,\"uuid\":\"\",\"attrs\":{ } }\n"),
	    NULL },
	{ "unicode escapes", LIT("{\"dn\":\"\\u00e9\",\"uuid\":\"y\",\"attrs\":"
	    "{\"cn\":[\"\\ud83d\\udd11\"]}}"), NULL },
	{ "empty", LIT(""), "bad JSON" },
	{ "not JSON", LIT("uid=alice"), "bad JSON" },
	{ "array", LIT("[]"), "not a JSON object" },
	{ "null", LIT("null"), "bad JSON" },         /* jansson: not a container */
	{ "string", LIT("\"x\""), "bad JSON" },
	{ "no dn", LIT("{\"uuid\":\"y\",\"attrs\":{}}"), "dn: missing" },
	{ "dn number", LIT("{\"dn\":1,\"uuid\":\"y\",\"attrs\":{}}"),
	    "dn: not a string" },
	{ "dn null", LIT("{\"dn\":null,\"uuid\":\"y\",\"attrs\":{}}"),
	    "dn: not a string" },
	{ "no uuid", LIT("{\"dn\":\"x\",\"attrs\":{}}"), "uuid: missing" },
	{ "uuid array", LIT("{\"dn\":\"x\",\"uuid\":[],\"attrs\":{}}"),
	    "uuid: not a string" },
	{ "no attrs", LIT("{\"dn\":\"x\",\"uuid\":\"y\"}"), "attrs: missing" },
	{ "attrs array", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":[]}"),
	    "attrs: not an object" },
	{ "unknown field", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":{},"
	    "\"admin\":true}"), "unknown field 'admin'" },
	{ "duplicate field", LIT("{\"dn\":\"x\",\"dn\":\"z\",\"uuid\":\"y\","
	    "\"attrs\":{}}"), "bad JSON" },
	{ "value not array", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":"
	    "{\"uid\":\"alice\"}}"), "attrs.uid: not an array" },
	{ "no values", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":{\"uid\":[]}}"),
	    "attrs.uid: no values" },
	{ "number value", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":"
	    "{\"uid\":[1]}}"), "attrs.uid[0]: not a string" },
	{ "null value", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":"
	    "{\"cwRole\":[\"a\",null]}}"), "attrs.cwRole[1]: not a string" },
	{ "nested array", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":"
	    "{\"uid\":[[\"a\"]]}}"), "attrs.uid[0]: not a string" },
	{ "case duplicate", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":"
	    "{\"uid\":[\"a\"],\"UID\":[\"root\"]}}"),
	    "attrs.UID: duplicate attribute" },
	{ "exact duplicate", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":"
	    "{\"uid\":[\"a\"],\"uid\":[\"root\"]}}"), "bad JSON" },
	{ "empty name", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":"
	    "{\"\":[\"a\"]}}"), "invalid attribute name ''" },
	{ "name with space", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":"
	    "{\"u id\":[\"a\"]}}"), "invalid attribute name 'u id'" },
	{ "name with newline", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":"
	    "{\"u\\nid\":[\"a\"]}}"), "invalid attribute name 'u?id'" },
	{ "NUL in value", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":"
	    "{\"uid\":[\"a\\u0000b\"]}}"), "bad JSON" },
	{ "NUL in dn", LIT("{\"dn\":\"x\\u0000\",\"uuid\":\"y\",\"attrs\":{}}"),
	    "bad JSON" },
	{ "raw NUL byte", LIT("{\"dn\":\"x\0\",\"uuid\":\"y\",\"attrs\":{}}"),
	    "bad JSON" },
	{ "trailing garbage", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":{}}x"),
	    "bad JSON" },
	{ "two objects", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":{}}{}"),
	    "bad JSON" },
	{ "truncated", LIT("{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":{"),
	    "bad JSON" },
	{ "invalid UTF-8", LIT("{\"dn\":\"\xff\",\"uuid\":\"y\",\"attrs\":{}}"),
	    "bad JSON" },
	{ "control char near error", LIT("\x01\x02\x1b[2J"), "bad JSON" },
};

static void
test_from_json_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		const struct json_case *c = &json_cases[i];
		struct cw_entry e;
		char err[160] = "";
		/* An exact-size copy: a read past len is an ASan error. */
		char *buf = malloc(c->len ? c->len : 1);
		int rc;

		assert_non_null(buf);
		memcpy(buf, c->json, c->len);
		rc = cw_entry_from_json(buf, c->len, &e, err, sizeof(err));
		free(buf);
		if (c->err_has == NULL) {
			if (rc != 0)
				fail_msg("%s: refused: %s", c->why, err);
			cw_entry_free(&e);
			continue;
		}
		if (rc != -1)
			fail_msg("%s: accepted", c->why);
		if (e.dn != NULL || e.uuid != NULL || e.attrs != NULL ||
		    e.nattrs != 0)
			fail_msg("%s: out not cleared", c->why);
		if (strstr(err, c->err_has) == NULL)
			fail_msg("%s: err '%s' lacks '%s'", c->why, err,
			    c->err_has);
		assert_no_control_chars(err);
	}
}

/* Builds {"dn":"x","uuid":"y","attrs":{...}} with generated contents. */
static char *
json_with_attrs(size_t nattrs, size_t nvalues, size_t valuelen)
{
	size_t cap = 64 + nattrs * (16 + nvalues * (valuelen + 3));
	char *s = malloc(cap), *p = s;
	size_t i, j;

	assert_non_null(s);
	p += sprintf(p, "{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":{");
	for (i = 0; i < nattrs; i++) {
		p += sprintf(p, "%s\"a%zu\":[", i ? "," : "", i);
		for (j = 0; j < nvalues; j++) {
			if (j)
				*p++ = ',';
			*p++ = '"';
			memset(p, 'v', valuelen);
			p += valuelen;
			*p++ = '"';
		}
		*p++ = ']';
	}
	p += sprintf(p, "}}");
	assert_true((size_t)(p - s) < cap);
	return s;
}

struct bound_case {
	size_t nattrs, nvalues, valuelen;
	const char *err_has;
};

static const struct bound_case bound_cases[] = {
	{ CW_ENTRY_MAX_ATTRS, 1, 1, NULL },
	{ CW_ENTRY_MAX_ATTRS + 1, 1, 1, "attrs: more than 256 attributes" },
	{ 1, CW_ENTRY_MAX_VALUES, 1, NULL },
	{ 1, CW_ENTRY_MAX_VALUES + 1, 1, "attrs.a0: more than 1024 values" },
	{ 1, 1, CW_ENTRY_MAX_VALUE_LEN, NULL },
	{ 1, 2, CW_ENTRY_MAX_VALUE_LEN + 1,
	    "attrs.a0[0]: longer than 65536 bytes" },
	{ 3, 30, 64 * 1024, "entry: longer than" },     /* whole JSON */
};

static void
test_from_json_bounds(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bound_cases) / sizeof(bound_cases[0]); i++) {
		const struct bound_case *c = &bound_cases[i];
		char *json = json_with_attrs(c->nattrs, c->nvalues, c->valuelen);
		struct cw_entry e;
		char err[160] = "";
		int rc = cw_entry_from_json(json, strlen(json), &e, err,
		    sizeof(err));

		free(json);
		if (c->err_has == NULL) {
			if (rc != 0)
				fail_msg("#%zu refused: %s", i, err);
			if (e.nattrs != c->nattrs ||
			    e.attrs[0].nvalues != c->nvalues ||
			    strlen(e.attrs[0].values[0]) != c->valuelen)
				fail_msg("#%zu: wrong shape", i);
			cw_entry_free(&e);
			continue;
		}
		if (rc != -1 || strstr(err, c->err_has) == NULL)
			fail_msg("#%zu: rc %d err '%s'", i, rc, err);
	}
}

static void
test_from_json_bad_arguments(void **state)
{
	struct cw_entry e;
	char err[8];
	const char *ok = "{\"dn\":\"x\",\"uuid\":\"y\",\"attrs\":{}}";

	(void)state;
	assert_int_equal(cw_entry_from_json(NULL, 3, &e, err, sizeof(err)), -1);
	assert_int_equal(cw_entry_from_json(ok, strlen(ok), NULL, err,
	    sizeof(err)), -1);
	/* Small or absent error buffers are respected. */
	assert_int_equal(cw_entry_from_json("[]", 2, &e, err, sizeof(err)), -1);
	assert_true(strlen(err) < sizeof(err));
	assert_int_equal(cw_entry_from_json("[]", 2, &e, NULL, 0), -1);
	/* len, not the NUL, ends the input. */
	assert_int_equal(cw_entry_from_json(ok, strlen(ok) - 1, &e, NULL, 0),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_lookup),
		cmocka_unit_test(test_add_value_validation),
		cmocka_unit_test(test_add_value_bounds),
		cmocka_unit_test(test_incomplete_mark_round_trip),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_to_json_refuses_unstorable),
		cmocka_unit_test(test_from_json_table),
		cmocka_unit_test(test_from_json_bounds),
		cmocka_unit_test(test_from_json_bad_arguments),
	};

	return cmocka_run_group_tests_name("entry", tests, NULL, NULL);
}
