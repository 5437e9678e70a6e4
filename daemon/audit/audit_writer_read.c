/* SPDX-License-Identifier: MIT */
/*
 * audit_writer_read.c - the central writer's work while it holds the
 * lease: read the stream in order (first what a previous holder left
 * pending, then its own pending entries, then new ones), drop copies,
 * seal a batch into the trail with one fsync, then XACK and XDEL it.
 * Apart from the lease and the thread (audit_writer.c) because this is
 * where the order and the at-least-once rules of docs/audit.md live.
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

static void
add_id(struct cw_audit_writer *w, const redisReply *id)
{
	if (id->type != REDIS_REPLY_STRING || id->len >= STREAM_ID_MAX ||
	    w->nids >= sizeof(w->ids) / sizeof(w->ids[0]))
		return;
	memcpy(w->ids[w->nids++], id->str, id->len + 1);
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

/* One stream entry [id, [field, value, ...]] into w->events[*n]. */
static void
take_entry(struct cw_audit_writer *w, const redisReply *e, size_t *n)
{
	char run[CW_AUDIT_RUN_LEN + 1], err[256];
	struct cw_audit_event *ev = &w->events[*n];
	const redisReply *f;
	uint64_t counter, missing;
	size_t i;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
		return;
	add_id(w, e->element[0]);
	f = e->element[1];
	if (f->type != REDIS_REPLY_ARRAY)
		return;                 /* deleted meanwhile: just XACK it */
	for (i = 0; i + 1 < f->elements; i += 2)
		if (f->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(f->element[i]->str, "e") == 0 &&
		    f->element[i + 1]->type == REDIS_REPLY_STRING)
			break;
	if (i + 1 >= f->elements) {
		note_invalid(w, e->element[0]->str, "no field e");
		return;
	}
	if (cw_audit_event_parse(f->element[i + 1]->str,
	    f->element[i + 1]->len, ev, err, sizeof(err)) < 0) {
		note_invalid(w, e->element[0]->str, err);
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
		    " (run %s) before %" PRIu64 " never arrived", missing,
		    ev->host, run, counter);
	}
	(*n)++;
}

/*
 * XACK and XDEL the entries handled: acknowledged, and gone from Redis;
 * one script that refuses it unless the lease still holds our token
 * (lua/audit_ack.lua): then they stay pending for the new holder.
 */
static int
ack(struct cw_audit_writer *w)
{
	const char *argv[BATCH * 2 + 7];
	char err[512];
	redisReply *r;
	int rc = -1;
	size_t i;

	if (w->nids == 0)
		return 0;
	argv[0] = "EVAL";
	argv[1] = cw_lua_audit_ack;
	argv[2] = "2";
	argv[3] = w->lock_key;
	argv[4] = w->stream_key;
	argv[5] = cw_lease_held(&w->lease) ? w->lease.token : "none";
	argv[6] = GROUP;
	for (i = 0; i < w->nids; i++)
		argv[i + 7] = w->ids[i];
	r = cw_redis_command(w->redis, err, sizeof(err), (int)w->nids + 7,
	    argv, NULL);
	if (r == NULL) {
		writer_redis_state(w, false, err);
		return -1;
	}
	writer_redis_state(w, true, NULL);
	if (r->type == REDIS_REPLY_INTEGER)
		rc = 0;
	else if (r->type == REDIS_REPLY_ERROR &&
	    cw_lease_refused(&w->lease, r->str))
		writer_fenced(w, "XACK");
	else if (r->type == REDIS_REPLY_ERROR)
		cw_log(LOG_ERR, "audit writer: XACK: %.200s", r->str);
	freeReplyObject(r);
	return rc;
}

/* A failure after reading: re-read our pending entries from the start. */
static int
reread_later(struct cw_audit_writer *w)
{
	if (w->phase != READ_OTHERS)
		w->phase = READ_OWN;
	snprintf(w->cursor, sizeof(w->cursor), "0");
	return -1;
}

/* Seals n events: fsync'd when it returns 0. */
static int
seal(struct cw_audit_writer *w, size_t n)
{
	char err[512];

	if (n == 0)
		return 0;
	/* The lock may have expired unseen: do not write beside another. */
	if (!cw_lease_held(&w->lease) ||
	    cw_now_ms() - w->lease.renewed_ms > APPEND_MARGIN_MS)
		return -1;
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

/* Entries (an array of [id, fields]) plus ids to acknowledge only. */
static int
handle(struct cw_audit_writer *w, const redisReply *entries,
    const redisReply *deleted)
{
	size_t i, n = 0;

	w->nids = 0;
	for (i = 0; entries != NULL && i < entries->elements && i < BATCH; i++)
		take_entry(w, entries->element[i], &n);
	for (i = 0; deleted != NULL && i < deleted->elements && i < BATCH; i++)
		add_id(w, deleted->element[i]);
	if (seal(w, n) < 0 || ack(w) < 0)
		return reread_later(w);
	return 1;
}

/* Whether consumers other than us have pending entries (XPENDING). */
static int
others_pending(struct cw_audit_writer *w)
{
	const char *argv[3] = { "XPENDING", w->stream_key, GROUP };
	const redisReply *c, *list;
	redisReply *r;
	int others = 0;
	size_t i;

	if ((r = writer_command(w, 3, argv, NULL)) == NULL)
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
 * After taking the lock: claims what other consumers left pending, once
 * idle over CLAIM_IDLE_MS.  Until then it reads nothing new (order).
 */
int
writer_read_others(struct cw_audit_writer *w)
{
	char idle[16];
	const char *argv[8] = { "XAUTOCLAIM", w->stream_key, GROUP,
	    w->log->host, idle, "0-0", "COUNT", "512" };
	redisReply *r;
	int others, rc = 0;

	if ((others = others_pending(w)) < 0)
		return -1;
	if (others == 0) {
		w->phase = READ_OWN;
		snprintf(w->cursor, sizeof(w->cursor), "0");
		return 1;
	}
	snprintf(idle, sizeof(idle), "%d", CLAIM_IDLE_MS);
	if ((r = writer_command(w, 8, argv, NULL)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
	    r->element[1]->type == REDIS_REPLY_ARRAY &&
	    r->element[1]->elements > 0)
		rc = handle(w, r->element[1], r->elements >= 3 &&
		    r->element[2]->type == REDIS_REPLY_ARRAY ? r->element[2] :
		    NULL);
	freeReplyObject(r);
	return rc;
}

/* The entries of our stream in an XREADGROUP reply, or NULL. */
static const redisReply *
stream_entries(const redisReply *r)
{
	const redisReply *s;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
		return NULL;
	s = r->element[0];
	if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
	    s->element[1]->type != REDIS_REPLY_ARRAY)
		return NULL;
	return s->element[1];
}

/* XREADGROUP from our pending entries (id) or new ones (">"). */
int
writer_read_group(struct cw_audit_writer *w, bool own)
{
	char block[16];
	const char *argv[11] = { "XREADGROUP", "GROUP", GROUP, w->log->host,
	    "COUNT", "512" };
	const redisReply *entries, *last;
	redisReply *r;
	int argc = 6, rc;

	if (!own && w->block_ms > 0) {
		snprintf(block, sizeof(block), "%d", w->block_ms);
		argv[argc++] = "BLOCK";
		argv[argc++] = block;
	}
	argv[argc++] = "STREAMS";
	argv[argc++] = w->stream_key;
	argv[argc++] = own ? w->cursor : ">";
	if ((r = writer_command(w, argc, argv, NULL)) == NULL)
		return -1;
	entries = stream_entries(r);
	if (entries == NULL || entries->elements == 0) {
		if (own)
			w->phase = READ_NEW;
		else
			cw_metrics_add(w->log->metrics, CW_COUNTER_WRITER_IDLE,
			    1);
		freeReplyObject(r);
		return 0;
	}
	last = entries->element[entries->elements - 1];
	if (own && last->type == REDIS_REPLY_ARRAY && last->elements == 2 &&
	    last->element[0]->type == REDIS_REPLY_STRING &&
	    last->element[0]->len < STREAM_ID_MAX)
		memcpy(w->cursor, last->element[0]->str,
		    last->element[0]->len + 1);
	rc = handle(w, entries, NULL);
	freeReplyObject(r);
	return rc;
}
