/* SPDX-License-Identifier: MIT */
/*
 * audit_forward.c - the forwarder thread (audit_spool_int.h): reads the
 * synced part of the spool's segments and sends it to this host's Redis
 * audit stream, <prefix>audit:<host> (its Redis user may write no other
 * audit stream: docs/security.md), in MULTI/EXEC batches, saves the offset Redis confirmed, hands
 * wholly forwarded segments to audit_retain.c (deleted once sealed; sent
 * again if Redis went back), and backs off while Redis is away.  It never
 * takes the emit mutex the answer path uses, only the spool's lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit_spool_int.h"
#include "lib/background.h"
#include "lib/log.h"
#include "text.h"
#include "lib/wake.h"

/* ---- the forwarder ---- */

static void
redis_state(struct cw_audit_spool *sp, bool up, const char *why)
{
	uint64_t events;

	pthread_mutex_lock(&sp->lock);
	events = sp->events;
	pthread_mutex_unlock(&sp->lock);
	if (up && !sp->redis_up)
		cw_log(LOG_NOTICE, "audit: redis reachable again; forwarding "
		    "%" PRIu64 " spooled events", events);
	else if (!up && sp->redis_up)
		cw_log(LOG_WARNING, "audit: cannot forward to redis (%s); "
		    "spooling on disk (%" PRIu64 " events), retrying with "
		    "backoff up to %d s", why, events, BACKOFF_MAX_MS / 1000);
	sp->redis_up = up;
	cw_metrics_level(sp->log->metrics, CW_LEVEL_REDIS_UP, up ? 1 : 0);
}

/*
 * Once per start: an audit Redis that does not fsync every write can lose
 * events it confirmed, after which the spool no longer holds them.
 */
static void
check_fsync_policy(struct cw_audit_spool *sp)
{
	const char *argv[3] = { "CONFIG", "GET", "append*" };
	const char *only = "?", *fsync = "?";
	char err[256];
	redisReply *r;
	size_t i;

	sp->fsync_checked = true;
	r = cw_redis_commandv(sp->redis, err, sizeof(err), 3, argv);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		goto out;       /* CONFIG may be denied by ACL: say nothing */
	for (i = 0; i + 1 < r->elements; i += 2) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    r->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(r->element[i]->str, "appendonly") == 0)
			only = r->element[i + 1]->str;
		else if (strcmp(r->element[i]->str, "appendfsync") == 0)
			fsync = r->element[i + 1]->str;
	}
	if (strcmp(only, "yes") != 0 || strcmp(fsync, "always") != 0)
		cw_log(LOG_WARNING, "audit: redis has appendonly %s, appendfsync"
		    " %s: events it confirmed can be lost if it crashes (the "
		    "spool has let them go); use appendonly yes, appendfsync "
		    "always", only, fsync);
out:
	if (r != NULL)
		freeReplyObject(r);
}

/*
 * Whether the EXEC of XINFO and n XADDs succeeded; else why, in err.
 * The XINFO's answer may be an error (no stream yet, or lost).
 */
static bool
exec_ok(redisReply **rep, size_t n, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n + 3; i++)
		if (rep[i]->type == REDIS_REPLY_ERROR) {
			snprintf(err, errlen, "%.200s", rep[i]->str);
			return false;
		}
	if (rep[n + 2]->type != REDIS_REPLY_ARRAY ||
	    rep[n + 2]->elements != n + 1) {
		snprintf(err, errlen, "the transaction was not executed");
		return false;
	}
	for (i = 1; i <= n; i++)
		if (rep[n + 2]->element[i]->type != REDIS_REPLY_STRING) {
			snprintf(err, errlen, "an XADD failed");
			return false;
		}
	return true;
}

/*
 * MULTI, XINFO STREAM <prefix>audit:<host>, XADD <prefix>audit:<host> * e
 * <line> for each line, EXEC: all or nothing.  The XINFO says where the
 * stream was just before these entries (*before, its last-generated-id:
 * audit_retain.c tells from it whether Redis went back); *last is the id
 * of the last entry added.  A user that may not write the stream gets
 * NOPERM here: the batch stays in the spool and is retried (logged once
 * per outage).
 */
static int
send_batch(struct cw_audit_spool *sp, const char **lines,
    const size_t *lens, size_t n, struct cw_stream_id *before,
    struct cw_stream_id *last, char *err, size_t errlen)
{
	static const char *multi[] = { "MULTI" }, *exec[] = { "EXEC" };
	const char *xinfo[] = { "XINFO", "STREAM", sp->stream_key };
	const char *const *argv[FORWARD_EVENTS + 3];
	const size_t *argl[FORWARD_EVENTS + 3];
	redisReply *rep[FORWARD_EVENTS + 3];
	int argc[FORWARD_EVENTS + 3];
	const redisReply *id;
	size_t i;
	int rc = -1;

	argc[0] = argc[n + 2] = 1;
	argc[1] = 3;
	argv[0] = multi;
	argv[1] = xinfo;
	argv[n + 2] = exec;
	argl[0] = argl[1] = argl[n + 2] = NULL;
	for (i = 0; i < n; i++) {
		const char **a = sp->argv[i];
		size_t *l = sp->argl[i];

		a[0] = "XADD"; l[0] = 4;
		a[1] = sp->stream_key; l[1] = sp->stream_key_len;
		a[2] = "*"; l[2] = 1;
		a[3] = "e"; l[3] = 1;
		a[4] = lines[i]; l[4] = lens[i];
		argc[i + 2] = 5;
		argv[i + 2] = a;
		argl[i + 2] = l;
	}
	if (cw_redis_pipeline(sp->redis, err, errlen, n + 3, argc, argv, argl,
	    rep) < 0)
		return -1;
	if (exec_ok(rep, n, err, errlen)) {
		id = rep[n + 2]->element[n];
		/* Replies Redis does not give: the batch stands, as if the
		 * stream had not gone back, and the next poll looks. */
		if (cw_stream_xinfo_last(rep[n + 2]->element[0], before) < 0)
			*before = sp->ret.sent;
		if (cw_stream_id_parse(id->str, id->len, last) < 0)
			*last = sp->ret.sent;
		rc = 0;
	}
	for (i = 0; i < n + 3; i++)
		freeReplyObject(rep[i]);
	return rc;
}

/*
 * Splits chunk into at most FORWARD_EVENTS lines; *used is the bytes
 * they take with their newlines.  Returns the number of lines.
 */
static size_t
split_lines(const char *chunk, size_t len, const char **lines,
    size_t *lens, size_t *used)
{
	const char *p = chunk, *nl;
	size_t n = 0;

	while (n < FORWARD_EVENTS && (nl = memchr(p, '\n', len - (size_t)(p -
	    chunk))) != NULL) {
		lines[n] = p;
		lens[n] = (size_t)(nl - p);
		n++;
		p = nl + 1;
	}
	*used = (size_t)(p - chunk);
	return n;
}

/* Writes the confirmed position to spool.offset, if it moved. */
void
spool_save_offset(struct cw_audit_spool *sp)
{
	if (!sp->offset_dirty)
		return;
	sp->offset_dirty = false;
	sp->unsaved_events = 0;
	/* If it cannot be saved, a restart forwards these again (copies
	 * the writer drops): a disk problem must not stop the flow. */
	if (spool_offset_save(sp, sp->save_seq, sp->save_off) < 0) {
		if (!sp->ep.offset_failed)
			cw_log(LOG_ERR, "audit: cannot save %s/%s: %s", sp->dir,
			    OFFSET_FILE, strerror(errno));
		sp->ep.offset_failed = true;
	} else {
		sp->ep.offset_failed = false;
	}
}

/*
 * Redis confirmed up to off of segment seq (n more events): the position
 * is saved at once when a batch's worth is unsaved or the segment
 * changed, else when the forwarder goes idle (OFFSET_SAVE_MS).
 */
static void
advance(struct cw_audit_spool *sp, uint64_t seq, uint64_t off, size_t n,
    size_t bytes, const struct cw_stream_id *last)
{
	bool segment_changed = seq != sp->save_seq;

	pthread_mutex_lock(&sp->lock);
	/* Kept until the writer's mark covers last (audit_retain.c). */
	if (bytes > 0)
		spool_retain_sent(sp, seq, bytes, n, last);
	sp->fwd_seq = seq;
	sp->fwd_off = off;
	sp->events -= n <= sp->events ? n : sp->events;
	sp->pending_bytes -= bytes <= sp->pending_bytes ? bytes :
	    sp->pending_bytes;
	spool_publish_levels(sp);
	pthread_mutex_unlock(&sp->lock);
	cw_metrics_add(sp->log->metrics, CW_COUNTER_FORWARDED, n);
	if (!sp->offset_dirty)
		sp->dirty_since_ms = cw_now_ms();
	sp->offset_dirty = true;
	sp->save_seq = seq;
	sp->save_off = off;
	sp->unsaved_events += n;
	if (segment_changed || n == 0 || sp->unsaved_events >= FORWARD_EVENTS)
		spool_save_offset(sp);
}

/*
 * Segment seq (size bytes) is all in Redis and no one appends to it any
 * more: deleted at once if the writer sealed all of it (that is what
 * frees the disk; even if the offset cannot be saved, a restart skips a
 * segment that is gone), else kept until it did (audit_retain.c); then
 * the forwarder moves on.
 */
void
spool_finish_segment(struct cw_audit_spool *sp, uint64_t seq, uint64_t size)
{
	if (sp->rfd >= 0)
		close(sp->rfd);
	sp->rfd = -1;
	spool_retain_finish(sp, seq, size);
	advance(sp, seq + 1, 0, 0, 0, NULL);
}

/* Opens segment seq for reading; its size when complete.  0 or -1. */
static int
open_for_reading(struct cw_audit_spool *sp, uint64_t seq, bool complete,
    uint64_t *size)
{
	char name[SEGMENT_NAME_SIZE];
	struct stat st;

	if (sp->rfd >= 0 && sp->rfd_seq != seq) {
		close(sp->rfd);
		sp->rfd = -1;
	}
	if (sp->rfd < 0) {
		spool_segment_name(name, seq);
		sp->rfd = openat(sp->dir_fd, name, O_RDONLY | O_CLOEXEC |
		    O_NOFOLLOW);
		if (sp->rfd < 0)
			return -1;
		sp->rfd_seq = seq;
	}
	if (complete) {
		if (fstat(sp->rfd, &st) < 0)
			return -1;
		*size = (uint64_t)st.st_size;
	}
	return 0;
}

/* Forwards one batch: 1 when it did, 0 when nothing was waiting, -1. */
static int
forward_once(struct cw_audit_spool *sp)
{
	const char *lines[FORWARD_EVENTS];
	size_t lens[FORWARD_EVENTS], len, used, n;
	uint64_t seq, off, limit, sseq;
	struct cw_stream_id before, last;
	bool complete;
	char err[512];

	pthread_mutex_lock(&sp->lock);
	seq = sp->fwd_seq;
	off = sp->fwd_off;
	sseq = sp->synced_seq;
	limit = sp->synced_bytes;
	pthread_mutex_unlock(&sp->lock);
	complete = seq < sseq;
	if (!complete && off >= limit)
		return 0;
	/* First contact, or after a failure (Redis may have restarted on
	 * older data): look before sending, so that a rewind comes first;
	 * then start again from the position, which it may have moved. */
	if (sp->ret.check) {
		if (spool_retain_poll(sp, true, err, sizeof(err)) < 0) {
			redis_state(sp, false, err);
			return -1;
		}
		redis_state(sp, true, NULL);
		return 1;
	}
	if (open_for_reading(sp, seq, complete, &limit) < 0) {
		if (errno == ENOENT && complete) {
			cw_log(LOG_ERR, "audit: spool segment %" PRIu64 " is "
			    "missing; going on with the next", seq);
			advance(sp, seq + 1, 0, 0, 0, NULL);
			return 1;
		}
		cw_log(LOG_ERR, "audit: cannot read the spool: %s",
		    strerror(errno));
		return -1;
	}
	if (off >= limit) {
		spool_finish_segment(sp, seq, limit);
		return 1;
	}
	len = limit - off > FORWARD_BYTES ? FORWARD_BYTES : (size_t)(limit -
	    off);
	if (spool_pread_all(sp->rfd, sp->chunk, len, off) < 0) {
		cw_log(LOG_ERR, "audit: cannot read the spool: %s",
		    strerror(errno));
		return -1;
	}
	n = split_lines(sp->chunk, len, lines, lens, &used);
	if (n == 0) {
		/* No newline in what is left: not a line we wrote whole. */
		cw_log(LOG_ERR, "audit: skipping %zu bytes of the spool that "
		    "hold no line", len);
		advance(sp, seq, off + len, 0, len, NULL);
		return 1;
	}
	if (send_batch(sp, lines, lens, n, &before, &last, err,
	    sizeof(err)) < 0) {
		sp->ret.check = true;
		redis_state(sp, false, err);
		return -1;
	}
	redis_state(sp, true, NULL);
	if (!sp->fsync_checked)
		check_fsync_policy(sp);
	if (!spool_retain_batch(sp, &before, &last))
		advance(sp, seq, off + used, n, used, &last);
	return 1;
}

static bool
forward_stopping(struct cw_audit_spool *sp, long long *deadline)
{
	bool stop;

	pthread_mutex_lock(&sp->lock);
	stop = sp->stop_fwd;
	*deadline = sp->fwd_deadline_ms;
	pthread_mutex_unlock(&sp->lock);
	return stop;
}

/* Sleeps until new lines, a stop, or ms pass. */
static void
forward_wait(struct cw_audit_spool *sp, int ms)
{
	long long until = cw_now_ms() + ms;

	pthread_mutex_lock(&sp->lock);
	while (!sp->stop_fwd && sp->fwd_seq == sp->synced_seq &&
	    sp->fwd_off >= sp->synced_bytes)
		if (!cw_wake_wait_until(&sp->cond, &sp->lock, until))
			break;
	pthread_mutex_unlock(&sp->lock);
}

static void
backoff_wait(struct cw_audit_spool *sp)
{
	long long until;
	uint32_t jitter;

	/* Jitter: a fleet's hosts must not all retry at the same instant. */
	jitter = arc4random_uniform((uint32_t)sp->backoff_ms / 4 + 1);
	until = cw_now_ms() + sp->backoff_ms + jitter;
	sp->backoff_ms = sp->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    sp->backoff_ms * 2;
	pthread_mutex_lock(&sp->lock);
	while (!sp->stop_fwd)
		if (!cw_wake_wait_until(&sp->cond, &sp->lock, until))
			break;
	pthread_mutex_unlock(&sp->lock);
}

void *
spool_forward_main(void *arg)
{
	struct cw_audit_spool *sp = arg;
	long long deadline, idle, due;
	char err[512];
	int r, rc;

	pthread_setname_np(pthread_self(), "cw-forward");
	cw_thread_background();
	for (;;) {
		r = forward_once(sp);
		/* Deletes what the writer sealed; resends if Redis went back. */
		if (r >= 0 && (rc = spool_retain_poll(sp, false, err,
		    sizeof(err))) != 0)
			redis_state(sp, rc > 0, err);
		if (forward_stopping(sp, &deadline) && (r <= 0 ||
		    cw_now_ms() >= deadline))
			break;
		if (r > 0) {
			sp->backoff_ms = BACKOFF_MIN_MS;
		} else if (r == 0 && sp->offset_dirty) {
			/* Idle with an unsaved position: save it soon. */
			idle = cw_now_ms() - sp->dirty_since_ms;
			if (idle >= OFFSET_SAVE_MS)
				spool_save_offset(sp);
			else
				forward_wait(sp, (int)(OFFSET_SAVE_MS - idle));
		} else if (r == 0) {
			due = spool_retain_due_in(sp);
			forward_wait(sp, due >= 0 && due < IDLE_MS ? (int)due + 1 :
			    IDLE_MS);
		} else {
			spool_save_offset(sp);
			backoff_wait(sp);
		}
	}
	spool_save_offset(sp);
	/* A last look at the mark, so that a stop after the writer sealed
	 * everything leaves no segment behind (only while Redis answers). */
	if (sp->redis_up && spool_retain_due_in(sp) >= 0)
		(void)spool_retain_poll(sp, true, err, sizeof(err));
	return NULL;
}
