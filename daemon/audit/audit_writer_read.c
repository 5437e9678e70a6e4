/* SPDX-License-Identifier: MIT */
/*
 * audit_writer_read.c - the central writer's work while it holds the
 * lease: read every audit stream (audit_writer_streams.c finds them),
 * each in order (first what a previous holder left pending, then its own
 * pending entries, then new ones), check that each event comes from the
 * host whose stream carried it, drop copies, seal a batch into the trail
 * with one fsync, then XACK and XDEL it.  Apart from the lease and the
 * thread (audit_writer.c) because this is where the order and the
 * at-least-once rules of docs/audit.md live.
 *
 * Many streams.  New entries are read with XREADGROUP over many streams
 * at once.  Up to BLOCK_ALL_MAX streams, one read names them all, and
 * blocks once a read found nothing.  Beyond, a pass takes the streams in
 * chunks of CHUNK (non-blocking); after a pass that found nothing the
 * next comes after a pause that grows with the number of streams (Redis
 * has no cheaper way to learn which of 10,000 streams has something, and
 * a host may write nothing but its own stream), and meanwhile the streams
 * active lately are read blocking.  A stream that filled its COUNT is
 * "hot" and is read again at once with a larger COUNT, so one busy host
 * is not held to the small share a read over many streams gives each.
 * A read returns at most about READ_MAX entries, sealed in batches of
 * BATCH.
 *
 * The legacy stream.  An older version's host sent its events to
 * <prefix>audit; after its upgrade, what its spool still held goes to
 * its own stream with the same event ids.  So that the duplicate marks
 * (per host and run, in order) never see the later part first, host
 * streams are read only once a read found nothing new in the legacy
 * stream, and every read of host streams names the legacy stream first:
 * if it brings legacy entries, those are sealed and the host entries of
 * that read wait (they are re-read from this consumer's pending list).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit_writer_internal.h"
#include "lib/log.h"
#include "lib/wake.h"
#include "store/lua_scripts.h"

/* A dead holder's entries are claimed once idle a whole lease: by then it
 * cannot seal them (APPEND_MARGIN_MS) and its acks are fenced. */
#define CLAIM_IDLE_MS WRITER_LEASE_MS
#define CLAIM_RETRY_MS 1000
#define CHUNK 256               /* streams per read of a pass */
/* Up to this many streams, one read names them all and blocks when idle
 * (about 1 ms of Redis per read at 1,000 streams, measured). */
#define BLOCK_ALL_MAX 1024
#define READ_MAX 4096           /* entries per read: COUNT x streams */
#define IDLE_PAUSE_MS 200       /* no stream to block on */
/* Beyond CHUNK streams, an idle pass every POLL_US_PER_STREAM x streams
 * (at least IDLE_PASS_MIN_MS): about 2% of a Redis core at the ~0.6 us
 * per stream an empty read costs it (measured: 10,000 streams, 40 reads
 * of 256, 160 us each).  Streams with entries in the last RECENT_MS are
 * read blocking in between. */
#define POLL_US_PER_STREAM 30
#define IDLE_PASS_MIN_MS 200
#define RECENT_MS 60000

static void
add_id(struct cw_audit_writer *w, struct writer_stream *s,
    const redisReply *id)
{
	if (id->type != REDIS_REPLY_STRING || id->len >= STREAM_ID_MAX ||
	    w->nids >= ACK_IDS)
		return;
	memcpy(w->ids[w->nids], id->str, id->len + 1);
	w->id_stream[w->nids++] = s;
}

static void
note_invalid(struct cw_audit_writer *w, const char *id, const char *why)
{
	cw_metrics_add(w->log->metrics, CW_COUNTER_INVALID, 1);
	/* A flood of garbage must not flood the log: 1st, 2nd, 4th, ... */
	w->invalid_logged++;
	if ((w->invalid_logged & (w->invalid_logged - 1)) == 0)
		cw_log(LOG_ERR, "audit writer: stream entry %s is not an event "
		    "(%s); dropped (%" PRIu64 " so far)", id, why,
		    w->invalid_logged);
}

/*
 * ev, read from s (host h's stream), claims host g != h: h's root (or
 * whoever holds h's Redis user) tried to write g's record.  It is not
 * sealed as g's: ev becomes the forged_host anomaly record of h, naming
 * the stream, the entry and what it claimed, with the forged event's id
 * (so a copy of the entry is dropped like any other).  0 or -1.
 */
static int
forged(struct cw_audit_writer *w, struct writer_stream *s,
    struct cw_audit_event *ev, const char *entry)
{
	char claimed[CW_AUDIT_TEXT_MAX + 1], eid[CW_AUDIT_TEXT_MAX + 1] = "";
	const struct cw_audit_detail *d = cw_audit_event_detail(ev,
	    "event_id");
	const char *type = cw_audit_type_name(ev->type);

	memcpy(claimed, ev->host, sizeof(claimed));
	if (d != NULL && d->kind == CW_AUDIT_STRING)
		memcpy(eid, d->text, sizeof(eid));
	cw_metrics_alert(w->log->metrics, "forged_host");
	w->forged_logged++;
	if ((w->forged_logged & (w->forged_logged - 1)) == 0)
		cw_log(LOG_ALERT, "audit alert forged_host: stream %s (host %s) "
		    "carried a %s event claiming host %s (entry %s); recorded "
		    "as an anomaly, not as that host's (%" PRIu64 " so far)",
		    s->key, s->host, type, claimed, entry, w->forged_logged);
	if (cw_audit_event_init(ev, CW_AUDIT_ANOMALY_ALERT, cw_audit_now_us(),
	    CW_AUDIT_ACTOR, claimed, "alert") < 0)
		return -1;
	cw_audit_event_set_host(ev, s->host);
	if (cw_audit_event_add_string(ev, "kind", "forged_host") < 0 ||
	    cw_audit_event_add_string(ev, "stream", s->key) < 0 ||
	    cw_audit_event_add_string(ev, "entry", entry) < 0 ||
	    cw_audit_event_add_string(ev, "claimed_host", claimed) < 0 ||
	    cw_audit_event_add_string(ev, "claimed_type", type) < 0 ||
	    (eid[0] != '\0' && cw_audit_event_add_string(ev, "event_id",
	    eid) < 0))
		return -1;
	return 0;
}

/* The event line of a stream entry's fields (field e), or NULL. */
static const redisReply *
field_e(const redisReply *f)
{
	size_t i;

	for (i = 0; i + 1 < f->elements; i += 2)
		if (f->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(f->element[i]->str, "e") == 0 &&
		    f->element[i + 1]->type == REDIS_REPLY_STRING)
			return f->element[i + 1];
	return NULL;
}

/* One entry [id, [field, value, ...]] of stream s into w->events[*n]. */
static void
take_entry(struct cw_audit_writer *w, struct writer_stream *s,
    const redisReply *e, size_t *n)
{
	char run[CW_AUDIT_RUN_LEN + 1], err[256];
	struct cw_audit_event *ev = &w->events[*n];
	const redisReply *f, *line;
	uint64_t counter, missing;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING)
		return;
	add_id(w, s, e->element[0]);
	f = e->element[1];
	if (f->type != REDIS_REPLY_ARRAY)
		return;                 /* deleted meanwhile: just XACK it */
	if ((line = field_e(f)) == NULL) {
		note_invalid(w, e->element[0]->str, "no field e");
		return;
	}
	if (cw_audit_event_parse(line->str, line->len, ev, err,
	    sizeof(err)) < 0) {
		note_invalid(w, e->element[0]->str, err);
		return;
	}
	if (s->host != NULL && strcmp(ev->host, s->host) != 0 &&
	    forged(w, s, ev, e->element[0]->str) < 0) {
		note_invalid(w, e->element[0]->str, "forged host, no record");
		return;
	}
	/* Without an id (another implementation?) it cannot be a known
	 * copy: sealed, rather than risk losing it. */
	if (!cw_audit_dedup_event_id(ev, run, &counter)) {
		(*n)++;
		return;
	}
	if (!cw_audit_dedup_see(w->dedup, ev->host, run, counter,
	    &missing)) {
		cw_metrics_add(w->log->metrics, CW_COUNTER_DUPLICATES, 1);
		return;
	}
	if (missing > 0) {
		cw_metrics_add(w->log->metrics, CW_COUNTER_MISSING, missing);
		cw_log(LOG_WARNING, "audit writer: %" PRIu64 " events of host %s"
		    " (run %s) before %" PRIu64 " have not arrived (sealed "
		    "late if they come)", missing, ev->host, run, counter);
	}
	(*n)++;
}

/*
 * XACK and XDEL the ids handled, per stream (the ids of one stream are
 * consecutive): acknowledged, and gone from Redis.  One script per
 * stream (lua/audit_ack.lua), all in one round trip, each refused unless
 * the lease still holds our token: then the ids stay pending for the
 * new holder.
 */
static int
ack(struct cw_audit_writer *w)
{
	const char *argv[ACK_IDS * 9];
	const char *const *cmd[ACK_IDS];
	redisReply *rep[ACK_IDS];
	const char *token = cw_lease_held(&w->lease) ? w->lease.token : "none";
	int argc[ACK_IDS], rc = 0;
	size_t i, j, k, a = 0, c = 0;
	bool fenced = false;
	char err[512];

	for (i = 0; i < w->nids; i = j) {
		for (j = i; j < w->nids && w->id_stream[j] == w->id_stream[i];)
			j++;
		cmd[c] = &argv[a];
		argc[c++] = (int)(j - i) + (w->id_stream[i]->sealed_key ? 8 : 7);
		argv[a++] = "EVAL";
		argv[a++] = cw_lua_audit_ack;
		argv[a++] = w->id_stream[i]->sealed_key ? "3" : "2";
		argv[a++] = w->lock_key;
		argv[a++] = w->id_stream[i]->key;
		if (w->id_stream[i]->sealed_key != NULL)
			argv[a++] = w->id_stream[i]->sealed_key;
		argv[a++] = token;
		argv[a++] = GROUP;
		for (k = i; k < j; k++)
			argv[a++] = w->ids[k];
	}
	if (c == 0)
		return 0;
	if (cw_redis_pipeline(w->redis, err, sizeof(err), c, argc, cmd, NULL,
	    rep) < 0) {
		writer_redis_state(w, false, err);
		return -1;
	}
	writer_redis_state(w, true, NULL);
	for (i = 0; i < c; i++) {
		if (rep[i]->type != REDIS_REPLY_INTEGER)
			rc = -1;
		if (rep[i]->type == REDIS_REPLY_ERROR &&
		    cw_lease_refused(&w->lease, rep[i]->str))
			fenced = true;
		else if (rep[i]->type == REDIS_REPLY_ERROR)
			writer_stream_error(w, "XACK", w->id_stream[0]->key,
			    rep[i]->str);
		freeReplyObject(rep[i]);
	}
	if (fenced)
		writer_fenced(w, "XACK");
	return rc;
}

/* Seals n events: fsync'd when it returns 0. */
static int
seal(struct cw_audit_writer *w, size_t n)
{
	char err[512];

	if (n == 0)
		return 0;
	/* The lock may have expired unseen: do not write beside another.
	 * The marks already count these events: relearn them from what
	 * the trail really holds, or their re-read would look like copies. */
	if (!cw_lease_held(&w->lease) ||
	    cw_now_ms() - w->lease.renewed_ms > APPEND_MARGIN_MS) {
		cw_audit_dedup_rebuild(w->dedup, w->dir);
		return -1;
	}
	if (cw_audit_store_append(w->store, w->events, n, cw_audit_now_us(),
	    err, sizeof(err)) < 0) {
		/* Reopening repairs the file and rebuilds the marks from
		 * what really reached it; the events are read again. */
		cw_log(LOG_CRIT, "audit writer: append failed: %s", err);
		writer_reopen(w);
		return -1;
	}
	cw_metrics_add(w->log->metrics, CW_COUNTER_WRITTEN, n);
	return 0;
}

/* Seals what was taken, then acknowledges it.  0 or -1. */
static int
flush(struct cw_audit_writer *w, size_t *n)
{
	int rc = 0;

	if (seal(w, *n) < 0 || ack(w) < 0)
		rc = -1;
	*n = 0;
	w->nids = 0;
	return rc;
}

/*
 * What was read from the streams marked in_reply may be pending to us
 * unsealed: they re-read their pending entries from the start.
 */
static void
reread_later(struct cw_audit_writer *w)
{
	size_t i;

	for (i = 0; i < w->nstreams; i++) {
		struct writer_stream *s = w->streams[i];

		if (!s->in_reply)
			continue;
		s->in_reply = false;
		s->hot = false;
		if (s->phase != SP_CHECK && s->phase != SP_OTHERS) {
			s->phase = SP_OWN;
			snprintf(s->cursor, sizeof(s->cursor), "0");
		}
		if (s == w->legacy)
			w->legacy_clear = false;
	}
}

/* Entries of stream s (and ids XAUTOCLAIM found deleted).  0 or -1. */
static int
take_all(struct cw_audit_writer *w, struct writer_stream *s,
    const redisReply *entries, const redisReply *deleted, size_t *n)
{
	size_t i;

	for (i = 0; entries != NULL && i < entries->elements; i++) {
		if ((*n == BATCH || w->nids == ACK_IDS) && flush(w, n) < 0)
			return -1;
		take_entry(w, s, entries->element[i], n);
	}
	for (i = 0; deleted != NULL && i < deleted->elements; i++) {
		if (w->nids == ACK_IDS && flush(w, n) < 0)
			return -1;
		add_id(w, s, deleted->element[i]);
	}
	return 0;
}

/* The stream a part [key, entries] of an XREADGROUP reply is about. */
static struct writer_stream *
part_stream(struct cw_audit_writer *w, const redisReply *part)
{
	if (part->type != REDIS_REPLY_ARRAY || part->elements != 2 ||
	    part->element[0]->type != REDIS_REPLY_STRING ||
	    part->element[1]->type != REDIS_REPLY_ARRAY)
		return NULL;
	return writer_streams_find(w, part->element[0]->str,
	    part->element[0]->len);
}

/*
 * An XREADGROUP reply over several streams, every part marked in_reply
 * first.  count: the COUNT asked for new entries (a part that filled it
 * is hot), 0 for a re-read of pending ones.  Returns the entries read,
 * or -1 (their streams then re-read their pending entries).
 */
static long
handle_reply(struct cw_audit_writer *w, const redisReply *r, long count)
{
	const redisReply *part;
	struct writer_stream *s;
	bool legacy_new = false;
	size_t i, n = 0;
	long got = 0;

	w->nids = 0;
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		if ((s = part_stream(w, r->element[i])) != NULL) {
			s->in_reply = true;
			if (s == w->legacy && r->element[i]->element[1]->elements)
				legacy_new = true;
		}
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		if ((s = part_stream(w, r->element[i])) == NULL)
			continue;
		part = r->element[i]->element[1];
		got += (long)part->elements;
		if (count > 0)
			s->hot = (long)part->elements >= count;
		if (part->elements > 0)
			s->seen_ms = cw_now_ms();
		if (legacy_new && s != w->legacy)
			continue;       /* waits for the legacy: see the top */
		if (take_all(w, s, part, NULL, &n) < 0)
			goto fail;
	}
	if (flush(w, &n) < 0)
		goto fail;
	/* Sealed and acknowledged: done with, except the host entries held
	 * back, which are re-read once the legacy is clear.  (Until here a
	 * part stays marked: its entries may wait in an unsealed batch.) */
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		if ((s = part_stream(w, r->element[i])) != NULL &&
		    !(legacy_new && s != w->legacy))
			s->in_reply = false;
	reread_later(w);
	if (legacy_new)
		w->legacy_clear = false;
	return got;
fail:
	reread_later(w);
	return -1;
}

/* Runs a read; an error reply re-checks the streams it named.  NULL. */
static redisReply *
read_command(struct cw_audit_writer *w, int argc, const char **argv,
    struct writer_stream **pick, size_t k)
{
	redisReply *r;
	char err[512];
	size_t i;

	r = cw_redis_command(w->redis, err, sizeof(err), argc, argv, NULL);
	if (r == NULL) {
		/* It may have run: what it delivered is pending to us. */
		writer_redis_state(w, false, err);
		for (i = 0; i < k; i++)
			pick[i]->in_reply = true;
		reread_later(w);
		return NULL;
	}
	writer_redis_state(w, true, NULL);
	if (r->type == REDIS_REPLY_ERROR) {
		/* NOGROUP (a stream deleted, a group destroyed), WRONGTYPE:
		 * the check finds out which, and drops or recreates. */
		writer_stream_error(w, argv[0], k == 1 ? pick[0]->key :
		    "(several streams)", r->str);
		for (i = 0; i < k; i++) {
			pick[i]->phase = SP_CHECK;
			pick[i]->retry_ms = cw_now_ms() + CLAIM_RETRY_MS;
		}
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/*
 * XREADGROUP of new entries from the k streams of pick (the legacy
 * stream, if any, goes first), COUNT count, blocking block_ms (0: no).
 * 1 read something, 0 nothing, -1 failed.
 */
static int
read_new_of(struct cw_audit_writer *w, size_t k, long count, int block_ms)
{
	char cnt[24], blk[24];
	struct writer_stream **pick = w->pick;
	size_t i, nk = k, argc = 0;
	redisReply *r;
	long got;

	snprintf(cnt, sizeof(cnt), "%ld", count);
	snprintf(blk, sizeof(blk), "%d", block_ms);
	w->argv[argc++] = "XREADGROUP";
	w->argv[argc++] = "GROUP";
	w->argv[argc++] = GROUP;
	w->argv[argc++] = w->log->host;
	w->argv[argc++] = "COUNT";
	w->argv[argc++] = cnt;
	if (block_ms > 0) {
		w->argv[argc++] = "BLOCK";
		w->argv[argc++] = blk;
	}
	w->argv[argc++] = "STREAMS";
	/* Legacy first: its part of the reply comes, and is handled, first. */
	if (w->legacy != NULL && w->legacy->phase == SP_NEW) {
		w->argv[argc++] = w->legacy->key;
		pick[nk++] = w->legacy;
	}
	for (i = 0; i < k; i++)
		w->argv[argc++] = pick[i]->key;
	if (nk == 0)
		return 0;
	for (i = 0; i < nk; i++)
		w->argv[argc++] = ">";
	if ((r = read_command(w, (int)argc, w->argv, pick, nk)) == NULL)
		return -1;
	if (nk > k)
		w->legacy_clear = true;   /* unless its part brings entries */
	got = handle_reply(w, r, count);
	freeReplyObject(r);
	for (i = 0; got == 0 && i < nk; i++)
		pick[i]->hot = false;
	if (got < 0)
		return -1;
	if (got == 0)
		cw_metrics_add(w->log->metrics, CW_COUNTER_WRITER_IDLE, 1);
	return got > 0 ? 1 : 0;
}

/* COUNT for a read of k streams: READ_MAX shared, 1 .. BATCH each. */
static long
count_for(size_t k)
{
	size_t c = k > 0 ? READ_MAX / k : BATCH;

	return c < 1 ? 1 : c > BATCH ? BATCH : (long)c;
}

/* Up to CHUNK streams in SP_NEW into w->pick: hot ones, recent ones
 * (seen since since_ms), or all of them from index *from.  How many. */
static size_t
pick_new(struct cw_audit_writer *w, int which, long long since_ms,
    size_t *from)
{
	size_t i = from != NULL ? *from : 0, k = 0;
	struct writer_stream *s;

	for (; i < w->nstreams && k < CHUNK; i++) {
		s = w->streams[i];
		if (s->phase != SP_NEW || s == w->legacy)
			continue;
		if (which == 0 || (which == 1 && s->hot) ||
		    (which == 2 && s->seen_ms >= since_ms))
			w->pick[k++] = s;
	}
	if (from != NULL)
		*from = i;
	return k;
}

/*
 * Many streams: a pass reads them all in chunks, without blocking; a
 * pass that found nothing is followed by the next only after a pause
 * that grows with the number of streams (a read costs Redis about
 * 0.6 us per stream named, measured: docs/audit.md), during which the
 * streams that brought entries lately are read blocking.
 */
static int
read_pass(struct cw_audit_writer *w, size_t all)
{
	long long now = cw_now_ms(), wait, idle_ms;
	size_t k;
	int r;

	if (w->pass_pos == 0 && now < w->next_pass_ms) {
		wait = w->next_pass_ms - now;
		wait = wait < w->block_ms ? wait : w->block_ms;
		k = pick_new(w, 2, now - RECENT_MS, NULL);
		if (k == 0 || w->block_ms <= 0) {
			writer_round_pause(w, (int)wait);
			return 0;
		}
		return read_new_of(w, k, count_for(k), wait > 0 ? (int)wait : 1);
	}
	k = pick_new(w, 0, 0, &w->pass_pos);
	r = read_new_of(w, k, count_for(k), 0);
	w->pass_found |= r > 0;
	if (w->pass_pos >= w->nstreams) {
		idle_ms = (long long)all * POLL_US_PER_STREAM / 1000;
		w->next_pass_ms = w->pass_found ? 0 : cw_now_ms() +
		    (idle_ms > IDLE_PASS_MIN_MS ? idle_ms : IDLE_PASS_MIN_MS);
		w->pass_found = false;
		w->pass_pos = 0;
	}
	return r;
}

/*
 * New entries: hot streams first; then, up to BLOCK_ALL_MAX streams, one
 * read over all (blocking once a read found nothing); beyond, passes.
 */
static int
read_new(struct cw_audit_writer *w)
{
	size_t i, k, all = 0;
	int r;

	for (i = 0; i < w->nstreams; i++)
		if (w->streams[i]->phase == SP_NEW && w->streams[i] != w->legacy)
			all++;
	if (all == 0 && (w->legacy == NULL || w->legacy->phase != SP_NEW)) {
		writer_round_pause(w, IDLE_PAUSE_MS);
		return 0;
	}
	if ((k = pick_new(w, 1, 0, NULL)) > 0 &&
	    (r = read_new_of(w, k, count_for(k), 0)) != 0)
		return r;
	if (all > BLOCK_ALL_MAX)
		return read_pass(w, all);
	for (i = 0, k = 0; i < w->nstreams; i++)
		if (w->streams[i]->phase == SP_NEW && w->streams[i] != w->legacy)
			w->pick[k++] = w->streams[i];
	r = read_new_of(w, k, count_for(k), w->block_next ? w->block_ms : 0);
	w->block_next = r == 0;
	return r;
}

/*
 * Our own pending entries of s, from its cursor (after a restart, or a
 * failure after reading).  1 read some, 0 none left (s reads new ones
 * from now on), -1 failed.
 */
static int
read_own(struct cw_audit_writer *w, struct writer_stream *s)
{
	const char *argv[9] = { "XREADGROUP", "GROUP", GROUP, w->log->host,
	    "COUNT", "512", "STREAMS", s->key, s->cursor };
	const redisReply *part, *last;
	redisReply *r;
	long got;

	if ((r = read_command(w, 9, argv, &s, 1)) == NULL)
		return -1;
	part = r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
	    part_stream(w, r->element[0]) == s ? r->element[0]->element[1] :
	    NULL;
	if (part == NULL || part->elements == 0) {
		s->phase = SP_NEW;
		freeReplyObject(r);
		return 0;
	}
	last = part->element[part->elements - 1];
	if (last->type == REDIS_REPLY_ARRAY && last->elements == 2 &&
	    last->element[0]->type == REDIS_REPLY_STRING &&
	    last->element[0]->len < STREAM_ID_MAX)
		memcpy(s->cursor, last->element[0]->str,
		    last->element[0]->len + 1);
	got = handle_reply(w, r, 0);
	freeReplyObject(r);
	return got < 0 ? -1 : 1;
}

/* Whether consumers other than us have entries of s pending.  1 0 -1. */
static int
others_pending(struct cw_audit_writer *w, struct writer_stream *s)
{
	const char *argv[3] = { "XPENDING", s->key, GROUP };
	const redisReply *c, *list;
	redisReply *r;
	int others = 0;
	size_t i;

	if ((r = read_command(w, 3, argv, &s, 1)) == NULL)
		return -1;
	list = r->type == REDIS_REPLY_ARRAY && r->elements == 4 ?
	    r->element[3] : NULL;
	for (i = 0; list != NULL && list->type == REDIS_REPLY_ARRAY &&
	    i < list->elements; i++) {
		c = list->element[i];
		if (c->type == REDIS_REPLY_ARRAY && c->elements == 2 &&
		    c->element[0]->type == REDIS_REPLY_STRING &&
		    strcmp(c->element[0]->str, w->log->host) != 0)
			others = 1;
	}
	freeReplyObject(r);
	return others;
}

/*
 * s has entries a previous holder read and did not acknowledge: claim
 * them once idle over CLAIM_IDLE_MS (a live holder is not robbed); until
 * they are sealed s reads nothing new (order).  1 claimed some, 0 none
 * yet (tried again in CLAIM_RETRY_MS) or none left, -1 failed.
 */
static int
claim(struct cw_audit_writer *w, struct writer_stream *s)
{
	char idle[16];
	const char *argv[8] = { "XAUTOCLAIM", s->key, GROUP, w->log->host,
	    idle, "0-0", "COUNT", "512" };
	const redisReply *got = NULL, *gone = NULL;
	size_t n = 0;
	redisReply *r;
	int others, rc = 0;

	if ((others = others_pending(w, s)) <= 0) {
		if (others == 0) {
			s->phase = SP_OWN;
			snprintf(s->cursor, sizeof(s->cursor), "0");
		}
		return others;
	}
	snprintf(idle, sizeof(idle), "%d", CLAIM_IDLE_MS);
	if ((r = read_command(w, 8, argv, &s, 1)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
	    r->element[1]->type == REDIS_REPLY_ARRAY)
		got = r->element[1];
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 3 &&
	    r->element[2]->type == REDIS_REPLY_ARRAY)
		gone = r->element[2];
	if ((got != NULL && got->elements > 0) || (gone != NULL &&
	    gone->elements > 0)) {
		w->nids = 0;
		s->in_reply = true;
		rc = take_all(w, s, got, gone, &n) < 0 || flush(w, &n) < 0 ?
		    -1 : 1;
		if (rc < 0)
			reread_later(w);
		s->in_reply = false;
	} else {
		s->retry_ms = cw_now_ms() + CLAIM_RETRY_MS;
	}
	freeReplyObject(r);
	return rc;
}

/*
 * Streams in SP_OTHERS whose retry is due, then one in SP_OWN.  1 some
 * work done, 0 none, -1 failed.
 */
static int
pending_work(struct cw_audit_writer *w)
{
	long long now = cw_now_ms();
	struct writer_stream *s;
	size_t i;
	int r;

	for (i = 0; i < w->nstreams; i++) {
		s = w->streams[i];
		if (s->phase == SP_OTHERS && s->retry_ms <= now &&
		    (r = claim(w, s)) != 0)
			return r;
	}
	for (i = 0; i < w->nstreams; i++) {
		s = w->streams[i];
		if (s->phase == SP_OWN && (r = read_own(w, s)) != 0)
			return r;
	}
	return 0;
}

/*
 * The legacy stream before every host stream (see the top).  2 when host
 * streams may be read; else what was done: 1, 0 (waited), -1.
 */
static int
legacy_gate(struct cw_audit_writer *w)
{
	struct writer_stream *s = w->legacy;
	int r;

	switch (s->phase) {
	case SP_CHECK:
		/* Its check failed: retried (CLAIM_RETRY_MS); hosts wait. */
		writer_round_pause(w, IDLE_PAUSE_MS);
		return 0;
	case SP_OTHERS:
		if (s->retry_ms <= cw_now_ms() && (r = claim(w, s)) != 0)
			return r;
		if (s->phase == SP_OTHERS)
			writer_round_pause(w, CLAIM_RETRY_MS);
		return 0;
	case SP_OWN:
		return (r = read_own(w, s)) != 0 ? r : 1;
	default:
		break;
	}
	if (w->legacy_clear)
		return 2;
	/* Alone, with a full COUNT, until a read finds it empty. */
	r = read_new_of(w, 0, BATCH, 0);
	return r != 0 ? r : 2;
}

int
writer_read_round(struct cw_audit_writer *w)
{
	int r;

	if (w->phase == READ_OTHERS) {
		/* Lease just taken: every stream, every pending entry. */
		if (writer_streams_discover_all(w) < 0)
			return -1;
		w->phase = READ_NEW;
		return 1;
	}
	writer_streams_compact(w);
	if (writer_streams_discover_step(w) < 0)
		return -1;
	if ((r = writer_streams_check(w)) != 0)
		return r;
	if (w->legacy != NULL && (r = legacy_gate(w)) != 2)
		return r;
	if ((r = pending_work(w)) != 0)
		return r;
	return read_new(w);
}
