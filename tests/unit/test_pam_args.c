/* SPDX-License-Identifier: MIT */
/*
 * test_pam_args.c - the module argument parser (pam_module/pam_args.c).
 *
 * Table-driven: each row is an argument line as an admin might write it
 * in /etc/pam.d, and what must come of it.  Every way of getting it wrong
 * must be an error, never a silent default.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pam_args.h"
#include "paths.h"

#define MAX_ARGS 8

struct args_case {
	const char *name;
	const char *argv[MAX_ARGS];     /* NULL-terminated */
	int rc;
	/* Expected on success. */
	const char *host_class;
	enum cw_mode mode;
	const char *config;             /* NULL: the default */
	enum cw_pam_subject subject;
	bool debug;
	/* Expected on error: a substring of the message. */
	const char *err;
};

static const struct args_case cases[] = {
	{ "host class alone, all defaults", { "host_class=sc-hosts" }, 0,
	  "sc-hosts", CW_MODE_LOGIN, NULL, CW_SUBJECT_USER, false, NULL },
	{ "every argument", { "host_class=payments-db", "mode=admin",
	  "config=/etc/cw/c.conf", "subject=ruser", "debug" }, 0,
	  "payments-db", CW_MODE_ADMIN, "/etc/cw/c.conf", CW_SUBJECT_RUSER,
	  true, NULL },
	{ "order does not matter", { "debug", "subject=user", "mode=login",
	  "host_class=a.b_c-1" }, 0, "a.b_c-1", CW_MODE_LOGIN, NULL,
	  CW_SUBJECT_USER, true, NULL },
	{ "longest host class",
	  { "host_class=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
	  0, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  CW_MODE_LOGIN, NULL, CW_SUBJECT_USER, false, NULL },

	/* No host_class=: the configuration's [daemon] host_class decides
	 * (pam_clearway.c denies when that is unset too). */
	{ "no arguments", { NULL }, 0, "", CW_MODE_LOGIN, NULL,
	  CW_SUBJECT_USER, false, NULL },
	{ "no host class", { "mode=admin", "debug" }, 0, "", CW_MODE_ADMIN,
	  NULL, CW_SUBJECT_USER, true, NULL },

	{ "unknown argument", { "host_class=x", "foo" }, -1,
	  .err = "unknown argument 'foo'" },
	{ "misspelt argument", { "hostclass=x" }, -1,
	  .err = "unknown argument 'hostclass=x'" },
	{ "names are case-sensitive", { "HOST_CLASS=x" }, -1,
	  .err = "unknown argument" },
	{ "prefix of a name", { "host_class=x", "mod=admin" }, -1,
	  .err = "unknown argument 'mod=admin'" },
	{ "longer than a name", { "host_class=x", "modes=admin" }, -1,
	  .err = "unknown argument 'modes=admin'" },
	{ "empty argument", { "host_class=x", "" }, -1,
	  .err = "unknown argument ''" },
	{ "value without a name", { "host_class=x", "=admin" }, -1,
	  .err = "unknown argument '=admin'" },
	{ "control bytes are not echoed", { "host_class=x", "fo\x1b[2Jo\n" },
	  -1, .err = "unknown argument 'fo?[2Jo?'" },
	{ "high bytes are not echoed", { "host_class=x", "d\xc3\xa9" }, -1,
	  .err = "unknown argument 'd?" "?'" },
	{ "an option from another module", { "host_class=x", "use_first_pass" },
	  -1, .err = "unknown argument 'use_first_pass'" },

	{ "host class twice", { "host_class=a", "host_class=b" }, -1,
	  .err = "host_class: given more than once" },
	{ "same host class twice", { "host_class=a", "host_class=a" }, -1,
	  .err = "host_class: given more than once" },
	{ "mode twice", { "host_class=a", "mode=admin", "mode=login" }, -1,
	  .err = "mode: given more than once" },
	{ "config twice", { "host_class=a", "config=/a", "config=/a" }, -1,
	  .err = "config: given more than once" },
	{ "subject twice", { "host_class=a", "subject=ruser", "subject=user" },
	  -1, .err = "subject: given more than once" },
	{ "debug twice", { "host_class=a", "debug", "debug" }, -1,
	  .err = "debug: given more than once" },

	{ "host class without value", { "host_class" }, -1,
	  .err = "host_class: needs a value" },
	{ "empty host class", { "host_class=" }, -1,
	  .err = "host_class: not a valid" },
	{ "host class with a slash", { "host_class=../x" }, -1,
	  .err = "host_class: not a valid" },
	{ "host class with a space", { "host_class=a b" }, -1,
	  .err = "host_class: not a valid" },
	{ "host class with '='", { "host_class=a=b" }, -1,
	  .err = "host_class: not a valid" },
	{ "host class too long",
	  { "host_class=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
	  -1, .err = "host_class: not a valid" },
	{ "host class with a newline", { "host_class=a\nb" }, -1,
	  .err = "host_class: not a valid" },

	{ "mode without value", { "host_class=a", "mode" }, -1,
	  .err = "mode: needs a value" },
	{ "empty mode", { "host_class=a", "mode=" }, -1,
	  .err = "mode: must be login or admin" },
	{ "mode in capitals", { "host_class=a", "mode=Admin" }, -1,
	  .err = "mode: must be login or admin" },
	{ "mode with trailing space", { "host_class=a", "mode=admin " }, -1,
	  .err = "mode: must be login or admin" },
	{ "unknown mode", { "host_class=a", "mode=root" }, -1,
	  .err = "mode: must be login or admin" },

	{ "config without value", { "host_class=a", "config" }, -1,
	  .err = "config: needs a value" },
	{ "empty config", { "host_class=a", "config=" }, -1,
	  .err = "config: must be an absolute path" },
	{ "relative config", { "host_class=a", "config=etc/c.conf" }, -1,
	  .err = "config: must be an absolute path" },
	{ "config with a space", { "host_class=a", "config=/etc/c .conf" }, -1,
	  .err = "config: must be an absolute path" },
	{ "config with a control byte", { "host_class=a", "config=/etc/\x01" },
	  -1, .err = "config: must be an absolute path" },

	{ "subject without value", { "host_class=a", "subject" }, -1,
	  .err = "subject: needs a value" },
	{ "empty subject", { "host_class=a", "subject=" }, -1,
	  .err = "subject: must be user or ruser" },
	{ "unknown subject", { "host_class=a", "subject=target" }, -1,
	  .err = "subject: must be user or ruser" },

	{ "debug with a value", { "host_class=a", "debug=1" }, -1,
	  .err = "debug: takes no value" },
	{ "debug with an empty value", { "host_class=a", "debug=" }, -1,
	  .err = "debug: takes no value" },
};

static int
count_args(const char *const *argv)
{
	int n = 0;

	while (n < MAX_ARGS && argv[n] != NULL)
		n++;
	return n;
}

/* Nothing outside printable ASCII may reach a log line through err. */
static void
assert_printable(const char *s)
{
	for (; *s != '\0'; s++)
		assert_true((unsigned char)*s >= 0x20 &&
		    (unsigned char)*s < 0x7f);
}

static void
check_case(const struct args_case *tc)
{
	struct cw_pam_args a;
	char err[256];
	int rc;

	print_message("case: %s\n", tc->name);
	memset(&a, 0xa5, sizeof(a));
	memset(err, 'x', sizeof(err));
	rc = cw_pam_args_parse(count_args(tc->argv), (const char **)tc->argv,
	    &a, err, sizeof(err));
	assert_int_equal(rc, tc->rc);
	assert_printable(err);
	if (rc < 0) {
		assert_non_null(strstr(err, tc->err));
		/* A failed parse leaves nothing a careless caller could use. */
		assert_string_equal(a.host_class, "");
		return;
	}
	assert_string_equal(err, "");
	assert_string_equal(a.host_class, tc->host_class);
	assert_int_equal(a.mode, tc->mode);
	assert_string_equal(a.config,
	    tc->config != NULL ? tc->config : CW_DEFAULT_CONFIG);
	assert_int_equal(a.subject, tc->subject);
	assert_int_equal(a.debug, tc->debug);
}

static void
test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

/* "prefix" followed by n bytes of fill, NUL-terminated, malloc'd. */
static char *
make_long_arg(const char *prefix, char fill, size_t n)
{
	size_t plen = strlen(prefix);
	char *s = malloc(plen + n + 1);

	assert_non_null(s);
	memcpy(s, prefix, plen);
	memset(s + plen, fill, n);
	s[plen + n] = '\0';
	return s;
}

/* A 10 KB argument of each kind: refused, with a short message. */
static void
test_ten_kilobyte_arguments(void **state)
{
	static const char *const prefixes[] = {
		"host_class=", "mode=", "config=/", "subject=", "debug=", "x",
	};
	struct cw_pam_args a;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		char *big = make_long_arg(prefixes[i], 'a', 10 * 1024);
		const char *argv[] = { "host_class=ok", big };
		int first = strcmp(prefixes[i], "host_class=") == 0;

		print_message("10 KB argument starting %s\n", prefixes[i]);
		/* A 10 KB host_class goes alone, else it would be a repeat. */
		assert_int_equal(cw_pam_args_parse(first ? 1 : 2,
		    first ? argv + 1 : argv, &a, err, sizeof(err)), -1);
		assert_true(strlen(err) < 120);
		assert_printable(err);
		free(big);
	}
}

static void
test_ten_kilobyte_unknown_is_quoted_short(void **state)
{
	char *big = make_long_arg("", 'z', 10 * 1024);
	const char *argv[] = { "host_class=ok", big };
	struct cw_pam_args a;
	char err[256];

	(void)state;
	assert_int_equal(cw_pam_args_parse(2, argv, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown argument 'zzzz"));
	assert_non_null(strstr(err, "...'"));
	free(big);
}

static void
test_longest_config_path(void **state)
{
	char *path = make_long_arg("config=/", 'c', CW_PAM_CONFIG_PATH_MAX - 1);
	char *over = make_long_arg("config=/", 'c', CW_PAM_CONFIG_PATH_MAX);
	const char *argv[] = { "host_class=ok", path };
	struct cw_pam_args a;
	char err[256];

	(void)state;
	assert_int_equal(cw_pam_args_parse(2, argv, &a, err, sizeof(err)), 0);
	assert_int_equal(strlen(a.config), CW_PAM_CONFIG_PATH_MAX);
	argv[1] = over;
	assert_int_equal(cw_pam_args_parse(2, argv, &a, err, sizeof(err)), -1);
	free(path);
	free(over);
}

/* What libpam never hands us, but a bad caller might. */
static void
test_bad_vectors(void **state)
{
	const char *with_null[] = { "host_class=ok", NULL };
	struct cw_pam_args a;
	char err[256];

	(void)state;
	assert_int_equal(cw_pam_args_parse(1, NULL, &a, err, sizeof(err)), -1);
	assert_int_equal(cw_pam_args_parse(-1, with_null, &a, err,
	    sizeof(err)), -1);
	assert_int_equal(cw_pam_args_parse(2, with_null, &a, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "argument 2 is missing"));
	/* No arguments at all is a vector: the configuration names the host
	 * class (pam_clearway.c denies when it does not). */
	assert_int_equal(cw_pam_args_parse(0, NULL, &a, err, sizeof(err)), 0);
	assert_string_equal(a.host_class, "");
}

/* A small or absent message buffer truncates, never overflows. */
static void
test_small_error_buffer(void **state)
{
	const char *argv[] = { "host_class=ok", "nonsense-argument" };
	struct cw_pam_args a;
	char err[8];

	(void)state;
	assert_int_equal(cw_pam_args_parse(2, argv, &a, err, sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(cw_pam_args_parse(2, argv, &a, NULL, 0), -1);
	assert_int_equal(cw_pam_args_parse(1, argv, &a, NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_ten_kilobyte_arguments),
		cmocka_unit_test(test_ten_kilobyte_unknown_is_quoted_short),
		cmocka_unit_test(test_longest_config_path),
		cmocka_unit_test(test_bad_vectors),
		cmocka_unit_test(test_small_error_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
