/* SPDX-License-Identifier: MIT */
/*
 * audit_writer_streams.c - which audit streams the central writer reads,
 * and where each one is (audit_writer_internal.h).
 *
 * Every host forwards to its own stream <prefix>audit:<host>; a host may
 * write nothing else, so the writer cannot be told about a new host: it
 * finds the streams itself, with SCAN MATCH <prefix>audit* TYPE stream.
 * After taking the lease it scans to the end before reading anything
 * (every stream may hold entries a previous holder left pending); then
 * one step of SCAN_COUNT keys at most every SCAN_STEP_MS, a new cycle
 * SCAN_CYCLE_MS after the last ended, so a new host is found within a
 * cycle (about a second on a small keyspace; keys / 10,000 seconds on a
 * large one) while Redis spends little on it.  The legacy stream
 * <prefix>audit of older versions is found the same way.
 *
 * A stream found starts in SP_CHECK: its consumer group is created (from
 * id 0: whatever the stream holds is read) and XPENDING says whether a
 * previous holder (SP_OTHERS), this consumer (SP_OWN) or no one has
 * entries pending.  A stream that is gone, or is no longer a stream, is
 * dropped and found again if it comes back.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_writer_internal.h"
#include "lib/log.h"
#include "lib/wake.h"

#define SCAN_COUNT "1000"
#define SCAN_STEP_MS 100
#define SCAN_CYCLE_MS 1000
#define SCAN_MAX_STEPS 1000000  /* a bound for the full scan: 10^9 keys */
#define CHECK_MAX 128           /* streams checked per round (pipelined) */
#define CHECK_RETRY_MS 1000
#define STREAMS_MAX 1000000     /* far beyond any fleet */

int
writer_streams_init(struct cw_audit_writer *w, const char *prefix)
{
	if (cw_audit_redis_key(w->legacy_key, sizeof(w->legacy_key), prefix,
	    CW_KEY_AUDIT) < 0 || cw_audit_redis_key(w->host_prefix,
	    sizeof(w->host_prefix), prefix, CW_KEY_AUDIT_HOST) < 0 ||
	    cw_audit_redis_key(w->sealed_prefix, sizeof(w->sealed_prefix),
	    prefix, CW_KEY_AUDIT_SEALED) < 0)
		return -1;
	/* The prefix holds no glob character ([A-Za-z0-9:_-]). */
	snprintf(w->scan_match, sizeof(w->scan_match), "%s*", w->legacy_key);
	snprintf(w->scan_cursor, sizeof(w->scan_cursor), "0");
	return 0;
}

static void
stream_free(struct writer_stream *s)
{
	if (s != NULL) {
		free(s->key);
		free(s->sealed_key);
	}
	free(s);
}

void
writer_streams_free(struct cw_audit_writer *w)
{
	size_t i;

	for (i = 0; i < w->nstreams; i++)
		stream_free(w->streams[i]);
	free(w->streams);
	free(w->pick);
	free(w->argv);
	w->streams = w->pick = NULL;
	w->argv = NULL;
	w->nstreams = w->streams_cap = w->argv_cap = 0;
	w->legacy = NULL;
}

static int
stream_cmp(const void *a, const void *b)
{
	const struct writer_stream *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

struct writer_stream *
writer_streams_find(struct cw_audit_writer *w, const char *key, size_t len)
{
	size_t lo = 0, hi = w->nstreams, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strncmp(w->streams[mid]->key, key, len);
		if (c == 0 && w->streams[mid]->key[len] != '\0')
			c = 1;
		if (c == 0)
			return w->streams[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Room for one more stream, and for the commands that name them all:
 * XREADGROUP GROUP g c COUNT n BLOCK ms STREAMS + 2 per stream.
 */
static int
grow(struct cw_audit_writer *w)
{
	struct writer_stream **s, **p;
	const char **a;
	size_t cap;

	if (w->nstreams < w->streams_cap)
		return 0;
	if (w->nstreams >= STREAMS_MAX)
		return -1;
	cap = w->streams_cap == 0 ? 64 : w->streams_cap * 2;
	if ((s = realloc(w->streams, cap * sizeof(*s))) == NULL)
		return -1;
	w->streams = s;
	if ((p = realloc(w->pick, (cap + 1) * sizeof(*p))) == NULL)
		return -1;
	w->pick = p;
	if ((a = realloc(w->argv, (2 * cap + 16) * sizeof(*a))) == NULL)
		return -1;
	w->argv = a;
	w->argv_cap = 2 * cap + 16;
	w->streams_cap = cap;
	return 0;
}

/* The host a stream key names, or NULL if it names none. */
static const char *
key_host(const struct cw_audit_writer *w, const char *key, size_t len)
{
	size_t n = strlen(w->host_prefix);

	if (len <= n || len - n > CW_AUDIT_HOST_MAX ||
	    memcmp(key, w->host_prefix, n) != 0)
		return NULL;
	return key + n;
}

/*
 * A key SCAN returned: a new stream if it is one of ours.  The table is
 * sorted up to index sorted; those added since (this step's) are not
 * yet, and SCAN may return a key twice.  0 or -1.
 */
static int
add_key(struct cw_audit_writer *w, const char *key, size_t len,
    size_t sorted)
{
	struct writer_stream *s;
	const char *host = key_host(w, key, len);
	bool legacy = strlen(w->legacy_key) == len &&
	    memcmp(key, w->legacy_key, len) == 0;
	size_t i, n = w->nstreams;

	if ((!legacy && host == NULL) || memchr(key, '\0', len) != NULL)
		return 0;
	w->nstreams = sorted;
	s = writer_streams_find(w, key, len);
	w->nstreams = n;
	for (i = sorted; s == NULL && i < n; i++)
		if (strlen(w->streams[i]->key) == len &&
		    memcmp(w->streams[i]->key, key, len) == 0)
			s = w->streams[i];
	if (s != NULL)
		return 0;
	/* (A reply's string ends with a NUL: host is one.) */
	if (host != NULL && CW_AUDIT_HOST_RESERVED(host)) {
		/* Only a stream there can be found: it squats the lease. */
		writer_stream_error(w, "a stream squats a key of the writer's "
		    "lease (no writer can take it until it is deleted: DEL it)",
		    key, "");
		return 0;
	}
	if (grow(w) < 0 || (s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	if ((s->key = strndup(key, len)) == NULL) {
		free(s);
		return -1;
	}
	s->host = legacy ? NULL : s->key + (host - key);
	/* Where the host learns how far its stream is sealed (audit_ack.lua). */
	if (!legacy && asprintf(&s->sealed_key, "%s%s", w->sealed_prefix,
	    s->host) < 0) {
		s->sealed_key = NULL;
		stream_free(s);
		return -1;
	}
	s->phase = SP_CHECK;
	w->streams[w->nstreams++] = s;
	if (legacy)
		w->legacy = s;
	return 0;
}

/* One SCAN step from w->scan_cursor.  0 or -1. */
static int
scan_step(struct cw_audit_writer *w)
{
	const char *argv[8] = { "SCAN", w->scan_cursor, "MATCH",
	    w->scan_match, "TYPE", "stream", "COUNT", SCAN_COUNT };
	const redisReply *keys, *k;
	size_t i, sorted = w->nstreams;
	char err[512];
	redisReply *r;
	int rc = -1;

	if ((r = cw_redis_command(w->redis, err, sizeof(err), 8, argv,
	    NULL)) == NULL) {
		writer_redis_state(w, false, err);
		return -1;
	}
	writer_redis_state(w, true, NULL);
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[0]->len >= sizeof(w->scan_cursor) ||
	    r->element[1]->type != REDIS_REPLY_ARRAY) {
		writer_stream_error(w, "SCAN", w->scan_match,
		    r->type == REDIS_REPLY_ERROR ? r->str : "odd reply");
		goto out;
	}
	keys = r->element[1];
	for (i = 0; i < keys->elements; i++) {
		k = keys->element[i];
		if (k->type == REDIS_REPLY_STRING &&
		    add_key(w, k->str, k->len, sorted) < 0) {
			cw_log(LOG_CRIT, "audit writer: out of memory for the "
			    "list of audit streams");
			goto out;
		}
	}
	memcpy(w->scan_cursor, r->element[0]->str, r->element[0]->len + 1);
	rc = 0;
out:
	if (w->nstreams > sorted)
		qsort(w->streams, w->nstreams, sizeof(*w->streams), stream_cmp);
	freeReplyObject(r);
	return rc;
}

int
writer_streams_discover_all(struct cw_audit_writer *w)
{
	size_t i, steps;

	snprintf(w->scan_cursor, sizeof(w->scan_cursor), "0");
	for (steps = 0; steps < SCAN_MAX_STEPS; steps++) {
		if (scan_step(w) < 0)
			return -1;
		if (strcmp(w->scan_cursor, "0") == 0)
			break;
	}
	/* Whatever a previous holder did, look at every stream again. */
	for (i = 0; i < w->nstreams; i++) {
		w->streams[i]->phase = SP_CHECK;
		w->streams[i]->hot = false;
		w->streams[i]->retry_ms = 0;
	}
	w->legacy_clear = false;
	w->pass_pos = 0;
	w->pass_found = false;
	w->scan_next_ms = cw_now_ms() + SCAN_CYCLE_MS;
	cw_log(LOG_INFO, "audit writer: %zu audit streams (%s, %s*)",
	    w->nstreams, w->legacy_key, w->host_prefix);
	return 0;
}

int
writer_streams_discover_step(struct cw_audit_writer *w)
{
	long long now = cw_now_ms();

	if (now < w->scan_next_ms)
		return 0;
	if (scan_step(w) < 0) {
		w->scan_next_ms = now + SCAN_CYCLE_MS;
		return -1;
	}
	w->scan_next_ms = now + (strcmp(w->scan_cursor, "0") == 0 ?
	    SCAN_CYCLE_MS : SCAN_STEP_MS);
	return 0;
}

void
writer_streams_compact(struct cw_audit_writer *w)
{
	size_t i, n = 0;

	for (i = 0; i < w->nstreams; i++) {
		if (!w->streams[i]->gone) {
			w->streams[n++] = w->streams[i];
			continue;
		}
		if (w->streams[i] == w->legacy)
			w->legacy = NULL;
		stream_free(w->streams[i]);
	}
	if (n != w->nstreams)
		w->pass_pos = 0;
	w->nstreams = n;
}

void
writer_stream_error(struct cw_audit_writer *w, const char *what,
    const char *key, const char *text)
{
	w->errors_logged++;
	if ((w->errors_logged & (w->errors_logged - 1)) == 0)
		cw_log(LOG_ERR, "audit writer: %s %s: %.200s (%" PRIu64 " such "
		    "errors so far)", what, key, text, w->errors_logged);
}

/* Whether the XPENDING summary names a consumer other than us. */
static bool
others_in(const struct cw_audit_writer *w, const redisReply *list)
{
	const redisReply *c;
	size_t i;

	for (i = 0; list != NULL && list->type == REDIS_REPLY_ARRAY &&
	    i < list->elements; i++) {
		c = list->element[i];
		if (c->type == REDIS_REPLY_ARRAY && c->elements == 2 &&
		    c->element[0]->type == REDIS_REPLY_STRING &&
		    strcmp(c->element[0]->str, w->log->host) != 0)
			return true;
	}
	return false;
}

/* The phase XGROUP CREATE's and XPENDING's replies put s in. */
static void
classify(struct cw_audit_writer *w, struct writer_stream *s,
    const redisReply *created, const redisReply *pending)
{
	if (created->type == REDIS_REPLY_ERROR &&
	    strncmp(created->str, "BUSYGROUP", 9) != 0) {
		/* No such key, or not a stream: found again if it returns.
		 * Anything else (NOPERM...) is worth a line. */
		if (strstr(created->str, "requires the key to exist") == NULL &&
		    strncmp(created->str, "WRONGTYPE", 9) != 0)
			writer_stream_error(w, "XGROUP CREATE", s->key,
			    created->str);
		s->gone = true;
		return;
	}
	if (pending->type != REDIS_REPLY_ARRAY || pending->elements != 4 ||
	    pending->element[0]->type != REDIS_REPLY_INTEGER) {
		writer_stream_error(w, "XPENDING", s->key,
		    pending->type == REDIS_REPLY_ERROR ? pending->str :
		    "odd reply");
		/* Stays in SP_CHECK, tried again a second later. */
		s->retry_ms = cw_now_ms() + CHECK_RETRY_MS;
		return;
	}
	snprintf(s->cursor, sizeof(s->cursor), "0");
	s->retry_ms = 0;
	s->hot = false;
	if (pending->element[0]->integer == 0)
		s->phase = SP_NEW;
	else if (others_in(w, pending->element[3]))
		s->phase = SP_OTHERS;
	else
		s->phase = SP_OWN;
}

int
writer_streams_check(struct cw_audit_writer *w)
{
	const char *create[CHECK_MAX][5], *pend[CHECK_MAX][3];
	const char *const *argvp[2 * CHECK_MAX];
	struct writer_stream *s[CHECK_MAX];
	redisReply *rep[2 * CHECK_MAX];
	int argc[2 * CHECK_MAX];
	long long now = cw_now_ms();
	size_t i, n = 0;
	char err[512];

	for (i = 0; i < w->nstreams && n < CHECK_MAX; i++)
		if (w->streams[i]->phase == SP_CHECK && !w->streams[i]->gone &&
		    w->streams[i]->retry_ms <= now)
			s[n++] = w->streams[i];
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		/* XGROUP CREATE key group 0 (no MKSTREAM: it must exist),
		 * then XPENDING key group: one round trip for all. */
		create[i][0] = "XGROUP";
		create[i][1] = "CREATE";
		create[i][2] = s[i]->key;
		create[i][3] = GROUP;
		create[i][4] = "0";
		pend[i][0] = "XPENDING";
		pend[i][1] = s[i]->key;
		pend[i][2] = GROUP;
		argvp[2 * i] = create[i];
		argc[2 * i] = 5;
		argvp[2 * i + 1] = pend[i];
		argc[2 * i + 1] = 3;
	}
	if (cw_redis_pipeline(w->redis, err, sizeof(err), 2 * n, argc, argvp,
	    NULL, rep) < 0) {
		writer_redis_state(w, false, err);
		return -1;
	}
	writer_redis_state(w, true, NULL);
	for (i = 0; i < n; i++) {
		classify(w, s[i], rep[2 * i], rep[2 * i + 1]);
		freeReplyObject(rep[2 * i]);
		freeReplyObject(rep[2 * i + 1]);
	}
	return 1;
}

void
writer_round_pause(struct cw_audit_writer *w, int ms)
{
	long long until = cw_now_ms() + ms;

	pthread_mutex_lock(&w->lock);
	while (!w->stop)
		if (!cw_wake_wait_until(&w->cond, &w->lock, until))
			break;
	pthread_mutex_unlock(&w->lock);
}
