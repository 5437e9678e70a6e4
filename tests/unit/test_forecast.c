/* SPDX-License-Identifier: MIT */
/*
 * test_forecast.c - lapses within a window, and the first that ends a
 * host class's access; the loss must agree with cw_decide() at its instant.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "forecast.h"

#define NOW INT64_C(1795361400)         /* 2026-11-22 15:30:00Z */
#define DAY 86400

static char *ops_roles[] = { "ops" };

/* An active, checked, trained SC user with the login role "ops". */
static void
baseline(struct cw_staff *s)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->uid, "alice");
	s->employment = CW_EMPLOYMENT_ACTIVE;
	s->identity_check = (struct cw_when){ true, NOW - 365 * DAY };
	s->criminal_record_check = (struct cw_when){ true, NOW - 365 * DAY };
	s->right_to_work_check = (struct cw_when){ true, NOW - 365 * DAY };
	s->clearance = CW_CLEARANCE_SC;
	s->training = (struct cw_when){ true, NOW - 30 * DAY };
	s->roles.names = ops_roles;
	s->roles.count = 1;
}

static char *login_ops[] = { "ops" };
static char *admin_dba[] = { "dba" };

static void
host(struct cw_host_class *h)
{
	memset(h, 0, sizeof(*h));
	strcpy(h->name, "payments-db");
	h->required = CW_CLEARANCE_SC;
	h->login_roles.names = login_ops;
	h->login_roles.count = 1;
	h->admin_roles.names = admin_dba;
	h->admin_roles.count = 1;
}

static struct cw_policy_input
input(const struct cw_staff *s, const struct cw_host_class *h)
{
	struct cw_policy_input in;

	memset(&in, 0, sizeof(in));
	in.staff = s;
	in.host_class = h;
	in.now = NOW;
	in.training_validity_days = 365;
	return in;
}

/* Every dated gate in the window is listed, earliest first; those outside
 * it (past, or beyond the window) are not. */
static void
test_lapses_in_window(void **state)
{
	struct cw_staff s;
	struct cw_host_class h;
	struct cw_policy_input in;
	struct cw_lapse l[8];
	size_t n;

	(void)state;
	baseline(&s);
	host(&h);
	s.leaving = (struct cw_when){ true, NOW + 20 * DAY };
	s.clearance_expiry = (struct cw_when){ true, NOW + 3 * DAY };
	s.right_to_work_expiry = (struct cw_when){ true, NOW + 40 * DAY };
	s.training = (struct cw_when){ true, NOW - 360 * DAY };
	in = input(&s, &h);
	n = cw_lapses(&in, 30 * DAY, l, 8);
	assert_int_equal(n, 3);
	assert_int_equal(l[0].kind, CW_LAPSE_CLEARANCE);
	assert_int_equal(l[0].at, NOW + 3 * DAY);
	assert_int_equal(l[1].kind, CW_LAPSE_TRAINING);
	assert_int_equal(l[1].at, NOW + 5 * DAY);
	assert_int_equal(l[2].kind, CW_LAPSE_LEAVING);
	assert_string_equal(cw_lapse_kind_name(l[2].kind), "leaving_date");
	/* Already lapsed: not a forecast. */
	s.clearance_expiry.at = NOW;
	assert_int_equal(cw_lapses(&in, 30 * DAY, l, 8), 2);
	/* Room for one: the count still says how many there are. */
	assert_int_equal(cw_lapses(&in, 30 * DAY, l, 1), 2);
}

/* The first lapse that turns the allow into a deny, with its reason, and
 * the same answer cw_decide() gives at that instant. */
static void
test_loss_agrees_with_decide(void **state)
{
	struct cw_staff s;
	struct cw_host_class h;
	struct cw_policy_input in, then;
	struct cw_lapse l[8];
	struct cw_decision after, direct;
	size_t n;
	long i;

	(void)state;
	baseline(&s);
	host(&h);
	s.leaving = (struct cw_when){ true, NOW + 10 * DAY };
	s.training = (struct cw_when){ true, NOW - 358 * DAY };
	in = input(&s, &h);
	n = cw_lapses(&in, 30 * DAY, l, 8);
	i = cw_forecast_loss(&in, l, n, &after);
	assert_int_equal(i, 0);
	assert_int_equal(l[i].kind, CW_LAPSE_TRAINING);
	assert_int_equal(after.reason, CW_REASON_TRAINING_EXPIRED);
	then = in;
	then.now = l[i].at;
	direct = cw_decide(&then);
	assert_int_equal(direct.reason, after.reason);
	then.now = l[i].at - 1;         /* a second before: still allowed */
	assert_int_equal(cw_decide(&then).verdict, CW_VERDICT_ALLOW);
}

/* A host class the person cannot use today loses nothing. */
static void
test_no_loss_when_denied_now(void **state)
{
	struct cw_staff s;
	struct cw_host_class h;
	struct cw_policy_input in;
	struct cw_lapse l[8];
	struct cw_decision after;
	size_t n;

	(void)state;
	baseline(&s);
	host(&h);
	s.clearance = CW_CLEARANCE_BPSS;
	s.leaving = (struct cw_when){ true, NOW + DAY };
	in = input(&s, &h);
	n = cw_lapses(&in, 30 * DAY, l, 8);
	assert_int_equal(n, 1);
	assert_int_equal(cw_forecast_loss(&in, l, n, &after), -1);
}

/* Admin access held by an elevation ends with it. */
static void
test_elevation_end(void **state)
{
	struct cw_staff s;
	struct cw_host_class h;
	struct cw_policy_input in;
	struct cw_elevation e;
	struct cw_lapse l[8];
	struct cw_decision after;
	size_t n;
	long i;

	(void)state;
	baseline(&s);
	host(&h);
	memset(&e, 0, sizeof(e));
	strcpy(e.role, "dba");
	e.start = NOW - 600;
	e.end = NOW + 3600;
	in = input(&s, &h);
	in.mode = CW_MODE_ADMIN;
	in.elevations = &e;
	in.nelevations = 1;
	n = cw_lapses(&in, DAY, l, 8);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].role, "dba");
	i = cw_forecast_loss(&in, l, n, &after);
	assert_int_equal(i, 0);
	assert_int_equal(after.reason, CW_REASON_ELEVATION_REQUIRED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lapses_in_window),
		cmocka_unit_test(test_loss_agrees_with_decide),
		cmocka_unit_test(test_no_loss_when_denied_now),
		cmocka_unit_test(test_elevation_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
