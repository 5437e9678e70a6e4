/* SPDX-License-Identifier: MIT */
/*
 * test_answer_table.c - the answer table's slots (core/answer_table.c):
 * what a slot may answer, and that anything else is a miss.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "answer_table.h"

#define NOW INT64_C(1795361400)
#define MONO INT64_C(5000000)

static const struct cw_answer_key alice = { "alice", "payments-db",
    CW_MODE_LOGIN };

static void
fill(struct cw_answer_slot *s, enum cw_verdict v, enum cw_reason r)
{
	struct cw_decision d = { v, r };

	assert_int_equal(cw_answer_slot_fill(s, &alice, d, 7, NOW, NOW + 600,
	    MONO + 1000, 0, 0), 0);
}

static const struct cw_answer_now at_fill = { 7, NOW, MONO };

static void
test_answers_its_own_question(void **state)
{
	struct cw_answer_slot s;
	struct cw_answer_key bob = alice, other_hc = alice, admin = alice;
	struct cw_answer_now n = at_fill;

	(void)state;
	fill(&s, CW_VERDICT_ALLOW, CW_REASON_OK);
	assert_true(cw_answer_slot_answers(&s, &alice, &n));
	bob.user = "bob";
	other_hc.host_class = "payments";
	admin.mode = CW_MODE_ADMIN;
	assert_false(cw_answer_slot_answers(&s, &bob, &n));
	assert_false(cw_answer_slot_answers(&s, &other_hc, &n));
	assert_false(cw_answer_slot_answers(&s, &admin, &n));
	/* A name that is a prefix of the stored one is another question. */
	bob.user = "alic";
	assert_false(cw_answer_slot_answers(&s, &bob, &n));
}

static void
test_bounds(void **state)
{
	struct cw_answer_slot s;
	struct cw_answer_now n = at_fill;

	(void)state;
	fill(&s, CW_VERDICT_DENY, CW_REASON_SUSPENDED);
	n.wall = NOW + 599;
	assert_true(cw_answer_slot_answers(&s, &alice, &n));
	n.wall = NOW + 600;             /* the instant the rules compare */
	assert_false(cw_answer_slot_answers(&s, &alice, &n));
	n.wall = NOW - 1;               /* a clock that went back */
	assert_false(cw_answer_slot_answers(&s, &alice, &n));
	n = at_fill;
	n.mono_ms = MONO + 1000;        /* data too old */
	assert_false(cw_answer_slot_answers(&s, &alice, &n));
	n = at_fill;
	n.gen = 8;                      /* the data changed since */
	assert_false(cw_answer_slot_answers(&s, &alice, &n));
}

/* A slot read while it was rewritten: every byte flipped is a miss. */
static void
test_torn_slot(void **state)
{
	struct cw_answer_slot s, t;
	size_t i;

	(void)state;
	fill(&s, CW_VERDICT_ALLOW, CW_REASON_OK_ELEVATED);
	for (i = 0; i < sizeof(s); i++) {
		memcpy(&t, &s, sizeof(t));
		((unsigned char *)&t)[i] ^= 0x01;
		assert_false(cw_answer_slot_answers(&t, &alice, &at_fill));
	}
	memset(&t, 0, sizeof(t));       /* never written */
	assert_false(cw_answer_slot_answers(&t, &alice, &at_fill));
}

/* Only an allow or a deny of the rules: never "ask the stack" answers. */
static void
test_only_rule_answers(void **state)
{
	static const struct cw_decision never[] = {
		{ CW_VERDICT_UNAVAILABLE, CW_REASON_POLICY_UNAVAILABLE },
		{ CW_VERDICT_IGNORE, CW_REASON_EXEMPT },
		{ CW_VERDICT_ALLOW, CW_REASON_BREAKGLASS },
		{ CW_VERDICT_ALLOW, CW_REASON_REVOKED },
		{ CW_VERDICT_DENY, CW_REASON_POLICY_UNAVAILABLE },
		{ CW_VERDICT_DENY, CW_REASON_COUNT },
	};
	struct cw_answer_slot s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		fill(&s, never[i].verdict, never[i].reason);
		assert_false(cw_answer_slot_answers(&s, &alice, &at_fill));
	}
	fill(&s, CW_VERDICT_DENY, CW_REASON_REVOKED);
	assert_true(cw_answer_slot_answers(&s, &alice, &at_fill));
}

static void
test_names_that_do_not_fit(void **state)
{
	char longname[CW_USER_MAX + 2];
	struct cw_answer_key k = alice;
	struct cw_answer_slot s;
	struct cw_decision d = { CW_VERDICT_ALLOW, CW_REASON_OK };

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	k.user = longname;
	assert_int_equal(cw_answer_slot_fill(&s, &k, d, 1, NOW, NOW + 1, 1, 0,
	    0), -1);
}

static void
test_index_and_header(void **state)
{
	struct cw_answer_key k = alice;
	struct cw_answer_header h;
	uint32_t i = cw_answer_bucket(&alice);
	uint64_t gen;
	int64_t alive;

	(void)state;
	assert_true(i < CW_ANSWER_BUCKETS);
	assert_int_equal(cw_answer_bucket(&alice), i);
	k.mode = CW_MODE_ADMIN;
	assert_int_not_equal(cw_answer_bucket(&k), i);
	assert_true(cw_answer_slot_offset(1) == CW_ANSWER_HEADER_SIZE +
	    CW_ANSWER_SLOT_SIZE);
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, CW_ANSWER_MAGIC, sizeof(h.magic));
	h.version = CW_ANSWER_VERSION;
	h.nslots = CW_ANSWER_SLOTS;
	h.slot_size = CW_ANSWER_SLOT_SIZE;
	h.gen = 41;
	h.gen_check = cw_answer_word_check(41);
	h.alive_until_ms = MONO;
	h.alive_check = cw_answer_word_check((uint64_t)MONO);
	assert_true(cw_answer_header_read(&h, &gen, &alive));
	assert_true(gen == 41 && alive == MONO);
	h.nslots = 3;
	assert_false(cw_answer_header_read(&h, &gen, &alive));
	h.nslots = CW_ANSWER_SLOTS;
	h.version = CW_ANSWER_VERSION + 1;
	assert_false(cw_answer_header_read(&h, &gen, &alive));
	h.version = CW_ANSWER_VERSION;
	/* A word read while it was rewritten: its check does not match. */
	h.gen = 42;
	assert_false(cw_answer_header_read(&h, &gen, &alive));
	h.gen = 41;
	h.alive_until_ms = MONO + 500;
	assert_false(cw_answer_header_read(&h, &gen, &alive));
	h.alive_until_ms = MONO;
	h.gen_check = 0;                /* being written */
	assert_false(cw_answer_header_read(&h, &gen, &alive));
}

/*
 * A bucket holds the answers of four questions that hash alike: each is
 * found, and a fifth takes the place of one that no longer answers, or
 * else of the one given longest ago, never of its own question's twin.
 */
static void
test_bucket(void **state)
{
	static const char *const users[] = { "u0", "u1", "u2", "u3", "u4" };
	struct cw_answer_slot b[CW_ANSWER_WAYS];
	struct cw_decision d = { CW_VERDICT_ALLOW, CW_REASON_OK };
	struct cw_answer_key k = alice;
	unsigned i;

	(void)state;
	memset(b, 0, sizeof(b));
	for (i = 0; i < CW_ANSWER_WAYS; i++) {
		k.user = users[i];
		assert_int_equal(cw_answer_bucket_victim(b, &k, 7), i);
		assert_int_equal(cw_answer_slot_fill(&b[i], &k, d, 7,
		    NOW - 10 + (int64_t)i, NOW + 600, MONO + 1000, 0, 0), 0);
	}
	for (i = 0; i < CW_ANSWER_WAYS; i++) {
		k.user = users[i];
		assert_int_equal(cw_answer_bucket_find(b, &k, &at_fill), (int)i);
		/* Asked again: its own slot, wherever it is. */
		assert_int_equal(cw_answer_bucket_victim(b, &k, 7), i);
	}
	k.user = users[4];
	assert_int_equal(cw_answer_bucket_find(b, &k, &at_fill), -1);
	/* Full and current: the oldest (u0) goes. */
	assert_int_equal(cw_answer_bucket_victim(b, &k, 7), 0);
	/* One of an older generation goes first. */
	b[2].gen = 6;
	assert_int_equal(cw_answer_bucket_victim(b, &k, 7), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers_its_own_question),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_torn_slot),
		cmocka_unit_test(test_only_rule_answers),
		cmocka_unit_test(test_names_that_do_not_fit),
		cmocka_unit_test(test_index_and_header),
		cmocka_unit_test(test_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
