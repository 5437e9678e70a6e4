/* SPDX-License-Identifier: MIT */
/*
 * test_config.c - the configuration parser and the secret-file reader:
 * every malformed input is an error naming what was wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "config_file.h"

static const char minimal[] =
    "[ldap]\n"
    "uri = ldap://127.0.0.1:389/\n"
    "staff_base = ou=people,dc=x\n"
    "hostclass_base = ou=hostclasses,dc=x\n"
    "role_base = ou=roles,dc=x\n";

static int
parse(const char *text, struct cw_config *c, char *err, size_t errlen)
{
	assert_int_equal(cw_config_defaults(c), 0);
	return cw_config_parse(text, strlen(text), c, err, errlen);
}

static void
test_minimal_and_defaults(void **state)
{
	struct cw_config c;
	char err[256];

	(void)state;
	assert_int_equal(parse(minimal, &c, err, sizeof(err)), 0);
	assert_string_equal(c.ldap.uri, "ldap://127.0.0.1:389/");
	assert_int_equal(c.policy.training_validity_days, 365);
	assert_int_equal(c.audit.retention_days, 183);
	assert_true(c.daemon.ldap_sync);
	assert_string_equal(c.redis.key_prefix, "cw:");
	assert_int_equal(c.redis.port, 6379);
	cw_config_free(&c);
}

static void
test_full(void **state)
{
	static const char text[] =
	    "# comment\r\n"
	    "; another\n"
	    "[ldap]\n"
	    "uri = ldaps://a/ ldaps://b/\n"
	    "staff_base = ou=people,dc=x\n"
	    "hostclass_base = ou=hc,dc=x\n"
	    "role_base = ou=roles,dc=x\n"
	    "bind_dn = cn=cw,dc=x\n"
	    "bind_password_file = /etc/clearway/ldap.pw\n"
	    "ca_file = /etc/clearway/ca.pem\n"
	    "starttls = no\n"
	    "timeout_ms = 3000\r\n"
	    "  [redis]  \n"
	    "host = redis.example\n"
	    "port = 6380\n"
	    "timeout_ms = 500\n"
	    "key_prefix = cw2:\n"
	    "[policy]\n"
	    "training_validity_days = 180\n"
	    "exempt_users = backup, nagios svc_x\n"
	    "breakglass_users =\n"
	    "[audit]\n"
	    "retention_days = 400\n"
	    "[daemon]\n"
	    "socket = /run/cw/s.sock\n"
	    "ldap_sync = yes\n"
	    "client_timeout_ms = 250\n"
	    "host_class = payments-db\n"
	    "max_clients = 10\n";
	struct cw_config c;
	char err[256];

	(void)state;
	assert_int_equal(parse(text, &c, err, sizeof(err)), 0);
	assert_string_equal(c.ldap.uri, "ldaps://a/ ldaps://b/");
	assert_int_equal(c.ldap.timeout_ms, 3000);
	assert_int_equal(c.redis.port, 6380);
	assert_int_equal(c.policy.training_validity_days, 180);
	assert_int_equal(c.policy.exempt_users.count, 3);
	assert_true(cw_name_list_contains(&c.policy.exempt_users, "svc_x"));
	assert_int_equal(c.policy.breakglass_users.count, 0);
	assert_int_equal(c.audit.retention_days, 400);
	assert_int_equal(c.daemon.max_clients, 10);
	assert_string_equal(c.daemon.host_class, "payments-db");
	cw_config_free(&c);
}

struct bad_case {
	const char *text;
	const char *expect;     /* substring of the error */
};

static const struct bad_case bad_cases[] = {
	{ "[nosuch]\n", "line 1: unknown section [nosuch]" },
	{ "[ldap]\nurl = x\n", "line 2: unknown key \"url\" in [ldap]" },
	{ "uri = x\n", "line 1: key \"uri\" outside any section" },
	{ "[ldap\n", "malformed section header" },
	{ "[ldap]\njust words\n", "line 2: expected key = value" },
	{ "[daemon]\nldap_sync = no\nldap_sync = no\n", "set twice" },
	{ "[daemon]\nldap_sync = perhaps\n", "ldap_sync must be yes or no" },
	{ "[daemon]\nldap_sync = no\nmax_clients = 0\n",
	  "max_clients must be a number from 1 to 4096" },
	{ "[daemon]\nldap_sync = no\nmax_clients = 12abc\n", "max_clients" },
	{ "[daemon]\nldap_sync = no\nmax_clients = -5\n", "max_clients" },
	{ "[daemon]\nldap_sync = no\nmax_clients = 99999999999999999999\n",
	  "max_clients" },
	{ "[daemon]\nldap_sync = no\n[audit]\nretention_days = 30\n",
	  "retention_days must be a number from 183" },
	{ "[daemon]\nldap_sync = no\nsocket = relative/path\n",
	  "socket must be an absolute path" },
	{ "[daemon]\nldap_sync = no\nhost_class = ../etc\n",
	  "host_class must be a name" },
	{ "[daemon]\nldap_sync = no\nhost_class = a b\n",
	  "host_class must be a name" },
	{ "[daemon]\nldap_sync = no\n[ldap]\nuri =\n", "uri has no value" },
	{ "[daemon]\nldap_sync = no\n[policy]\nexempt_users = ok, bad\x01name\n",
	  "line 4" },
	{ "[daemon]\nldap_sync = no\n[policy]\nbreakglass_users = ../root\n",
	  "line 4" },
	{ "[daemon]\nldap_sync = yes\n", "ldap_sync needs [ldap] uri" },
	{ "[daemon]\nldap_sync = no\n[ldap]\nbind_dn = cn=x\n",
	  "bind_dn needs bind_password_file" },
};

static void
test_bad(void **state)
{
	struct cw_config c;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		err[0] = '\0';
		if (parse(bad_cases[i].text, &c, err, sizeof(err)) != -1)
			fail_msg("case %zu parsed: %s", i, bad_cases[i].text);
		if (strstr(err, bad_cases[i].expect) == NULL)
			fail_msg("case %zu: error '%s' lacks '%s'", i, err,
			    bad_cases[i].expect);
		cw_config_free(&c);
	}
}

static void
test_long_line_and_nul(void **state)
{
	struct cw_config c;
	char err[256], *text;
	size_t n = CW_CONFIG_MAX_LINE + 100;
	static const char nul[] = "[daemon]\nldap_sync = no\0\n";

	(void)state;
	/* The tail of an over-long line must never be read as a key. */
	text = malloc(n + 64);
	assert_non_null(text);
	strcpy(text, "[policy]\nexempt_users = ");
	memset(text + strlen(text), 'a', n);
	strcpy(text + strlen("[policy]\nexempt_users = ") + n, ",x=y\n");
	assert_int_equal(parse(text, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 2: longer than"));
	cw_config_free(&c);
	free(text);

	assert_int_equal(cw_config_defaults(&c), 0);
	assert_int_equal(cw_config_parse(nul, sizeof(nul) - 1, &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	cw_config_free(&c);
}

/* Writes text to a fresh file with the given mode; returns its path. */
static char *
temp_file(const char *text, mode_t mode)
{
	char *path = strdup("/tmp/cw-test-config.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void
test_load_permissions(void **state)
{
	struct cw_config c;
	char err[512], *path;

	(void)state;
	if (geteuid() != 0)
		skip();         /* ownership checks need root to set up */
	path = temp_file(minimal, 0644);
	assert_int_equal(cw_config_load(path, &c, err, sizeof(err)), 0);
	cw_config_free(&c);

	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(cw_config_load(path, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too open"));

	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(cw_config_load(path, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "must be owned by root"));
	unlink(path);
	free(path);

	assert_int_equal(cw_config_load("/nonexistent/cw.conf", &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/cw.conf"));
	assert_int_equal(cw_config_load("/tmp", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static void
test_secret(void **state)
{
	char buf[32], err[512], *path;

	(void)state;
	if (geteuid() != 0)
		skip();
	path = temp_file("s3cret\n", 0600);
	assert_int_equal(cw_secret_read(path, buf, sizeof(buf), err,
	    sizeof(err)), 6);
	assert_string_equal(buf, "s3cret");

	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(cw_secret_read(path, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "too open"));
	unlink(path);
	free(path);

	path = temp_file("this secret is far too long for the buffer\n", 0400);
	assert_int_equal(cw_secret_read(path, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
	unlink(path);
	free(path);

	path = temp_file("two\nlines\n", 0400);
	assert_int_equal(cw_secret_read(path, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "single line"));
	unlink(path);
	free(path);

	path = temp_file("", 0400);
	assert_int_equal(cw_secret_read(path, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	unlink(path);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_and_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_long_line_and_nul),
		cmocka_unit_test(test_load_permissions),
		cmocka_unit_test(test_secret),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
