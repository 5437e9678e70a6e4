/* SPDX-License-Identifier: MIT */
/*
 * mirror_writer.c - see mirror_writer.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/wake.h"
#include "sync/mirror_writer.h"

struct cw_mirror_writer {
	struct cw_store *st;
	pthread_t thread;
	int fd;                         /* eventfd: a result is in */
	bool busy;                      /* the mirror thread's */

	/* Its lock guards the rest; the batch's fields are read by the
	 * writer between taking "queued" and setting "done", and left alone
	 * by the mirror thread meanwhile.  Its stop ends the thread. */
	struct cw_wake wake;
	bool queued, done;
	const struct cw_store_change *c;
	size_t n;
	enum cw_cookie_op op;
	const char *cookie;
	size_t cookie_len;
	struct cw_lease lease;          /* the token the batch carries */
	long long gen;                  /* the result; -1: err */
	char err[256];
};

static void *
writer_main(void *arg)
{
	struct cw_mirror_writer *w = arg;
	char err[sizeof(w->err)];
	long long gen;

	pthread_setname_np(pthread_self(), "cw-mirror-w");
	pthread_mutex_lock(&w->wake.lock);
	for (;;) {
		while (!w->queued && !w->wake.stop)
			pthread_cond_wait(&w->wake.cond, &w->wake.lock);
		if (!w->queued)
			break;
		w->queued = false;
		pthread_mutex_unlock(&w->wake.lock);
		err[0] = '\0';
		gen = cw_store_write(w->st, w->c, w->n, w->op, w->cookie,
		    w->cookie_len, err, sizeof(err));
		pthread_mutex_lock(&w->wake.lock);
		w->gen = gen;
		memcpy(w->err, err, sizeof(err));
		w->done = true;
		(void)eventfd_write(w->fd, 1);
		pthread_cond_broadcast(&w->wake.cond);
	}
	pthread_mutex_unlock(&w->wake.lock);
	return NULL;
}

struct cw_mirror_writer *
cw_mirror_writer_start(struct cw_store *st, char *err, size_t errlen)
{
	struct cw_mirror_writer *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->st = st;
	st->lease = &w->lease;
	cw_wake_init(&w->wake);
	if ((w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if ((rc = pthread_create(&w->thread, NULL, writer_main, w)) != 0) {
		snprintf(err, errlen, "cannot start the mirror's writer: %s",
		    strerror(rc));
		goto fail;
	}
	return w;
fail:
	if (w->fd >= 0)
		close(w->fd);
	cw_wake_destroy(&w->wake);
	st->lease = NULL;
	free(w);
	return NULL;
}

int
cw_mirror_writer_fd(const struct cw_mirror_writer *w)
{
	return w->fd;
}

bool
cw_mirror_writer_busy(const struct cw_mirror_writer *w)
{
	return w->busy;
}

int
cw_mirror_writer_put(struct cw_mirror_writer *w,
    const struct cw_store_change *c, size_t n, enum cw_cookie_op op,
    const char *cookie, size_t cookie_len, const struct cw_lease *lease,
    long long *mirror_seq)
{
	if (w->busy)
		return -1;
	pthread_mutex_lock(&w->wake.lock);
	w->c = c;
	w->n = n;
	w->op = op;
	w->cookie = cookie;
	w->cookie_len = cookie_len;
	cw_lease_snapshot(&w->lease, lease);
	w->st->mirror_seq = mirror_seq;
	w->done = false;
	w->queued = true;
	pthread_cond_signal(&w->wake.cond);
	pthread_mutex_unlock(&w->wake.lock);
	w->busy = true;
	return 0;
}

/* Lock held: the result, if in (see cw_mirror_writer_take). */
static int
take_locked(struct cw_mirror_writer *w, long long *gen, char *err,
    size_t errlen)
{
	eventfd_t ignored;

	if (!w->busy || !w->done)
		return 0;
	w->done = false;
	w->busy = false;
	*gen = w->gen;
	if (w->gen < 0)
		snprintf(err, errlen, "%s", w->err);
	(void)eventfd_read(w->fd, &ignored);    /* non-blocking */
	return 1;
}

int
cw_mirror_writer_take(struct cw_mirror_writer *w, long long *gen, char *err,
    size_t errlen)
{
	int rc;

	if (!w->busy)
		return 0;
	pthread_mutex_lock(&w->wake.lock);
	rc = take_locked(w, gen, err, errlen);
	pthread_mutex_unlock(&w->wake.lock);
	return rc;
}

int
cw_mirror_writer_settle(struct cw_mirror_writer *w, long long *gen,
    char *err, size_t errlen)
{
	int rc;

	if (w == NULL || !w->busy)
		return 0;
	pthread_mutex_lock(&w->wake.lock);
	while (!w->done)
		pthread_cond_wait(&w->wake.cond, &w->wake.lock);
	rc = take_locked(w, gen, err, errlen);
	pthread_mutex_unlock(&w->wake.lock);
	return rc;
}

void
cw_mirror_writer_stop(struct cw_mirror_writer *w)
{
	if (w == NULL)
		return;
	cw_wake_stop(&w->wake);
	pthread_join(w->thread, NULL);
	close(w->fd);
	w->st->lease = NULL;
	w->st->mirror_seq = NULL;
	cw_wake_destroy(&w->wake);
	free(w);
}
