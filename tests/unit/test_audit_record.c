/* SPDX-License-Identifier: MIT */
/*
 * test_audit_record.c - the audit record: time and text rules, sealing,
 * the canonical form (against a known answer computed outside C), the
 * strict parser, key rotation and the chain state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"

/* 2026-11-23T09:00:00.123456Z */
#define T0 (1795424400LL * 1000000LL + 123456)
/* HMAC-SHA256 of the known-answer record, by Python (see below). */
#define KNOWN_MAC "a0787739db6185ca6a0325684db0bba52c32755439976f4bc9fc54a29724bb62"

static const unsigned char key1[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char key2[32] = "fedcba9876543210fedcba9876543210";

static void
start_chain(struct cw_audit_chain *c)
{
	char err[128];

	assert_int_equal(cw_audit_chain_start(c, "host1", "k1", key1,
	    sizeof(key1), err, sizeof(err)), 0);
}

static void
make_event(struct cw_audit_event *ev, int64_t t)
{
	assert_int_equal(cw_audit_event_init(ev, CW_AUDIT_PAM_DECISION, t,
	    "alice", "alice", "deny"), 0);
	assert_int_equal(cw_audit_event_add_string(ev, "host_class",
	    "payments-db"), 0);
	assert_int_equal(cw_audit_event_add_string(ev, "reason", "revoked"), 0);
	assert_int_equal(cw_audit_event_add_int(ev, "attempt", 3), 0);
	assert_int_equal(cw_audit_event_add_bool(ev, "admin", true), 0);
}

/* Seals ev, checks the line parses back and verifies; returns the line. */
static char *
seal_ok(struct cw_audit_chain *c, const struct cw_audit_event *ev,
    struct cw_audit_record *rec)
{
	char err[128], *line;
	size_t len;

	assert_int_equal(cw_audit_seal(c, ev, &line, &len, err, sizeof(err)),
	    0);
	assert_int_equal(line[len - 1], '\n');
	assert_int_equal(strlen(line), len);
	assert_int_equal(cw_audit_line_parse(line, len - 1, rec, err,
	    sizeof(err)), 0);
	return line;
}

static void
test_time(void **state)
{
	char buf[CW_AUDIT_TIME_LEN + 1];
	int64_t us;

	(void)state;
	assert_int_equal(cw_audit_time_format(T0, buf), 0);
	assert_string_equal(buf, "2026-11-23T09:00:00.123456Z");
	assert_int_equal(cw_audit_time_parse(buf, strlen(buf), &us), 0);
	assert_true(us == T0);
	assert_int_equal(cw_audit_time_format(0, buf), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00.000000Z");
	assert_int_equal(cw_audit_time_format(-1, buf), -1);

	static const char *const bad[] = {
		"2026-11-23T09:00:00Z", "2026-11-23T09:00:00.12345Z",
		"2026-11-23 09:00:00.123456Z", "2026-11-23T09:00:00.123456z",
		"2026-02-29T09:00:00.000000Z", "2026-11-23T24:00:00.000000Z",
		"2026-11-23T09:00:60.000000Z", "1969-12-31T23:59:59.000000Z",
		"2026-13-01T00:00:00.000000Z", "2026-11-23T09:00:00.12345xZ",
		"+026-11-23T09:00:00.123456Z",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cw_audit_time_parse(bad[i], strlen(bad[i]),
		    &us), -1);
	assert_int_equal(cw_audit_time_parse("2024-02-29T00:00:00.000000Z",
	    27, &us), 0);
}

static void
test_text_made_safe(void **state)
{
	struct cw_audit_event ev;
	char big[1000];

	(void)state;
	assert_int_equal(cw_audit_event_init(&ev, CW_AUDIT_SESSION_OPEN, T0,
	    "bob\n{\"forged\":1}", "caf\xc3\xa9 \xff\xfe \x1b[31m \xc2\x9b",
	    "success"), 0);
	assert_string_equal(ev.actor, "bob?{\"forged\":1}");
	/* é kept; invalid bytes, ESC and the C1 CSI become '?' (one per byte) */
	assert_string_equal(ev.subject, "caf\xc3\xa9 ?? ?[31m ??");

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[252] = '\xc3';      /* a 2-byte char across the cut at 253 */
	big[253] = '\xa9';
	assert_int_equal(cw_audit_event_add_string(&ev, "long", big), 0);
	assert_int_equal(strlen(ev.details[0].text), 255);
	assert_string_equal(ev.details[0].text + 252, "...");

	/* Keys, outcomes and integers are the program's, and must be right. */
	assert_int_equal(cw_audit_event_add_string(&ev, "Bad", "x"), -1);
	assert_int_equal(cw_audit_event_add_string(&ev, "long", "again"), -1);
	assert_int_equal(cw_audit_event_add_int(&ev, "n",
	    CW_AUDIT_INT_MAX + 1), -1);
	assert_int_equal(cw_audit_event_init(&ev, CW_AUDIT_SESSION_OPEN, T0,
	    "a", "b", "Not-A-Token"), -1);
	assert_int_equal(cw_audit_event_init(&ev, CW_AUDIT_TYPE_COUNT, T0,
	    "a", "b", "info"), -1);
}

static void
test_seal_and_check(void **state)
{
	struct cw_audit_record r1, r2;
	struct cw_audit_chain c;
	struct cw_audit_event ev;
	char *l1, *l2, *canon;
	size_t len;

	(void)state;
	start_chain(&c);
	make_event(&ev, T0);
	l1 = seal_ok(&c, &ev, &r1);
	l2 = seal_ok(&c, &ev, &r2);
	assert_true(r1.seq == 1 && r2.seq == 2 && c.seq == 2);
	assert_memory_equal(r2.prev, r1.mac, CW_AUDIT_MAC_LEN);
	assert_memory_equal(c.mac, r2.mac, CW_AUDIT_MAC_LEN);
	assert_string_equal(r1.event.host, "host1");
	assert_int_equal(cw_audit_record_check(&r1, l1, strlen(l1) - 1, key1,
	    sizeof(key1)), CW_AUDIT_CHECK_OK);
	assert_int_equal(cw_audit_record_check(&r1, l1, strlen(l1) - 1, key2,
	    sizeof(key2)), CW_AUDIT_CHECK_MAC);

	/* The line is the canonical form; without mac it is the MAC input. */
	canon = cw_audit_record_serialize(&r1, true, &len);
	assert_int_equal(len, strlen(l1) - 1);
	assert_memory_equal(canon, l1, len);
	free(canon);
	canon = cw_audit_record_serialize(&r1, false, &len);
	assert_null(strstr(canon, "\"mac\""));
	assert_non_null(strstr(canon, "\"details\":{\"admin\":true,"
	    "\"attempt\":3,\"host_class\":\"payments-db\",\"reason\":"
	    "\"revoked\"}"));
	free(canon);
	free(l1);
	free(l2);
	cw_audit_chain_wipe(&c);
}

/*
 * A known answer, computed with Python's json and hmac modules (the
 * recipe in audit.h), so that a change in jansson or in the builder that
 * would move the canonical form cannot pass unnoticed.
 */
static void
test_known_answer(void **state)
{
	static const char expected[] =
	    "{\"actor\":\"alice\",\"details\":{\"admin\":true,\"attempt\":3,"
	    "\"host_class\":\"payments-db\",\"reason\":\"revoked\"},"
	    "\"host\":\"host1\",\"key_id\":\"k1\",\"mac\":"
	    "\"" KNOWN_MAC "\",\"outcome\":\"deny\",\"prev\":"
	    "\"0000000000000000000000000000000000000000000000000000000000000000\","
	    "\"seq\":1,\"subject\":\"alice\",\"time\":"
	    "\"2026-11-23T09:00:00.123456Z\",\"type\":\"pam_decision\"}\n";
	struct cw_audit_record r;
	struct cw_audit_chain c;
	struct cw_audit_event ev;
	char *line;

	(void)state;
	start_chain(&c);
	make_event(&ev, T0);
	line = seal_ok(&c, &ev, &r);
	assert_string_equal(line, expected);
	free(line);
}

static void
test_non_ascii_canonical(void **state)
{
	struct cw_audit_record r;
	struct cw_audit_chain c;
	struct cw_audit_event ev;
	char *line;

	(void)state;
	start_chain(&c);
	assert_int_equal(cw_audit_event_init(&ev, CW_AUDIT_CLI_REQUEST, T0,
	    "zoë", "a\"b\\c/d", "success"), 0);
	assert_int_equal(cw_audit_event_add_string(&ev, "reason",
	    "gr\xc3\xbc\xc3\x9f \xe2\x80\xa8 \xf0\x9f\x94\x91"), 0);
	line = seal_ok(&c, &ev, &r);
	/* Raw UTF-8 (even U+2028), only '"' and '\' escaped, '/' as is. */
	assert_non_null(strstr(line, "\"actor\":\"zo\xc3\xab\""));
	assert_non_null(strstr(line, "\"subject\":\"a\\\"b\\\\c/d\""));
	assert_non_null(strstr(line, "gr\xc3\xbc\xc3\x9f \xe2\x80\xa8 "
	    "\xf0\x9f\x94\x91"));
	assert_int_equal(cw_audit_record_check(&r, line, strlen(line) - 1,
	    key1, sizeof(key1)), CW_AUDIT_CHECK_OK);
	free(line);
}

static void
test_worst_case_fits(void **state)
{
	struct cw_audit_record r;
	struct cw_audit_chain c;
	struct cw_audit_event ev;
	char quotes[400], key[8], *line;
	size_t i;

	(void)state;
	memset(quotes, '"', sizeof(quotes) - 1);
	quotes[sizeof(quotes) - 1] = '\0';
	start_chain(&c);
	assert_int_equal(cw_audit_event_init(&ev,
	    CW_AUDIT_REVOCATION_DEADLINE_WARNING, T0, quotes, quotes,
	    "abcdefghijklmnopqrstuvwxyzabcdef"), 0);
	cw_audit_event_set_host(&ev, quotes);
	for (i = 0; i < CW_AUDIT_MAX_DETAILS; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_int_equal(cw_audit_event_add_string(&ev, key, quotes), 0);
	}
	assert_int_equal(cw_audit_event_add_bool(&ev, "full", true), -1);
	line = seal_ok(&c, &ev, &r);
	assert_true(strlen(line) - 1 <= CW_AUDIT_LINE_MAX);
	free(line);
}

static void
test_parse_strict(void **state)
{
	struct cw_audit_record r;
	struct cw_audit_chain c;
	struct cw_audit_event ev;
	char *good, err[160], buf[CW_AUDIT_LINE_MAX + 16];
	size_t i;
	/* Each edit applied to the good line must make it unparseable. */
	static const struct { const char *from, *to; } edits[] = {
		{ "\"seq\":1", "\"seq\":0" },
		{ "\"seq\":1", "\"seq\":1.0" },
		{ "\"seq\":1", "\"seq\":9007199254740992" },
		{ "\"seq\":1", "\"seq\":\"1\"" },
		{ "\"attempt\":3", "\"attempt\":3.5" },
		{ "\"attempt\":3", "\"attempt\":null" },
		{ "\"attempt\":3", "\"attempt\":{}" },
		{ "\"attempt\":3", "\"attempt\":[3]" },
		{ "\"attempt\":3", "\"Attempt\":3" },
		{ "\"attempt\":3", "\"attempt\":3,\"attempt\":4" },
		{ "\"actor\":\"alice\"", "\"actor\":\"al\\u0001ce\"" },
		{ "\"actor\":\"alice\"", "\"actor\":\"al\\ud800ce\"" },
		{ "\"actor\":\"alice\"", "\"actor\":\"al\\u009bce\"" },
		{ "\"actor\":\"alice\"", "\"actor\":\"alice\",\"x\":1" },
		{ "\"actor\":\"alice\",", "" },
		{ "\"actor\":\"alice\"", "\"actor\":1" },
		{ "\"type\":\"pam_decision\"", "\"type\":\"pam\"" },
		{ "\"outcome\":\"deny\"", "\"outcome\":\"DENY\"" },
		{ "\"key_id\":\"k1\"", "\"key_id\":\"../k1\"" },
		{ "\"prev\":\"00", "\"prev\":\"0A" },
		{ "\"prev\":\"00", "\"prev\":\"0" },
		{ "\"time\":\"2026-11-23T09:00:00.123456Z\"",
		  "\"time\":\"2026-11-23T09:00:00Z\"" },
		{ "{\"actor\"", "[{\"actor\"" },
	};

	(void)state;
	start_chain(&c);
	make_event(&ev, T0);
	good = seal_ok(&c, &ev, &r);
	good[strlen(good) - 1] = '\0';
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const char *at = strstr(good, edits[i].from);

		assert_non_null(at);
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - good), good,
		    edits[i].to, at + strlen(edits[i].from));
		if (cw_audit_line_parse(buf, strlen(buf), &r, err,
		    sizeof(err)) == 0)
			fail_msg("edit %zu parsed: %s", i, buf);
	}
	/* A newline inside, trailing garbage, a second value, oversize. */
	snprintf(buf, sizeof(buf), "%s\n", good);
	assert_int_equal(cw_audit_line_parse(buf, strlen(buf), &r, err,
	    sizeof(err)), -1);
	snprintf(buf, sizeof(buf), "%s {}", good);
	assert_int_equal(cw_audit_line_parse(buf, strlen(buf), &r, err,
	    sizeof(err)), -1);
	memset(buf, ' ', sizeof(buf));
	memcpy(buf, good, strlen(good));
	assert_int_equal(cw_audit_line_parse(buf, CW_AUDIT_LINE_MAX + 1, &r,
	    err, sizeof(err)), -1);
	assert_int_equal(cw_audit_line_parse("", 0, &r, err, sizeof(err)), -1);
	/* Spaces are JSON, and parse; but the line is not canonical. */
	snprintf(buf, sizeof(buf), "%.*s\"seq\": 1%s",
	    (int)(strstr(good, "\"seq\":1") - good), good,
	    strstr(good, "\"seq\":1") + 7);
	assert_int_equal(cw_audit_line_parse(buf, strlen(buf), &r, err,
	    sizeof(err)), 0);
	free(good);
}

static void
test_form_and_mac_checks(void **state)
{
	struct cw_audit_record r;
	struct cw_audit_chain c;
	struct cw_audit_event ev;
	char *line, buf[2048], err[128];
	size_t len;

	(void)state;
	start_chain(&c);
	make_event(&ev, T0);
	line = seal_ok(&c, &ev, &r);
	len = strlen(line) - 1;

	/* A re-laid-out line: same content, right MAC, wrong bytes. */
	snprintf(buf, sizeof(buf), "{ %.*s", (int)len - 1, line + 1);
	assert_int_equal(cw_audit_line_parse(buf, strlen(buf), &r, err,
	    sizeof(err)), 0);
	assert_int_equal(cw_audit_record_check(&r, buf, strlen(buf), key1,
	    sizeof(key1)), CW_AUDIT_CHECK_FORM);

	/* One changed letter in a value. */
	memcpy(buf, line, len);
	buf[len] = '\0';
	*strstr(buf, "alice") = 'A';
	assert_int_equal(cw_audit_line_parse(buf, len, &r, err, sizeof(err)),
	    0);
	assert_int_equal(cw_audit_record_check(&r, buf, len, key1,
	    sizeof(key1)), CW_AUDIT_CHECK_MAC);
	free(line);
}

static void
test_key_rotation(void **state)
{
	struct cw_audit_record rot, next;
	struct cw_audit_chain c, resumed;
	struct cw_audit_event ev;
	char err[128], *line, *l2;
	size_t len;

	(void)state;
	start_chain(&c);
	assert_int_equal(cw_audit_seal_key_rotation(&c, T0, "root", "bad/id",
	    key2, sizeof(key2), &line, &len, err, sizeof(err)), -1);
	assert_int_equal(cw_audit_seal_key_rotation(&c, T0, "root", "k2",
	    key2, 8, &line, &len, err, sizeof(err)), -1);
	assert_true(c.seq == 0);

	assert_int_equal(cw_audit_seal_key_rotation(&c, T0, "root", "k2",
	    key2, sizeof(key2), &line, &len, err, sizeof(err)), 0);
	assert_int_equal(cw_audit_line_parse(line, len - 1, &rot, err,
	    sizeof(err)), 0);
	assert_int_equal(rot.event.type, CW_AUDIT_KEY_ROTATED);
	assert_string_equal(rot.key_id, "k1");
	assert_string_equal(cw_audit_record_next_key_id(&rot), "k2");
	/* Sealed with the old key: only the old key's holder hands over. */
	assert_int_equal(cw_audit_record_check(&rot, line, len - 1, key1,
	    sizeof(key1)), CW_AUDIT_CHECK_OK);
	assert_int_equal(cw_audit_record_check(&rot, line, len - 1, key2,
	    sizeof(key2)), CW_AUDIT_CHECK_MAC);
	assert_string_equal(c.key_id, "k2");

	make_event(&ev, T0 + 1);
	l2 = seal_ok(&c, &ev, &next);
	assert_string_equal(next.key_id, "k2");
	assert_int_equal(cw_audit_record_check(&next, l2, strlen(l2) - 1,
	    key2, sizeof(key2)), CW_AUDIT_CHECK_OK);

	/* Resuming after the rotation record continues with the new key. */
	assert_int_equal(cw_audit_chain_resume(&resumed, "host1", &rot, key2,
	    sizeof(key2), err, sizeof(err)), 0);
	assert_string_equal(resumed.key_id, "k2");
	assert_true(resumed.seq == 1);
	free(line);
	free(l2);
}

static void
test_chain_state(void **state)
{
	struct cw_audit_chain c, back;
	struct cw_audit_record r;
	struct cw_audit_event ev;
	char buf[CW_AUDIT_STATE_MAX], *line;

	(void)state;
	start_chain(&c);
	make_event(&ev, T0);
	line = seal_ok(&c, &ev, &r);
	assert_int_equal(cw_audit_chain_state_encode(&c, buf), 0);
	assert_null(strstr(buf, "0123456789abcdef0123"));      /* no key */
	memset(&back, 0, sizeof(back));
	assert_int_equal(cw_audit_chain_state_decode(buf, strlen(buf), &back),
	    0);
	assert_true(back.seq == 1);
	assert_memory_equal(back.mac, c.mac, CW_AUDIT_MAC_LEN);
	assert_string_equal(back.key_id, "k1");
	assert_int_equal(cw_audit_chain_state_decode("{\"seq\":1}", 9, &back),
	    -1);
	free(line);
}

static void
test_types_and_names(void **state)
{
	enum cw_audit_type t;
	int i;

	(void)state;
	for (i = 0; i < CW_AUDIT_TYPE_COUNT; i++) {
		assert_int_equal(cw_audit_type_parse(cw_audit_type_name(i), &t),
		    0);
		assert_int_equal(t, i);
	}
	assert_int_equal(cw_audit_type_parse("unknown", &t), -1);
	assert_true(cw_audit_key_id_valid("2026-01.k_1"));
	assert_false(cw_audit_key_id_valid(".hidden"));
	assert_false(cw_audit_key_id_valid("a/b"));
	assert_false(cw_audit_key_id_valid(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_text_made_safe),
		cmocka_unit_test(test_seal_and_check),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_non_ascii_canonical),
		cmocka_unit_test(test_worst_case_fits),
		cmocka_unit_test(test_parse_strict),
		cmocka_unit_test(test_form_and_mac_checks),
		cmocka_unit_test(test_key_rotation),
		cmocka_unit_test(test_chain_state),
		cmocka_unit_test(test_types_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
