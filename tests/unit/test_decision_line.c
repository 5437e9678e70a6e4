/* SPDX-License-Identifier: MIT */
/*
 * test_decision_line.c - the inbox's lines (core/decision_line.c): what
 * the module writes is read back whole, and anything else is refused
 * naming the field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "decision_line.h"

static void
sample(struct cw_decision_line *l)
{
	memset(l, 0, sizeof(*l));
	l->time_us = INT64_C(1795361400123456);
	l->uid = 0;
	l->pid = 4242;
	l->req.op = CW_OP_DECIDE;
	snprintf(l->req.user, sizeof(l->req.user), "alice");
	snprintf(l->req.host_class, sizeof(l->req.host_class), "payments-db");
	l->req.mode = CW_MODE_ADMIN;
	snprintf(l->req.service, sizeof(l->req.service), "sudo");
	snprintf(l->req.tty, sizeof(l->req.tty), "/dev/pts/3");
	l->decision.verdict = CW_VERDICT_DENY;
	l->decision.reason = CW_REASON_ELEVATION_REQUIRED;
}

static void
test_round_trip(void **state)
{
	struct cw_decision_line l, back;
	char buf[CW_DECISION_LINE_MAX + 1], err[128];
	size_t len;

	(void)state;
	sample(&l);
	assert_int_equal(cw_decision_line_format(&l, buf, sizeof(buf), &len),
	    0);
	assert_string_equal(buf, "v1 t=1795361400123456 uid=0 pid=4242 "
	    "mode=admin verdict=deny reason=elevation_required user=alice "
	    "host_class=payments-db service=sudo rhost= tty=/dev/pts/3\n");
	assert_int_equal(cw_decision_line_parse(buf, len - 1, &back, err,
	    sizeof(err)), 0);
	assert_true(back.time_us == l.time_us);
	assert_int_equal(back.pid, 4242);
	assert_int_equal(back.req.op, CW_OP_DECIDE);
	assert_int_equal(back.req.mode, CW_MODE_ADMIN);
	assert_string_equal(back.req.user, "alice");
	assert_string_equal(back.req.rhost, "");
	assert_string_equal(back.req.tty, "/dev/pts/3");
	assert_int_equal(back.decision.reason, CW_REASON_ELEVATION_REQUIRED);
	/* The longest fields fit a line. */
	memset(l.req.rhost, 'r', CW_RHOST_MAX);
	memset(l.req.user, 'u', CW_USER_MAX);
	assert_int_equal(cw_decision_line_format(&l, buf, sizeof(buf), &len),
	    0);
	assert_int_equal(cw_decision_line_parse(buf, len - 1, &back, err,
	    sizeof(err)), 0);
}

static void
test_format_refuses(void **state)
{
	struct cw_decision_line l;
	char buf[CW_DECISION_LINE_MAX + 1];
	size_t len;

	(void)state;
	sample(&l);
	snprintf(l.req.service, sizeof(l.req.service), "ss hd");
	assert_int_equal(cw_decision_line_format(&l, buf, sizeof(buf), &len),
	    -1);
	sample(&l);
	snprintf(l.req.user, sizeof(l.req.user), "-rf");
	assert_int_equal(cw_decision_line_format(&l, buf, sizeof(buf), &len),
	    -1);
}

static void
test_hostile_lines(void **state)
{
	static const struct {
		const char *line, *err;
	} bad[] = {
		{ "", "not a v1 line" },
		{ "v2 t=1", "not a v1 line" },
		{ "v1 t=01 uid=0 pid=1", "bad t=" },
		{ "v1 t=-1 uid=0 pid=1", "bad t=" },
		{ "v1 t=99999999999999999999 uid=0 pid=1", "bad t=" },
		{ "v1 t=1 uid=4294967295 pid=1", "bad uid=" },
		{ "v1 t=1 uid=0 pid=2147483648", "bad pid=" },
		{ "v1 t=1 pid=1", "expected uid=" },
		{ "v1 t=1 uid=0 pid=1 mode=root verdict=allow", "bad mode=" },
		{ "v1 t=1 uid=0 pid=1 mode=login verdict=yes", "bad verdict=" },
		{ "v1 t=1 uid=0 pid=1 mode=login verdict=allow reason=fine",
		    "bad reason=" },
		{ "v1 t=1 uid=0 pid=1 mode=login verdict=allow reason=ok "
		    "user=../x host_class=h service= rhost= tty=",
		    "bad user= or host_class=" },
		{ "v1 t=1 uid=0 pid=1 mode=login verdict=allow reason=ok "
		    "user=a host_class=h service= rhost= tty= extra=1",
		    "text after tty=" },
		{ "v1 t=1 uid=0 pid=1 mode=login verdict=allow reason=ok "
		    "user=a host_class=h service=\x01 rhost= tty=",
		    "bad service=" },
		{ "v1 t=1 uid=0 pid=1 mode=login verdict=allow reason=ok "
		    "user=a host_class=h rhost= tty=", "expected service=" },
	};
	struct cw_decision_line l;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (cw_decision_line_parse(bad[i].line, strlen(bad[i].line),
		    &l, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i].line);
		if (strcmp(err, bad[i].err) != 0)
			fail_msg("%s: said '%s', want '%s'", bad[i].line, err,
			    bad[i].err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_hostile_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
