/* SPDX-License-Identifier: MIT */
/*
 * test_daemon_lib.c - daemon/lib: the doorbell and the mark (wake.c), the
 * namebox hand-off, set operations on name maps.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/namebox.h"
#include "lib/strmap.h"
#include "lib/wake.h"

static void
set_of(struct cw_strmap *m, const char *const *names)
{
	void *old;

	cw_strmap_init(m);
	for (; *names != NULL; names++)
		assert_int_equal(cw_strmap_put(m, *names, (void *)1, &old), 0);
}

/* A poke ends a nap at once and is consumed; a stop ends every nap. */
static void
test_wake_nap(void **state)
{
	struct cw_wake w;
	long long t0, by;

	(void)state;
	cw_wake_init(&w);
	cw_wake_poke(&w);
	t0 = cw_now_ms();
	assert_true(cw_wake_nap(&w, 5000));
	assert_true(cw_now_ms() - t0 < 1000);
	t0 = cw_now_ms();
	assert_true(cw_wake_nap(&w, 50));       /* no poke left: times out */
	assert_true(cw_now_ms() - t0 >= 40);
	assert_false(cw_wake_stopping(&w));
	cw_wake_stop_within(&w, 2000);
	assert_true(cw_wake_stopping_by(&w, &by));
	assert_true(by >= cw_now_ms() + 1000);
	assert_false(cw_wake_nap(&w, 5000));
	cw_wake_destroy(&w);
}

struct leaver {
	struct cw_wake *w;
	bool done;
};

static void *
leave_on_stop(void *arg)
{
	struct leaver *l = arg;

	while (cw_wake_nap(l->w, 10000))
		;
	pthread_mutex_lock(&l->w->lock);
	l->done = true;
	pthread_cond_broadcast(&l->w->cond);
	pthread_mutex_unlock(&l->w->lock);
	return NULL;
}

/* A stop with a bounded wait sees the thread leave. */
static void
test_wake_stop_wait(void **state)
{
	struct cw_wake w;
	struct leaver l = { &w, false };
	pthread_t t;

	(void)state;
	cw_wake_init(&w);
	assert_int_equal(pthread_create(&t, NULL, leave_on_stop, &l), 0);
	assert_true(cw_wake_stop_wait(&w, &l.done, cw_now_ms() + 5000));
	pthread_join(t, NULL);
	cw_wake_destroy(&w);
}

struct setter {
	struct cw_mark *m;
	long long value;
};

static void *
set_later(void *arg)
{
	struct setter *s = arg;

	usleep(50 * 1000);
	cw_mark_set(s->m, s->value);
	return NULL;
}

/* A waiter is woken by the set, not by polling; a bound is kept. */
static void
test_mark(void **state)
{
	struct cw_mark m;
	struct setter s = { &m, 7 };
	pthread_t t;
	long long t0;

	(void)state;
	cw_mark_init(&m);
	t0 = cw_now_ms();
	assert_false(cw_mark_wait(&m, 1, t0 + 50));
	assert_true(cw_now_ms() - t0 >= 40);
	assert_int_equal(pthread_create(&t, NULL, set_later, &s), 0);
	assert_true(cw_mark_wait(&m, 7, cw_now_ms() + 5000));
	pthread_join(t, NULL);
	assert_true(cw_mark_wait(&m, 3, cw_now_ms()));  /* already past */
	cw_mark_destroy(&m);
}

/* Names come out in order, each once, up to the bound; each put rings. */
static void
test_namebox_names(void **state)
{
	struct cw_namebox b;
	struct cw_wake bell;
	char name[16];

	(void)state;
	cw_wake_init(&bell);
	cw_namebox_init(&b, &bell, 2);
	assert_int_equal(cw_namebox_put(&b, "alice"), 0);
	assert_true(bell.poke);
	assert_int_equal(cw_namebox_put(&b, "bob"), 0);
	assert_int_equal(cw_namebox_put(&b, "alice"), 0);  /* waiting */
	assert_int_equal(cw_namebox_put(&b, "carol"), -1); /* full */
	assert_true(cw_namebox_take(&b, name, sizeof(name)));
	assert_string_equal(name, "alice");
	assert_int_equal(cw_namebox_put(&b, "carol"), 0);
	assert_true(cw_namebox_take(&b, name, sizeof(name)));
	assert_string_equal(name, "bob");
	assert_true(cw_namebox_take(&b, name, sizeof(name)));
	assert_string_equal(name, "carol");
	assert_false(cw_namebox_take(&b, name, sizeof(name)));
	cw_namebox_free(&b);
	cw_wake_destroy(&bell);
}

/*
 * A set waiting is taken before any name (names put after it must not be
 * seen first), and the kept names are those in every set since the last
 * take: bob left for a while, so his finished step is forgotten.
 */
static void
test_namebox_sets(void **state)
{
	static const char *const s1[] = { "alice", "carol", NULL };
	static const char *const s2[] = { "alice", "bob", "carol", NULL };
	struct cw_strmap a, b2, latest, kept;
	struct cw_namebox b;
	struct cw_wake bell;
	char name[16];
	bool complete;

	(void)state;
	cw_wake_init(&bell);
	cw_namebox_init(&b, &bell, 16);
	set_of(&a, s1);
	set_of(&b2, s2);
	cw_strmap_init(&latest);
	cw_strmap_init(&kept);
	cw_namebox_put_set(&b, &a);
	cw_namebox_put_set(&b, &b2);
	assert_int_equal(cw_namebox_put(&b, "bob"), 0);
	assert_false(cw_namebox_take(&b, name, sizeof(name)));
	assert_true(cw_namebox_take_set(&b, &latest, &kept, &complete));
	assert_true(complete);
	assert_int_equal(latest.count, 3);
	assert_int_equal(kept.count, 2);
	assert_null(cw_strmap_get(&kept, "bob"));
	assert_false(cw_namebox_take_set(&b, &latest, &kept, &complete));
	assert_true(cw_namebox_take(&b, name, sizeof(name)));
	assert_string_equal(name, "bob");
	cw_strmap_clear(&a, NULL);
	cw_strmap_clear(&b2, NULL);
	cw_strmap_clear(&latest, NULL);
	cw_strmap_clear(&kept, NULL);
	cw_namebox_free(&b);
	cw_wake_destroy(&bell);
}

static void
test_strmap_sets(void **state)
{
	static const char *const ab[] = { "a", "b", NULL };
	static const char *const bc[] = { "b", "c", NULL };
	struct cw_strmap m, x, y;

	(void)state;
	set_of(&x, ab);
	set_of(&y, bc);
	cw_strmap_init(&m);
	assert_int_equal(cw_strmap_add_keys(&m, &x), 0);
	assert_int_equal(cw_strmap_add_keys(&m, &y), 0);
	assert_int_equal(m.count, 3);
	assert_int_equal(cw_strmap_keep_keys(&m, &y), 1);      /* a goes */
	assert_null(cw_strmap_get(&m, "a"));
	cw_strmap_drop_keys(&m, &x);                            /* b goes */
	assert_int_equal(m.count, 1);
	assert_non_null(cw_strmap_get(&m, "c"));
	cw_strmap_clear(&m, NULL);
	cw_strmap_clear(&x, NULL);
	cw_strmap_clear(&y, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wake_nap),
		cmocka_unit_test(test_wake_stop_wait),
		cmocka_unit_test(test_mark),
		cmocka_unit_test(test_namebox_names),
		cmocka_unit_test(test_namebox_sets),
		cmocka_unit_test(test_strmap_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
