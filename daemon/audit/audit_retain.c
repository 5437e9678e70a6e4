/* SPDX-License-Identifier: MIT */
/*
 * audit_retain.c - the host keeps what it forwarded until the central
 * writer sealed it (audit_retain.h).
 *
 * WHY.  Redis confirming an XADD is not the end of an event's way: if
 * Redis then goes back to older data (every server restarted from an
 * older AOF, a failover to a replica that missed writes) before the
 * writer sealed the entry, the stream no longer has it.  So a segment is
 * deleted only once the writer's sealed mark, <prefix>audit-sealed:
 * <host> (the id of the last entry it sealed and acknowledged, set in
 * the same script as its XACK: lua/audit_ack.lua), covers the highest
 * id Redis gave the segment's lines.
 *
 * GOING BACK.  Redis went back past what we sent when the stream's
 * last-generated-id is below the highest id Redis gave us (ids only
 * grow in one history; a stream that is gone counts as 0-0).  Every
 * batch's MULTI reads it first (XINFO STREAM), atomically with the
 * XADDs, and so does the poll of the mark (MULTI XINFO GET EXEC, so the
 * mark is never taken from another history than the id it is compared
 * with; a mark beyond the last-generated-id is an acknowledgement from
 * a lost history, and ignored).  Then the forwarder goes back to the
 * oldest segment kept and sends it all again: the writer drops what it
 * had sealed already by event id (audit_dedup.c), fills the gaps with
 * the rest.  The position is saved at once, with the id, so a restart
 * still knows.  Before the first send and after any failed exchange
 * the forwarder polls first: the usual way Redis goes back (a restart)
 * breaks the connection, so the check comes before a new batch lands on
 * the older data, and the writer seals the host's events in order.
 *
 * BOUNDS.  What is kept is on disk and counts toward spool_max_bytes.
 * Once the kept segments hold more than half of it (the writer down for
 * long), the oldest are deleted unsealed (LOG_CRIT once per episode):
 * they are still in Redis, only the protection against Redis going back
 * lapses for them; new events keep the other half, as before.
 */
#include "audit/audit_retain.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit_spool_int.h"
#include "lib/log.h"

#define RETAIN_POLL_MS 500

/* ---- stream ids ---- */

static bool
take_u64(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;

	*v = 0;
	while (*p < end && **p >= '0' && **p <= '9') {
		if (*v > (UINT64_MAX - 9) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(**p - '0');
		(*p)++;
	}
	return *p > s;
}

int
cw_stream_id_parse(const char *s, size_t len, struct cw_stream_id *id)
{
	const char *p = s, *end = s + len;

	if (!take_u64(&p, end, &id->ms) || p == end || *p++ != '-' ||
	    !take_u64(&p, end, &id->seq) || p != end)
		return -1;
	return 0;
}

int
cw_stream_id_cmp(const struct cw_stream_id *a, const struct cw_stream_id *b)
{
	if (a->ms != b->ms)
		return a->ms < b->ms ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

void
cw_stream_id_format(char buf[CW_STREAM_ID_TEXT], const struct cw_stream_id *id)
{
	snprintf(buf, CW_STREAM_ID_TEXT, "%" PRIu64 "-%" PRIu64, id->ms,
	    id->seq);
}

int
cw_stream_xinfo_last(const redisReply *r, struct cw_stream_id *id)
{
	size_t i;

	id->ms = id->seq = 0;
	if (r->type == REDIS_REPLY_ERROR)
		return strstr(r->str, "no such key") != NULL ? 0 : -1;
	if (r->type != REDIS_REPLY_ARRAY)
		return -1;
	for (i = 0; i + 1 < r->elements; i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(r->element[i]->str, "last-generated-id") == 0)
			return r->element[i + 1]->type == REDIS_REPLY_STRING ?
			    cw_stream_id_parse(r->element[i + 1]->str,
			    r->element[i + 1]->len, id) : -1;
	return -1;
}

/* ---- the kept segments ---- */

int
spool_retain_init(struct cw_audit_spool *sp, const char *prefix,
    const char *host)
{
	struct spool_retain *rt = &sp->ret;
	int k;

	rt->check = true;       /* Redis may have gone back while we were down */
	k = snprintf(rt->mark_key, sizeof(rt->mark_key), "%s%s%s", prefix,
	    CW_KEY_AUDIT_SEALED, host);
	return k < 0 || (size_t)k >= sizeof(rt->mark_key) ? -1 : 0;
}

void
spool_retain_free(struct cw_audit_spool *sp)
{
	free(sp->ret.v);
	sp->ret.v = NULL;
	sp->ret.n = sp->ret.cap = 0;
}

/* The entry of segment seq, added (in order) if need be; NULL no memory. */
static struct retain_seg *
entry(struct spool_retain *rt, uint64_t seq, bool add)
{
	struct retain_seg *grown;
	size_t i;

	for (i = rt->n; i > 0; i--)
		if (rt->v[i - 1].seq == seq)
			return &rt->v[i - 1];
		else if (rt->v[i - 1].seq < seq)
			break;
	if (!add || i != rt->n)
		return NULL;    /* only ever appended: the newest segment */
	if (rt->n == rt->cap) {
		grown = realloc(rt->v, (rt->cap ? rt->cap * 2 : 16) *
		    sizeof(*grown));
		if (grown == NULL)
			return NULL;
		rt->v = grown;
		rt->cap = rt->cap ? rt->cap * 2 : 16;
	}
	memset(&rt->v[rt->n], 0, sizeof(rt->v[0]));
	rt->v[rt->n].seq = seq;
	return &rt->v[rt->n++];
}

int
spool_retain_keep(struct cw_audit_spool *sp, uint64_t seq, uint64_t bytes,
    uint64_t events)
{
	struct retain_seg *e = entry(&sp->ret, seq, true);

	if (e == NULL) {
		errno = ENOMEM;
		return -1;
	}
	e->bytes = bytes;
	e->events = events;
	/* Every id that run was given is at most the one it saved. */
	e->last = sp->ret.sent;
	return 0;
}

int
spool_retain_load_id(struct cw_audit_spool *sp, const char **p)
{
	const char *s = *p;
	size_t n = strspn(s, "0123456789-");
	struct cw_stream_id id;

	if (cw_stream_id_parse(s, n, &id) < 0)
		return -1;
	sp->ret.sent = id;
	*p = s + n;
	return 0;
}

void
spool_retain_save_id(struct cw_audit_spool *sp, char buf[CW_STREAM_ID_TEXT])
{
	cw_stream_id_format(buf, &sp->ret.sent);
}

void
spool_retain_sent(struct cw_audit_spool *sp, uint64_t seq, uint64_t bytes,
    uint64_t events, const struct cw_stream_id *last)
{
	struct spool_retain *rt = &sp->ret;
	struct retain_seg *e = entry(rt, seq, true);

	if (e == NULL) {
		/* The segment is deleted when forwarded, as without keeping. */
		if (!rt->grow_failed)
			cw_log(LOG_CRIT, "audit: out of memory keeping forwarded "
			    "spool segment %" PRIu64 " until sealed", seq);
		rt->grow_failed = true;
		return;
	}
	e->bytes += bytes;
	e->events += events;
	if (last != NULL && cw_stream_id_cmp(last, &e->last) > 0)
		e->last = *last;
}

bool
spool_retain_sealed(struct cw_audit_spool *sp, uint64_t seq)
{
	const struct retain_seg *e = entry(&sp->ret, seq, false);

	return e == NULL || cw_stream_id_cmp(&e->last, &sp->ret.mark) <= 0;
}

/* Deletes segment seq (size bytes) from the disk, and says it has room. */
static void
delete_segment(struct cw_audit_spool *sp, uint64_t seq, uint64_t size)
{
	char name[SEGMENT_NAME_SIZE];

	spool_segment_name(name, seq);
	if (unlinkat(sp->dir_fd, name, 0) < 0 && errno != ENOENT)
		cw_log(LOG_ERR, "audit: cannot remove %s/%s: %s", sp->dir, name,
		    strerror(errno));
	pthread_mutex_lock(&sp->emit);
	sp->disk_bytes -= size <= sp->disk_bytes ? size : sp->disk_bytes;
	if (sp->bl_events > 0) {
		/* Room again: the backlog need not wait for its timer. */
		sp->next_drain_ms = 0;
		pthread_cond_signal(&sp->emit_cond);
	}
	pthread_mutex_unlock(&sp->emit);
}

void
spool_retain_finish(struct cw_audit_spool *sp, uint64_t seq, uint64_t size)
{
	struct spool_retain *rt = &sp->ret;
	struct retain_seg *e;
	bool keep;

	pthread_mutex_lock(&sp->lock);
	e = entry(rt, seq, false);
	keep = e != NULL && e->events > 0 &&
	    cw_stream_id_cmp(&e->last, &rt->mark) > 0;
	if (e != NULL && keep) {
		e->bytes = size;        /* all of it is forwarded */
	} else if (e != NULL) {
		memmove(e, e + 1, (size_t)(rt->v + rt->n - (e + 1)) *
		    sizeof(*e));
		rt->n--;
	}
	pthread_mutex_unlock(&sp->lock);
	if (!keep)
		delete_segment(sp, seq, size);
}

/* Deletes the oldest kept segments that are sealed, or over the bound. */
static void
sweep(struct cw_audit_spool *sp)
{
	struct spool_retain *rt = &sp->ret;
	struct retain_seg e;
	uint64_t kept;
	size_t i;
	bool sealed;

	for (;;) {
		pthread_mutex_lock(&sp->lock);
		for (kept = 0, i = 0; i < rt->n; i++)
			kept += rt->v[i].bytes;
		if (rt->n == 0 || rt->v[0].seq >= sp->fwd_seq) {
			pthread_mutex_unlock(&sp->lock);
			break;
		}
		e = rt->v[0];
		sealed = cw_stream_id_cmp(&e.last, &rt->mark) <= 0;
		if (!sealed && kept <= sp->max_bytes / 2) {
			pthread_mutex_unlock(&sp->lock);
			rt->over_logged = false;
			break;
		}
		memmove(rt->v, rt->v + 1, (rt->n - 1) * sizeof(*rt->v));
		rt->n--;
		pthread_mutex_unlock(&sp->lock);
		delete_segment(sp, e.seq, e.bytes);
		if (sealed)
			continue;
		rt->let_go += e.events;
		if (!rt->over_logged)
			cw_log(LOG_CRIT, "audit: the writer has not sealed %" PRIu64
			    " bytes this host forwarded (over half of "
			    "spool_max_bytes): deleting the oldest unsealed; they "
			    "are in Redis, but Redis going back now would lose "
			    "them (%" PRIu64 " events so far)", kept, rt->let_go);
		rt->over_logged = true;
	}
}

/*
 * Redis went back past what we sent (its stream's last id is now): the
 * forwarder starts again at the oldest segment kept (nothing kept:
 * nothing to send again), and saves that position at once with sent,
 * the highest id this history gave us, so that a restart sends it too.
 */
static void
rewind_to_kept(struct cw_audit_spool *sp, const struct cw_stream_id *now,
    const struct cw_stream_id *sent, const char *how)
{
	struct spool_retain *rt = &sp->ret;
	char was[CW_STREAM_ID_TEXT], is[CW_STREAM_ID_TEXT];
	uint64_t events = 0;
	size_t i;

	cw_stream_id_format(was, &rt->sent);
	cw_stream_id_format(is, now);
	pthread_mutex_lock(&sp->lock);
	for (i = 0; i < rt->n; i++) {
		events += rt->v[i].events;
		sp->events += rt->v[i].events;
		sp->pending_bytes += rt->v[i].bytes;
		rt->v[i].bytes = rt->v[i].events = 0;
		rt->v[i].last.ms = rt->v[i].last.seq = 0;
	}
	if (rt->n > 0) {
		sp->fwd_seq = rt->v[0].seq;
		sp->fwd_off = 0;
		sp->save_seq = sp->fwd_seq;
		sp->save_off = 0;
	}
	/* Lines sent again get ids above now: no old mark may cover them. */
	rt->mark.ms = rt->mark.seq = 0;
	spool_publish_levels(sp);
	pthread_mutex_unlock(&sp->lock);
	cw_log(events > 0 ? LOG_ALERT : LOG_NOTICE, "audit: redis went back "
	    "(%s: the stream's last id is %s, it had given us %s); sending "
	    "again the %" PRIu64 " forwarded events the writer had not "
	    "sealed", how, is, was, events);
	rt->sent = *sent;
	if (!sp->offset_dirty)
		sp->dirty_since_ms = cw_now_ms();
	sp->offset_dirty = true;
	spool_save_offset(sp);
}

bool
spool_retain_batch(struct cw_audit_spool *sp, const struct cw_stream_id *before,
    const struct cw_stream_id *last)
{
	struct spool_retain *rt = &sp->ret;

	if (cw_stream_id_cmp(&rt->sent, before) > 0) {
		/* The batch stands in the new history; it is sent again
		 * with what it lost, as copies the writer drops. */
		rewind_to_kept(sp, before, last, "seen by a batch");
		return true;
	}
	/* Before the position moves: a saved offset's id covers it. */
	if (cw_stream_id_cmp(last, &rt->sent) > 0)
		rt->sent = *last;
	return false;
}

long long
spool_retain_due_in(struct cw_audit_spool *sp)
{
	long long left;
	size_t n;

	pthread_mutex_lock(&sp->lock);
	n = sp->ret.n;
	pthread_mutex_unlock(&sp->lock);
	if (n == 0)
		return -1;
	left = sp->ret.next_poll_ms - cw_now_ms();
	return left > 0 ? left : 0;
}

/* MULTI, XINFO STREAM, GET mark, EXEC: one history.  0 or -1. */
static int
ask(struct cw_audit_spool *sp, struct cw_stream_id *last,
    struct cw_stream_id *mark, char *err, size_t errlen)
{
	const char *multi[] = { "MULTI" }, *exec[] = { "EXEC" };
	const char *xinfo[] = { "XINFO", "STREAM", sp->stream_key };
	const char *get[] = { "GET", sp->ret.mark_key };
	const char *const *argv[4] = { multi, xinfo, get, exec };
	const int argc[4] = { 1, 3, 2, 1 };
	const redisReply *x, *m;
	redisReply *rep[4];
	int i, rc = -1;

	if (cw_redis_pipeline(sp->redis, err, errlen, 4, argc, argv, NULL,
	    rep) < 0)
		return -1;
	snprintf(err, errlen, "unexpected reply to XINFO/GET");
	if (rep[3]->type != REDIS_REPLY_ARRAY || rep[3]->elements != 2) {
		if (rep[3]->type == REDIS_REPLY_ERROR)
			snprintf(err, errlen, "%.200s", rep[3]->str);
		goto out;
	}
	x = rep[3]->element[0];
	m = rep[3]->element[1];
	mark->ms = mark->seq = 0;
	if (cw_stream_xinfo_last(x, last) < 0 ||
	    (m->type == REDIS_REPLY_STRING && cw_stream_id_parse(m->str,
	    m->len, mark) < 0) || (m->type != REDIS_REPLY_STRING &&
	    m->type != REDIS_REPLY_NIL))
		goto out;
	rc = 0;
out:
	for (i = 0; i < 4; i++)
		freeReplyObject(rep[i]);
	return rc;
}

int
spool_retain_poll(struct cw_audit_spool *sp, bool force, char *err,
    size_t errlen)
{
	struct spool_retain *rt = &sp->ret;
	struct cw_stream_id last, mark;

	if (!force && spool_retain_due_in(sp) != 0)
		return 0;
	rt->next_poll_ms = cw_now_ms() + RETAIN_POLL_MS;
	if (ask(sp, &last, &mark, err, errlen) < 0) {
		rt->check = true;
		return -1;
	}
	rt->check = false;
	if (cw_stream_id_cmp(&rt->sent, &last) > 0) {
		rewind_to_kept(sp, &last, &last, "seen by a poll");
		return 1;
	}
	/* A mark beyond the stream's last id is from a lost history. */
	if (cw_stream_id_cmp(&mark, &last) > 0)
		mark = last;
	pthread_mutex_lock(&sp->lock);
	if (cw_stream_id_cmp(&mark, &rt->mark) > 0)
		rt->mark = mark;
	pthread_mutex_unlock(&sp->lock);
	sweep(sp);
	return 1;
}
