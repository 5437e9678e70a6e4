/* SPDX-License-Identifier: MIT */
/*
 * test_names.c - login names, host class and role names, and name lists.
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

#include "names.h"

#define LIT(s) s, sizeof(s) - 1

#define NAME64 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab"
#define NAME65 NAME64 "c"

struct name_case {
	const char *s;
	size_t len;
	bool user_ok;
	bool object_ok;
};

static const struct name_case name_cases[] = {
	{ LIT("alice"), true, true },
	{ LIT("a"), true, true },
	{ LIT("Z"), true, true },
	{ LIT("7"), true, true },
	{ LIT("alice.smith"), true, true },
	{ LIT("alice_smith"), true, true },
	{ LIT("alice-smith"), true, true },
	{ LIT("payments-db"), true, true },
	{ LIT("svc_backup01"), true, true },
	{ LIT("alice@example.org"), true, false },
	{ LIT(NAME64), true, true },
	/* A user name may not start like an option or a hidden file. */
	{ LIT("-alice"), false, true },
	{ LIT(".alice"), false, true },
	{ LIT("-"), false, true },
	{ LIT("."), false, true },
	{ LIT("alice-"), true, true },
	{ LIT("alice."), true, true },
	/* Hostile for both. */
	{ LIT(""), false, false },
	{ LIT(NAME65), false, false },
	{ LIT("al ice"), false, false },
	{ LIT(" alice"), false, false },
	{ LIT("alice "), false, false },
	{ LIT("al/ice"), false, false },
	{ LIT("../etc/passwd"), false, false },
	{ LIT("/"), false, false },
	{ LIT("al\\ice"), false, false },
	{ LIT("al\nice"), false, false },
	{ LIT("alice\n"), false, false },
	{ LIT("alice\r"), false, false },
	{ LIT("al\tice"), false, false },
	{ LIT("al\033[31mice"), false, false },
	{ LIT("al\x7f" "ice"), false, false },
	{ LIT("alice\0root"), false, false },
	{ LIT("\0"), false, false },
	{ LIT("al\xc3\xad" "ce"), false, false },
	{ LIT("\xff"), false, false },
	{ LIT("alice,bob"), false, false },
	{ LIT("alice;id"), false, false },
	{ LIT("$(id)"), false, false },
	{ LIT("`id`"), false, false },
	{ LIT("al:ice"), false, false },
	{ LIT("al*"), false, false },
	{ LIT("al%s"), false, false },
	{ LIT("~root"), false, false },
	{ LIT("al'ice"), false, false },
	{ LIT("al\"ice"), false, false },
	{ LIT("al+ice"), false, false },
	{ LIT("al=ice"), false, false },
};

static void
test_name_validity(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];

		if (cw_user_name_valid(c->s, c->len) != c->user_ok)
			fail_msg("user name #%zu '%s': want %d", i, c->s,
			    c->user_ok);
		if (cw_object_name_valid(c->s, c->len) != c->object_ok)
			fail_msg("object name #%zu '%s': want %d", i, c->s,
			    c->object_ok);
	}
}

/* The length is what is checked, not the NUL: no read past len. */
static void
test_name_len_is_exact(void **state)
{
	(void)state;
	assert_true(cw_user_name_valid("alice/evil", 5));
	assert_false(cw_user_name_valid("alice/evil", 6));
	assert_true(cw_object_name_valid("ops bad", 3));
	assert_false(cw_user_name_valid(NULL, 5));
	assert_false(cw_object_name_valid(NULL, 5));
	assert_false(cw_user_name_valid("alice", 0));
}

static void
test_name_hostile_10k(void **state)
{
	size_t len = 10 * 1024;
	char *s = malloc(len);

	(void)state;
	assert_non_null(s);
	memset(s, 'a', len);
	assert_false(cw_user_name_valid(s, len));
	assert_false(cw_object_name_valid(s, len));
	assert_true(cw_user_name_valid(s, CW_USER_MAX));
	assert_false(cw_user_name_valid(s, CW_USER_MAX + 1));
	assert_true(cw_object_name_valid(s, CW_NAME_MAX));
	assert_false(cw_object_name_valid(s, CW_NAME_MAX + 1));
	free(s);
}

/* Every single byte, as the only byte of a name. */
static void
test_name_every_byte(void **state)
{
	unsigned c;

	(void)state;
	for (c = 0; c < 256; c++) {
		char s[1] = { (char)c };
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');
		bool user = alnum || c == '_' || c == '@';
		bool object = alnum || c == '_' || c == '-' || c == '.';

		if (cw_user_name_valid(s, 1) != user)
			fail_msg("user byte 0x%02x", c);
		if (cw_object_name_valid(s, 1) != object)
			fail_msg("object byte 0x%02x", c);
	}
}

struct list_case {
	const char *in;
	bool user;              /* validate as user names, else objects */
	int rc;
	const char *want[4];    /* NULL-terminated expected names */
	const char *err_has;    /* on failure, a substring of err */
};

static const struct list_case list_cases[] = {
	{ "alice,bob", true, 0, { "alice", "bob" }, NULL },
	{ "alice bob", true, 0, { "alice", "bob" }, NULL },
	{ "alice, bob", true, 0, { "alice", "bob" }, NULL },
	{ "alice\tbob", true, 0, { "alice", "bob" }, NULL },
	{ "  alice  ", true, 0, { "alice" }, NULL },
	{ "alice,,bob,", true, 0, { "alice", "bob" }, NULL },
	{ "", true, 0, { NULL }, NULL },
	{ " , ,\t", true, 0, { NULL }, NULL },
	{ "ops,dba", false, 0, { "ops", "dba" }, NULL },
	{ "a@b.c", true, 0, { "a@b.c" }, NULL },
	{ "a@b.c", false, -1, { NULL }, "'a@b.c'" },
	{ "alice,b/ob", true, -1, { NULL }, "'b/ob'" },
	{ "alice,-bob", true, -1, { NULL }, "'-bob'" },
	{ "alice;bob", true, -1, { NULL }, "'alice;bob'" },
	{ "a\001b", true, -1, { NULL }, "'a?b'" },
	{ "a\nb", true, -1, { NULL }, "'a?b'" },
	{ "alice," NAME65, true, -1, { NULL }, "..." },
};

static void
test_name_list_parse(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
		const struct list_case *c = &list_cases[i];
		struct cw_name_list l = { (char **)&l, 99 };    /* garbage */
		char err[128] = "untouched";
		int rc = cw_name_list_parse(c->in, c->user ?
		    cw_user_name_valid : cw_object_name_valid, &l, err,
		    sizeof(err));

		if (rc != c->rc)
			fail_msg("#%zu '%s': rc %d (%s)", i, c->in, rc, err);
		if (rc != 0) {
			if (l.names != NULL || l.count != 0)
				fail_msg("#%zu: out not cleared", i);
			if (strstr(err, c->err_has) == NULL)
				fail_msg("#%zu: err '%s' lacks '%s'", i, err,
				    c->err_has);
			/* No raw control characters ever reach a message. */
			for (j = 0; err[j] != '\0'; j++)
				if ((unsigned char)err[j] < 0x20)
					fail_msg("#%zu: control char in err", i);
			continue;
		}
		for (j = 0; c->want[j] != NULL; j++) {
			if (j >= l.count || strcmp(l.names[j], c->want[j]) != 0)
				fail_msg("#%zu: name %zu", i, j);
			assert_true(cw_name_list_contains(&l, c->want[j]));
		}
		if (l.count != j)
			fail_msg("#%zu: count %zu, want %zu", i, l.count, j);
		cw_name_list_free(&l);
	}
}

static void
test_name_list_contains(void **state)
{
	struct cw_name_list l, empty = { NULL, 0 };
	char err[64];

	(void)state;
	assert_int_equal(cw_name_list_parse("alice,Bob", cw_user_name_valid, &l,
	    err, sizeof(err)), 0);
	assert_true(cw_name_list_contains(&l, "alice"));
	assert_true(cw_name_list_contains(&l, "Bob"));
	/* Exact: a case-folded name is somebody else. */
	assert_false(cw_name_list_contains(&l, "Alice"));
	assert_false(cw_name_list_contains(&l, "bob"));
	assert_false(cw_name_list_contains(&l, "alic"));
	assert_false(cw_name_list_contains(&l, "alicex"));
	assert_false(cw_name_list_contains(&l, ""));
	assert_false(cw_name_list_contains(&l, NULL));
	assert_false(cw_name_list_contains(NULL, "alice"));
	assert_false(cw_name_list_contains(&empty, "alice"));
	cw_name_list_free(&l);
	assert_null(l.names);
	assert_int_equal(l.count, 0);
	cw_name_list_free(&l);          /* twice is harmless */
	cw_name_list_free(NULL);
}

static void
test_name_list_bad_arguments(void **state)
{
	struct cw_name_list l;
	char err[64];

	(void)state;
	assert_int_equal(cw_name_list_parse(NULL, cw_user_name_valid, &l, err,
	    sizeof(err)), -1);
	assert_int_equal(cw_name_list_parse("a", NULL, &l, err, sizeof(err)),
	    -1);
	assert_int_equal(cw_name_list_parse("a", cw_user_name_valid, NULL, err,
	    sizeof(err)), -1);
	/* No error buffer: still refused, nothing written. */
	assert_int_equal(cw_name_list_parse("a/b", cw_user_name_valid, &l, NULL,
	    0), -1);
	/* A tiny error buffer is never overrun. */
	assert_int_equal(cw_name_list_parse("a/b", cw_user_name_valid, &l, err,
	    4), -1);
	assert_int_equal(strlen(err), 3);
}

static void
test_name_list_many(void **state)
{
	size_t n = 5000, i;
	char *s = malloc(n * 8 + 1), *p = s;
	struct cw_name_list l;
	char err[64];

	(void)state;
	assert_non_null(s);
	for (i = 0; i < n; i++)
		p += sprintf(p, "u%05zu,", i);
	assert_int_equal(cw_name_list_parse(s, cw_user_name_valid, &l, err,
	    sizeof(err)), 0);
	assert_int_equal(l.count, n);
	assert_true(cw_name_list_contains(&l, "u04999"));
	cw_name_list_free(&l);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_validity),
		cmocka_unit_test(test_name_len_is_exact),
		cmocka_unit_test(test_name_hostile_10k),
		cmocka_unit_test(test_name_every_byte),
		cmocka_unit_test(test_name_list_parse),
		cmocka_unit_test(test_name_list_contains),
		cmocka_unit_test(test_name_list_bad_arguments),
		cmocka_unit_test(test_name_list_many),
	};

	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
