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
#include "redis_uri.h"
#include "config_file.h"

static const char minimal[] =
    "[ldap]\n"
    "uri = ldap://127.0.0.1:389/\n"
    "allow_plaintext = yes\n"
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
	assert_int_equal(c.daemon.answer_poll_us, 0);  /* off: it costs CPU */
	assert_true(c.daemon.answer_table);             /* on: it is exact */
	assert_string_equal(c.redis.key_prefix, "cw:");
	assert_int_equal(c.redis.port, 6379);
	cw_config_free(&c);
}

static void
test_redis_sentinel(void **state)
{
	static const char text[] =
	    "[daemon]\nldap_sync = no\n[redis]\n"
	    "uri = sentinels://s1,[::1]:26380,10.0.0.3:26381/cw-main\n"
	    "server_name = redis.example\nread_from = replica\n"
	    "sentinel_password_file = /spw\n";
	struct cw_sentinel_uri u;
	struct cw_config c;
	char err[256];

	(void)state;
	assert_int_equal(parse(text, &c, err, sizeof(err)), 0);
	assert_true(c.redis.sentinel);
	assert_true(c.redis.tls);
	assert_string_equal(c.redis.read_from, "replica");
	assert_int_equal(cw_sentinel_uri_parse(c.redis.uri, &u, err,
	    sizeof(err)), 0);
	assert_int_equal(u.n, 3);
	assert_string_equal(u.addr[0].host, "s1");
	assert_int_equal(u.addr[0].port, 26379);
	assert_string_equal(u.addr[1].host, "::1");
	assert_int_equal(u.addr[1].port, 26380);
	assert_string_equal(u.addr[2].host, "10.0.0.3");
	assert_int_equal(u.addr[2].port, 26381);
	assert_string_equal(u.master, "cw-main");
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
	{ "[daemon]\nldap_sync = no\nanswer_poll_us = 5000\n",
	  "answer_poll_us must be a number from 0 to 1000" },
	{ "[daemon]\nldap_sync = no\nanswer_table = fast\n",
	  "answer_table must be yes or no" },
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
	/* Plain LDAP: only with allow_plaintext, only to loopback. */
	{ "[daemon]\nldap_sync = no\n[ldap]\nuri = ldap://127.0.0.1/\n",
	  "uri ldap://127.0.0.1/: plain LDAP without TLS is refused: use "
	  "ldaps://, or starttls = yes, or allow_plaintext = yes" },
	{ "[daemon]\nldap_sync = no\n[ldap]\nuri = ldaps://a/ ldap://b/\n"
	  "allow_plaintext = yes\n", "only ever allowed to a loopback" },
	{ "[daemon]\nldap_sync = no\n[ldap]\nuri = ldap://127.0.0.1.evil/\n"
	  "allow_plaintext = yes\n", "plain LDAP without TLS is refused" },
	{ "[daemon]\nldap_sync = no\n[ldap]\nuri = http://x/\n",
	  "not ldaps://, ldap:// or ldapi://" },
	/* Redis TLS, uri and users. */
	{ "[daemon]\nldap_sync = no\n[redis]\nuri = http://x\n",
	  "uri: must start with redis://, rediss://, sentinel:// or "
	  "sentinels://" },
	/* Sentinel and replica reads. */
	{ "[daemon]\nldap_sync = no\n[redis]\nuri = sentinel://a,b\n",
	  "sentinel://HOST[:PORT],.../MASTERNAME" },
	{ "[daemon]\nldap_sync = no\n[redis]\nuri = sentinel://a,,b/m\n",
	  "sentinel 2: bad host" },
	{ "[daemon]\nldap_sync = no\n[redis]\nuri = sentinel://a,/m\n",
	  "a ',' with no sentinel after it" },
	{ "[daemon]\nldap_sync = no\n[redis]\nuri = sentinel://a:x/m\n",
	  "sentinel 1: bad port" },
	{ "[daemon]\nldap_sync = no\n[redis]\nuri = sentinel://a/m m\n",
	  "the master name after '/' must be" },
	{ "[daemon]\nldap_sync = no\n[redis]\nuri = sentinels://a/m\n",
	  "TLS to sentinels or replicas needs server_name" },
	{ "[daemon]\nldap_sync = no\n[redis]\nread_from = replica\n",
	  "replica needs a sentinel:// uri" },
	{ "[daemon]\nldap_sync = no\n[redis]\nread_from = nearest\n",
	  "read_from is master or replica" },
	{ "[daemon]\nldap_sync = no\n[redis]\nread_uri = rediss://r\n",
	  "rediss:// exactly when [redis] uses TLS" },
	{ "[daemon]\nldap_sync = no\n[redis]\n"
	  "sentinel_password_file = /pw\n", "needs a sentinel:// uri" },
	{ "[daemon]\nldap_sync = no\n[redis]\nuri = redis://u:pw@x\n",
	  "no user, password" },
	{ "[daemon]\nldap_sync = no\n[redis]\nuri = redis://x:0\n",
	  "bad port" },
	{ "[daemon]\nldap_sync = no\n[redis]\nuri = rediss://[::1\n",
	  "bad [address]" },
	{ "[daemon]\nldap_sync = no\n[redis]\nuri = redis://x\n"
	  "socket = /run/r.sock\n", "uri and socket exclude each other" },
	{ "[daemon]\nldap_sync = no\n[redis]\ntls = yes\n"
	  "socket = /run/r.sock\n", "tls is for host:port" },
	{ "[daemon]\nldap_sync = no\n[redis]\ntls = yes\n"
	  "cert_file = /c.pem\n", "cert_file and key_file go together" },
	{ "[daemon]\nldap_sync = no\n[redis]\nca_file = /ca.pem\n",
	  "need tls = yes" },
	{ "[daemon]\nldap_sync = no\n[redis]\nuser = host1\n",
	  "user needs password_file" },
};

static void
test_redis_uri_and_ldap_tls(void **state)
{
	static const char text[] =
	    "[ldap]\nuri = ldapi:///  ldaps://x/ ldap://[::1]:389/ "
	    "ldap://localhost\nallow_plaintext = yes\n"
	    "[daemon]\nldap_sync = no\n"
	    "[redis]\nuri = rediss://[::1]:6390\nca_file = /ca.pem\n"
	    "user = host1\npassword_file = /pw\n";
	static const char starttls[] =
	    "[ldap]\nuri = ldap://ldap.example/\nstarttls = yes\n"
	    "[daemon]\nldap_sync = no\n[redis]\nuri = redis://r.example\n";
	struct cw_config c;
	char err[256];

	(void)state;
	assert_int_equal(parse(text, &c, err, sizeof(err)), 0);
	assert_true(c.redis.tls);
	assert_string_equal(c.redis.host, "::1");
	assert_int_equal(c.redis.port, 6390);
	assert_string_equal(c.redis.user, "host1");
	cw_config_free(&c);
	assert_int_equal(parse(starttls, &c, err, sizeof(err)), 0);
	assert_false(c.redis.tls);
	assert_string_equal(c.redis.host, "r.example");
	assert_int_equal(c.redis.port, 6379);
	cw_config_free(&c);
}

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

/* [daemon] role and the staleness keys (issue 14). */
static void
test_roles(void **state)
{
	static const struct { const char *text, *expect; } bad[] = {
	    { "[daemon]\nrole = leaf\n", "role must be both, host or central" },
	    { "[daemon]\nrole = host\nldap_sync = yes\n",
	      "[daemon] ldap_sync = yes: a daemon with role = host" },
	    { "[daemon]\nrole = host\nrevocation_workers = 2\n",
	      "[daemon] revocation_workers > 0" },
	    { "[daemon]\nrole = host\nrevoke_leavers = yes\n",
	      "[daemon] revoke_leavers = yes" },
	    { "[daemon]\nrole = host\n[audit]\nwriter = yes\n",
	      "[audit] writer = yes" },
	    { "[daemon]\nrole = host\noffline_grace = 3\n",
	      "offline_grace must be a duration" },
	    { "[daemon]\nadmin_max_staleness = 0s\n",
	      "admin_max_staleness must be a duration" },
	    { "[daemon]\noffline_grace = 400d\n", "up to 366d" },
	    /* Without role = host, a daemon still needs its directory. */
	    { "[daemon]\nrole = central\n", "ldap_sync needs [ldap] uri" },
	};
	struct cw_config c;
	char err[256];
	size_t i;

	(void)state;
	/* A host needs no [ldap] keys: what it does not run is off. */
	assert_int_equal(parse("[daemon]\nrole = host\noffline_grace = 3s\n"
	    "admin_max_staleness = 1h30m\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.daemon.role, CW_ROLE_HOST);
	assert_false(c.daemon.ldap_sync);
	assert_int_equal(c.daemon.revocation_workers, 0);
	assert_false(c.daemon.revoke_leavers);
	assert_int_equal(c.daemon.offline_grace_s, 3);
	assert_int_equal(c.daemon.admin_max_staleness_s, 5400);
	assert_string_equal(cw_role_name(c.daemon.role), "host");
	cw_config_free(&c);
	/* Saying "no" to what a host never does is fine. */
	assert_int_equal(parse("[daemon]\nrole = host\nldap_sync = no\n"
	    "revocation_workers = 0\nrevoke_leavers = no\n", &c, err,
	    sizeof(err)), 0);
	cw_config_free(&c);
	/* The default: both, today's behaviour; grace one working day. */
	assert_int_equal(parse(minimal, &c, err, sizeof(err)), 0);
	assert_int_equal(c.daemon.role, CW_ROLE_BOTH);
	assert_true(c.daemon.ldap_sync);
	assert_int_equal(c.daemon.revocation_workers, 1);
	assert_int_equal(c.daemon.offline_grace_s, 0);
	assert_int_equal(c.daemon.admin_max_staleness_s, 300);
	cw_config_free(&c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse(bad[i].text, &c, err, sizeof(err)) != -1)
			fail_msg("case %zu parsed: %s", i, bad[i].text);
		if (strstr(err, bad[i].expect) == NULL)
			fail_msg("case %zu: error '%s' lacks '%s'", i, err,
			    bad[i].expect);
		cw_config_free(&c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_and_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_redis_uri_and_ldap_tls),
		cmocka_unit_test(test_redis_sentinel),
		cmocka_unit_test(test_long_line_and_nul),
		cmocka_unit_test(test_load_permissions),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_roles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
