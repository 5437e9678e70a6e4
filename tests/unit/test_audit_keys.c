/* SPDX-License-Identifier: MIT */
/*
 * test_audit_keys.c - the trail's keys (trail/audit_keys.c): key files and
 * their checks, rotation of the chain's key, and the [audit] key settings.
 * Fixture: trail_fixture.c.  Most tests need root (key files).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "trail_fixture.h"
#include "config.h"

static void
test_key_rotation(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	struct cw_audit_store *st;
	char err[256], path[160];
	uint64_t seq;

	if (geteuid() != 0)
		skip();
	st = open_store(fx, "k1", noon(fx, 0));
	append_events(st, 3, noon(fx, 0));
	assert_int_equal(cw_audit_store_rotate_key(st, "k2", "root",
	    noon(fx, 0) + 10, err, sizeof(err)), 0);
	assert_string_equal(cw_audit_store_chain(st)->key_id, "k2");
	append_events(st, 3, noon(fx, 0) + 20);
	/* A key that cannot be read is refused, and nothing changes. */
	seq = cw_audit_store_chain(st)->seq;
	assert_int_equal(cw_audit_store_rotate_key(st, "k9", "root",
	    noon(fx, 0) + 30, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "k9.key"));
	assert_true(cw_audit_store_chain(st)->seq == seq);
	cw_audit_store_close(st);

	/* Reopened naming k1: an existing chain keeps its own key. */
	st = open_store(fx, "k1", noon(fx, 1));
	assert_string_equal(cw_audit_store_chain(st)->key_id, "k2");
	append_events(st, 2, noon(fx, 1));
	cw_audit_store_close(st);
	assert_intact(fx, NULL, &rep);
	assert_int_equal(rep.key_rotations, 1);

	/* Without the old key, the old records cannot be checked. */
	snprintf(path, sizeof(path), "%s/k1.key", fx->keys);
	assert_int_equal(unlink(path), 0);
	assert_problem(fx, CW_AUDIT_KEY, day_name(fx, 0), 1);
}

static void
test_config_keys(void **state)
{
	static const char text[] =
	    "[daemon]\nldap_sync = no\n"
	    "[audit]\nretention_days = 400\ndirectory = /srv/audit\n"
	    "key_dir = /srv/audit-keys\n";
	struct cw_config c;
	char err[256];

	(void)state;
	assert_int_equal(cw_config_defaults(&c), 0);
	assert_string_equal(c.audit.directory, "/var/lib/clearway/audit");
	assert_string_equal(c.audit.key_dir, "/etc/clearway/audit-keys");
	assert_int_equal(cw_config_parse(text, strlen(text), &c, err,
	    sizeof(err)), 0);
	assert_string_equal(c.audit.directory, "/srv/audit");
	assert_string_equal(c.audit.key_dir, "/srv/audit-keys");
	cw_config_free(&c);

	assert_int_equal(cw_config_defaults(&c), 0);
	assert_int_equal(cw_config_parse("[audit]\ndirectory = rel\n", 23, &c,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "absolute"));
	cw_config_free(&c);
}

static void
test_key_files(void **state)
{
	struct fixture *fx = *state;
	unsigned char key[CW_AUDIT_KEY_MAX];
	char err[256], path[160];
	size_t len;

	if (geteuid() != 0)
		skip();
	assert_int_equal(cw_audit_key_load(fx->keys, "k2", key, &len, err,
	    sizeof(err)), 0);
	assert_int_equal(len, 34);
	assert_int_equal(key[0], 0xf0);
	snprintf(path, sizeof(path), "%s/short.key", fx->keys);
	write_text(path, "00112233\n", 0600);
	assert_int_equal(cw_audit_key_load(fx->keys, "short", key, &len, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "hex digits"));
	assert_null(strstr(err, "00112233"));   /* never the secret */
	snprintf(path, sizeof(path), "%s/open.key", fx->keys);
	write_text(path, "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n", 0644);
	assert_int_equal(cw_audit_key_load(fx->keys, "open", key, &len, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "too open"));
	assert_int_equal(cw_audit_key_load(fx->keys, "../keys/k1", key, &len,
	    err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_key_rotation),
		T(test_config_keys),
		T(test_key_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
