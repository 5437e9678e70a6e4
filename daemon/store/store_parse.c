/* SPDX-License-Identifier: MIT */
/*
 * store_parse.c - parsing a loaded hash into a policy db, with an
 * optional parse worker the caller owns (store_parse.h).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "store/store_parse.h"

/* How often (in entries) a long parse asks whether the daemon stops. */
#define PARSE_STOP_EVERY 4096
/* Below this many values a second thread costs more than it saves. */
#define PARSE_SPLIT_MIN 1000

/* Parsing values [from, to) of a hash reply, on either thread. */
struct parse_job {
	enum cw_kind kind;
	const redisReply *r;
	size_t from, to;
	int64_t now;
	struct cw_db_entry **out;       /* one slot per value; NULL: unusable */
	size_t bad;
	char why[256];
	const struct cw_stop_check *stop;
	bool stopped;                   /* gave up: out[from..to) partly set */
	bool done;                      /* the worker finished it */
};

struct cw_parse_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;            /* a job handed over, done, or quit */
	struct parse_job *job;          /* handed over and not yet done */
	bool quit;
};

/*
 * Parses values [j->from, j->to) into j->out (NULL: unusable, counted in
 * j->bad), asking the stop check every PARSE_STOP_EVERY values.
 */
static void
parse_range(struct parse_job *j)
{
	char why[256];
	size_t i;

	for (i = j->from; i < j->to; i++) {
		const redisReply *v = j->r->element[2 * i + 1];

		if ((i - j->from) % PARSE_STOP_EVERY == PARSE_STOP_EVERY - 1 &&
		    j->stop->stopping != NULL &&
		    j->stop->stopping(j->stop->arg)) {
			j->stopped = true;
			break;
		}

		j->out[i] = v->type == REDIS_REPLY_STRING ?
		    cw_db_entry_parse(j->kind, v->str, v->len, j->now, why,
		    sizeof(why)) : NULL;
		if (j->out[i] == NULL && j->bad++ == 0)
			snprintf(j->why, sizeof(j->why), "%s", why);
	}
}

/*
 * The worker: sleeps until handed a job or told to quit.  Its waits are
 * unbounded on purpose: it is idle between loads, and every job ends
 * within PARSE_STOP_EVERY entries of a stop.
 */
static void *
worker_main(void *arg)
{
	struct cw_parse_worker *w = arg;
	struct parse_job *j;

	pthread_setname_np(pthread_self(), "cw-parse");
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->job == NULL && !w->quit)
			pthread_cond_wait(&w->cond, &w->lock);
		if ((j = w->job) == NULL)
			break;
		pthread_mutex_unlock(&w->lock);
		parse_range(j);
		pthread_mutex_lock(&w->lock);
		j->done = true;
		w->job = NULL;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct cw_parse_worker *
cw_parse_worker_start(void)
{
	struct cw_parse_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

void
cw_parse_worker_stop(struct cw_parse_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/*
 * Runs jobs[0] here and jobs[1] on w (or here too, after jobs[0], when w
 * is NULL or the hash is small).
 */
static void
parse_split(struct cw_parse_worker *w, struct parse_job jobs[2], size_t n)
{
	if (w == NULL || n < PARSE_SPLIT_MIN) {
		parse_range(&jobs[0]);
		if (!jobs[0].stopped)
			parse_range(&jobs[1]);
		return;
	}
	pthread_mutex_lock(&w->lock);
	w->job = &jobs[1];
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	parse_range(&jobs[0]);
	/* Bounded by the worker's half, which also asks the stop check. */
	pthread_mutex_lock(&w->lock);
	while (!jobs[1].done)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/* Puts the parsed entries into db; notes what could not go in. */
static void
insert_parsed(struct cw_db *db, enum cw_kind kind, struct parse_job jobs[2],
    size_t n, size_t *skipped, char *err, size_t errlen)
{
	struct cw_db_entry **out = jobs[0].out;
	size_t i;

	for (i = 0; i < n; i++) {
		if (out[i] != NULL && cw_db_put(db, out[i]) == 0)
			continue;
		if (out[i] != NULL && (*skipped)++ == 0)
			snprintf(err, errlen, "%s: out of memory",
			    cw_store_kind_key(kind));
	}
	for (i = 0; i < 2; i++)
		if (jobs[i].bad > 0 && (*skipped += jobs[i].bad) == jobs[i].bad)
			snprintf(err, errlen, "%s: %s", cw_store_kind_key(kind),
			    jobs[i].why);
}

int
cw_store_parse_hash(struct cw_parse_worker *w, struct cw_db *db,
    enum cw_kind kind, const redisReply *r, const struct cw_stop_check *stop,
    size_t *skipped, char *err, size_t errlen)
{
	size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements / 2 : 0, i;
	struct parse_job jobs[2];
	struct cw_db_entry **out;

	if ((out = calloc(n + 1, sizeof(*out))) == NULL)
		return -1;
	for (i = 0; i < 2; i++) {
		jobs[i] = (struct parse_job){ kind, r, i * (n / 2),
		    i ? n : n / 2, (int64_t)time(NULL), out, 0, "", stop,
		    false, false };
	}
	parse_split(w, jobs, n);
	if (jobs[0].stopped || jobs[1].stopped) {
		for (i = 0; i < n; i++)
			cw_db_entry_free(out[i]);
		free(out);
		snprintf(err, errlen, "stopping");
		return 1;
	}
	insert_parsed(db, kind, jobs, n, skipped, err, errlen);
	free(out);
	return 0;
}
