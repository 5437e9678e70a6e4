/* SPDX-License-Identifier: MIT */
/*
 * test_answer_wait.c - how the answer thread waits (daemon/serve/
 * answer_wait.c): the polling window's growth and shrinking, and the wait
 * itself over a real pipe.
 */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "serve/answer_wait.h"

/* answer_poll_us = 0: the window never opens, whatever the gaps. */
static void
test_off_never_polls(void **state)
{
	long long w = 0;
	int i;

	(void)state;
	for (i = 0; i < 10; i++) {
		w = cw_answer_wait_adapt(w, 0, 10);
		assert_int_equal(w, 0);
	}
}

/* Requests in a burst open the window up to the most, and no further;
 * requests further apart than the most shut it again, down to nothing. */
static void
test_grows_in_bursts_and_shuts_when_quiet(void **state)
{
	long long w = 0, max = 200;
	int i;

	(void)state;
	w = cw_answer_wait_adapt(w, max, 80);
	assert_int_equal(w, CW_ANSWER_POLL_START_US);
	for (i = 0; i < 10; i++)
		w = cw_answer_wait_adapt(w, max, 150);
	assert_int_equal(w, max);
	w = cw_answer_wait_adapt(w, max, 5000);
	assert_int_equal(w, max / CW_ANSWER_POLL_GROW);
	for (i = 0; i < 10; i++)
		w = cw_answer_wait_adapt(w, max, 1000000);
	assert_int_equal(w, 0);
	/* A most under the starting step is the window at once. */
	assert_int_equal(cw_answer_wait_adapt(0, 10, 5), 10);
}

struct writer {
	int fd;
	int delay_us;
};

static void *
write_later(void *arg)
{
	struct writer *wr = arg;

	usleep((useconds_t)wr->delay_us);
	if (write(wr->fd, "x", 1) != 1)
		return NULL;
	return NULL;
}

/* A request that comes while the thread polls ends the wait there; one
 * that comes after the window is caught by the sleep, which opens the
 * window; nothing at all ends in a timeout, polling included. */
static void
test_wait_over_a_pipe(void **state)
{
	struct cw_answer_wait w;
	struct writer wr;
	struct pollfd p;
	pthread_t t;
	int fds[2];
	char c;
	long long t0;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	p = (struct pollfd){ .fd = fds[0], .events = POLLIN };

	cw_answer_wait_init(&w, 1000);
	wr = (struct writer){ .fd = fds[1], .delay_us = 20000 };
	assert_int_equal(pthread_create(&t, NULL, write_later, &wr), 0);
	assert_int_equal(cw_answer_wait_poll(&w, &p, 1, 5000), 1);
	pthread_join(t, NULL);
	assert_int_equal(read(fds[0], &c, 1), 1);
	assert_int_equal(w.slept, 1);
	assert_int_equal(w.caught, 0);
	assert_int_equal(w.window_us, 0);      /* 20 ms apart: no burst */

	w.window_us = 1000;                     /* as after a burst */
	wr.delay_us = 200;
	assert_int_equal(pthread_create(&t, NULL, write_later, &wr), 0);
	assert_int_equal(cw_answer_wait_poll(&w, &p, 1, 5000), 1);
	pthread_join(t, NULL);
	assert_int_equal(read(fds[0], &c, 1), 1);
	/* Caught by polling unless the writer took longer than the window
	 * to be scheduled (a loaded machine): then the sleep caught it. */
	assert_int_equal(w.caught + w.slept, 2);

	t0 = cw_now_us();
	assert_int_equal(cw_answer_wait_poll(&w, &p, 1, 30), 0);
	assert_true(cw_now_us() - t0 >= 29000);
	close(fds[0]);
	close(fds[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_never_polls),
		cmocka_unit_test(test_grows_in_bursts_and_shuts_when_quiet),
		cmocka_unit_test(test_wait_over_a_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
