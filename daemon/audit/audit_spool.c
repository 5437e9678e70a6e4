/* SPDX-License-Identifier: MIT */
/*
 * audit_spool.c - the host spool and the forwarder (audit_log.h).
 *
 * Files in [audit] spool_dir (0700, ours, not writable by group/other:
 * whoever can write the spool can put words in our mouth):
 *   spool.<seq>.jsonl  segments of event lines, <seq> 20 decimal digits;
 *                  the newest is the one being appended to
 *   spool.offset   "<seq> <bytes>\n": Redis confirmed every segment
 *                  before <seq> and <bytes> of that one; replaced by
 *                  rename after an fsync (never half-written)
 *   .lock          flock'd: one daemon per spool
 *   writer.token   the writer's (audit_writer.c), if this host writes
 *
 * WHO WRITES.  The thread that emits an event appends its line itself,
 * with one write(2) on the O_APPEND segment under the emit mutex (which
 * also hands out the event ids, so the file is in id order), before
 * cw_audit_emit() returns: a daemon killed at any instant after that has
 * the line in the page cache, and the kernel writes it.  No fsync on the
 * caller: the spool thread fdatasyncs what was appended at most every
 * GROUP_COMMIT_MS (the window a power loss can take).  The emit mutex is
 * never held across an fsync, a Redis call or a write of more than one
 * line.
 *
 * WHEN THE DISK SAYS NO.  A write that fails (ENOSPC, EIO, the spool at
 * spool_max_bytes) is cut back to the last whole line and the line goes
 * to a bounded memory backlog; so does every later line while the
 * backlog is not empty (order).  The spool thread writes the backlog into
 * the segment in chunks of at most DRAIN_BYTES, retrying every POLL_MS and
 * at once when the forwarder frees a segment, so the spool recovers by
 * itself as soon as there is room for one chunk.  A full backlog drops
 * the event: counted (clearway_audit_dropped_total) and logged.
 *
 * SEGMENTS, NOT TRUNCATION.  The forwarder never changes a file the
 * emitters write: the spool thread starts a new segment once the current
 * one holds SEGMENT_MAX bytes, or is wholly forwarded and idle (or the
 * backlog waits for room), and the forwarder deletes a segment once Redis
 * confirmed all of it and the writer sealed it (audit_retain.c).  So no lock is shared between a decision and the
 * forwarder, and the offset file never names bytes that were replaced.
 *
 * Invariants: the forwarder reads only below what the spool thread
 * published after an fdatasync (synced_seq/synced_bytes), so it never
 * sees half a line; a segment before synced_seq is complete and never
 * written again; segments before the offset's <seq> hold nothing to send.
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

/* ---- the emitters' side ---- */

/* Adds a whole line to the backlog (emit held).  0, or -1 when full. */
static int
backlog_push(struct cw_audit_spool *sp, const char *line, size_t len)
{
	if (sp->bl_events >= CW_AUDIT_BACKLOG_EVENTS)
		return -1;
	if (CW_AUDIT_BACKLOG_BYTES - sp->bl_used < len && sp->bl_head > 0) {
		/* Only in an episode: the chunk being drained stays first. */
		memmove(sp->backlog, sp->backlog + sp->bl_head,
		    sp->bl_used - sp->bl_head);
		sp->bl_used -= sp->bl_head;
		sp->bl_head = 0;
	}
	if (CW_AUDIT_BACKLOG_BYTES - sp->bl_used < len)
		return -1;
	memcpy(sp->backlog + sp->bl_used, line, len);
	sp->bl_used += len;
	sp->bl_events++;
	return 0;
}

/* len bytes of whole lines reached the segment (emit held). */
static void
appended(struct cw_audit_spool *sp, size_t len, size_t events)
{
	sp->seg_bytes += len;
	sp->disk_bytes += len;
	sp->file_bytes += len;
	sp->file_events += events;
}

/*
 * A write of len bytes at the end of the segment failed or fell short
 * (emit held): cut it back to the last whole line, or if that fails too,
 * have the spool thread start a new segment before anything else goes in.
 */
static void
append_failed(struct cw_audit_spool *sp, ssize_t n, int err)
{
	sp->write_errno = err != 0 ? err : ENOSPC;
	if (n > 0 && ftruncate(sp->fd, (off_t)sp->seg_bytes) < 0)
		sp->broken = true;
}

int
cw_audit_spool_put(struct cw_audit_spool *sp, char *line, size_t head)
{
	bool wake = false;
	size_t len;
	ssize_t n;
	int rc = -1;

	pthread_mutex_lock(&sp->emit);
	if (sp->closed)
		goto out;
	len = cw_audit_event_tail(line, head, CW_AUDIT_EVENT_LINE_MAX,
	    sp->log->run, sp->counter + 1);
	if (len == 0)
		goto out;
	/* Straight into the file, unless older lines wait in memory. */
	if (sp->bl_events == 0 && !sp->draining && !sp->broken) {
		if (sp->disk_bytes + len > sp->max_bytes) {
			sp->full_hit = true;
		} else if ((n = write(sp->fd, line, len)) == (ssize_t)len) {
			appended(sp, len, 1);
			wake = !sp->sync_wanted;
			sp->sync_wanted = true;
			rc = 0;
			goto accepted;
		} else {
			append_failed(sp, n, n < 0 ? errno : 0);
		}
	}
	if (backlog_push(sp, line, len) < 0)
		goto out;
	sp->backlogged++;
	wake = sp->bl_events == 1;
	rc = 0;
accepted:
	sp->counter++;
	sp->emitted++;
out:
	if (rc < 0)
		sp->dropped++;
	if (wake)
		pthread_cond_signal(&sp->emit_cond);
	pthread_mutex_unlock(&sp->emit);
	return rc;
}

void
cw_audit_spool_refused(struct cw_audit_spool *sp)
{
	pthread_mutex_lock(&sp->emit);
	sp->dropped++;
	pthread_mutex_unlock(&sp->emit);
}

void
cw_audit_spool_counts(struct cw_audit_spool *sp, uint64_t *emitted,
    uint64_t *dropped, uint64_t *backlog)
{
	pthread_mutex_lock(&sp->emit);
	*emitted = sp->emitted;
	*dropped = sp->dropped;
	*backlog = sp->bl_events;
	pthread_mutex_unlock(&sp->emit);
}

void
cw_audit_spool_close(struct cw_audit_spool *sp)
{
	if (sp == NULL)
		return;
	pthread_mutex_lock(&sp->emit);
	sp->closed = true;
	pthread_cond_broadcast(&sp->emit_cond);
	pthread_mutex_unlock(&sp->emit);
}

/* ---- the spool thread ---- */

/*
 * What was appended up to (seq, bytes) is on disk: hand it to the
 * forwarder.  file_bytes/file_events are the run's totals at that point.
 */
static void
publish_synced(struct cw_audit_spool *sp, uint64_t seq, uint64_t bytes,
    uint64_t file_bytes, uint64_t file_events)
{
	uint64_t events = file_events - sp->published_events;

	pthread_mutex_lock(&sp->lock);
	sp->synced_seq = seq;
	sp->synced_bytes = bytes;
	sp->events += events;
	sp->pending_bytes += file_bytes - sp->published_bytes;
	spool_publish_levels(sp);
	pthread_cond_signal(&sp->cond);
	pthread_mutex_unlock(&sp->lock);
	cw_metrics_add(sp->log->metrics, CW_COUNTER_SPOOLED, events);
	sp->published_bytes = file_bytes;
	sp->published_events = file_events;
}

/* The group commit: one fdatasync for everything appended since the last. */
static void
sync_appended(struct cw_audit_spool *sp)
{
	uint64_t seq, bytes, fbytes, fevents;
	int fd;

	pthread_mutex_lock(&sp->emit);
	if (!sp->sync_wanted) {
		pthread_mutex_unlock(&sp->emit);
		return;
	}
	sp->sync_wanted = false;
	fd = sp->fd;            /* only this thread replaces it */
	seq = sp->seq;
	bytes = sp->seg_bytes;
	fbytes = sp->file_bytes;
	fevents = sp->file_events;
	pthread_mutex_unlock(&sp->emit);
	sp->last_sync_ms = sp->last_data_ms = cw_now_ms();
	if (fdatasync(fd) < 0) {
		if (!sp->ep.sync_failed)
			cw_log(LOG_CRIT, "audit: cannot fdatasync the spool "
			    "%s: %s; retrying", sp->dir, strerror(errno));
		sp->ep.sync_failed = true;
		pthread_mutex_lock(&sp->emit);
		sp->sync_wanted = true;
		pthread_mutex_unlock(&sp->emit);
		return;
	}
	sp->ep.sync_failed = false;
	publish_synced(sp, seq, bytes, fbytes, fevents);
}

/* The bytes of buf[0..len) up to its last newline; *lines of them. */
static size_t
whole_lines(const char *buf, size_t len, size_t *lines)
{
	const char *p = buf, *nl;

	*lines = 0;
	while ((nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL) {
		(*lines)++;
		p = nl + 1;
	}
	return (size_t)(p - buf);
}

/*
 * Writes one chunk of whole lines from the backlog into the segment.
 * Emitters keep adding to the backlog meanwhile (draining), so order
 * holds; the mutex is not held across the write.  Returns the bytes
 * written, 0 when there was nothing to write or no room, -1 on failure.
 */
static ssize_t
drain_chunk(struct cw_audit_spool *sp)
{
	const char *p, *nl, *end;
	size_t len = 0, lines = 0, room, keep;
	ssize_t n;
	int fd, werr;

	pthread_mutex_lock(&sp->emit);
	room = sp->disk_bytes >= sp->max_bytes ? 0 :
	    (size_t)(sp->max_bytes - sp->disk_bytes < DRAIN_BYTES ?
	    sp->max_bytes - sp->disk_bytes : DRAIN_BYTES);
	p = sp->backlog + sp->bl_head;
	end = sp->backlog + sp->bl_used;
	while (p + len < end && (nl = memchr(p + len, '\n', (size_t)(end -
	    (p + len)))) != NULL && (size_t)(nl + 1 - p) <= room) {
		len = (size_t)(nl + 1 - p);
		lines++;
	}
	if (sp->bl_events > 0 && lines == 0 && !sp->broken)
		sp->full_hit = true;
	if (lines == 0 || sp->broken) {
		pthread_mutex_unlock(&sp->emit);
		return 0;
	}
	memcpy(sp->drain, p, len);
	sp->draining = true;
	fd = sp->fd;
	pthread_mutex_unlock(&sp->emit);

	n = write(fd, sp->drain, len);
	werr = n < 0 ? errno : 0;

	pthread_mutex_lock(&sp->emit);
	sp->draining = false;
	if (n != (ssize_t)len) {
		/* Keep the whole lines that fitted: a disk with room for a
		 * few lines takes them, not nothing forever. */
		keep = n > 0 ? whole_lines(sp->drain, (size_t)n, &lines) : 0;
		if (keep > 0 && ftruncate(fd, (off_t)(sp->seg_bytes + keep)) < 0)
			keep = 0;
		if (keep == 0)
			append_failed(sp, n, werr);
		else
			sp->write_errno = ENOSPC;       /* a short write */
		len = keep;
		n = -1;
	}
	if (len > 0) {
		/* Compaction by an emitter keeps the chunk first. */
		sp->bl_head += len;
		sp->bl_events -= lines;
		if (sp->bl_events == 0)
			sp->bl_head = sp->bl_used = 0;
		appended(sp, len, lines);
		sp->sync_wanted = true;
	}
	pthread_mutex_unlock(&sp->emit);
	return n;
}

/* Writes the backlog, at most DRAIN_ROUND bytes a round. */
static void
drain_backlog(struct cw_audit_spool *sp)
{
	size_t done = 0;
	ssize_t n;

	while (done < DRAIN_ROUND && (n = drain_chunk(sp)) > 0)
		done += (size_t)n;
	pthread_mutex_lock(&sp->emit);
	/* Still waiting: try again in a while, or when space is freed. */
	if (sp->bl_events > 0 && done < DRAIN_ROUND)
		sp->next_drain_ms = cw_now_ms() + POLL_MS;
	pthread_mutex_unlock(&sp->emit);
}

/* Whether Redis confirmed all of segment seq's bytes lines. */
static bool
forwarded_all(struct cw_audit_spool *sp, uint64_t seq, uint64_t bytes)
{
	bool done;

	pthread_mutex_lock(&sp->lock);
	/* And sealed: a segment is deleted only then (audit_retain.c). */
	done = sp->fwd_seq == seq && sp->fwd_off >= bytes &&
	    spool_retain_sealed(sp, seq);
	pthread_mutex_unlock(&sp->lock);
	return done;
}

/*
 * Starts a new segment when the current one is big, broken, or wholly
 * forwarded and either idle or in the way of a waiting backlog (its
 * space is freed only once it is not the current one).
 */
static void
maybe_rotate(struct cw_audit_spool *sp, long long now)
{
	char name[SEGMENT_NAME_SIZE];
	uint64_t seq, next, bytes, fbytes, fevents;
	bool broken, waiting;
	int fd, old;

	pthread_mutex_lock(&sp->emit);
	seq = sp->seq;
	/* No segment at all (it could not be made at start): make it. */
	next = sp->fd >= 0 ? seq + 1 : seq;
	bytes = sp->seg_bytes;
	broken = sp->broken;
	waiting = sp->bl_events > 0;
	pthread_mutex_unlock(&sp->emit);
	if (!broken && (bytes == 0 || (bytes < sp->segment_max &&
	    !((waiting || now - sp->last_data_ms >= IDLE_ROTATE_MS) &&
	    forwarded_all(sp, seq, bytes)))))
		return;
	spool_segment_name(name, next);
	fd = openat(sp->dir_fd, name, O_WRONLY | O_APPEND | O_CREAT | O_EXCL |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fsync(sp->dir_fd) < 0) {
		if (!sp->ep.rotate_failed)
			cw_log(LOG_ERR, "audit: cannot start spool segment "
			    "%s/%s: %s", sp->dir, name, strerror(errno));
		sp->ep.rotate_failed = true;
		if (fd >= 0)
			close(fd);
		(void)unlinkat(sp->dir_fd, name, 0);
		return;
	}
	sp->ep.rotate_failed = false;
	pthread_mutex_lock(&sp->emit);
	old = sp->fd;
	sp->fd = fd;
	sp->seq = next;
	sp->seg_bytes = 0;
	sp->broken = false;
	sp->sync_wanted = false;
	fbytes = sp->file_bytes;
	fevents = sp->file_events;
	if (sp->bl_events > 0)
		sp->next_drain_ms = 0;
	pthread_mutex_unlock(&sp->emit);
	/* No one appends to the old segment any more: make it whole. */
	if (old >= 0 && fdatasync(old) < 0)
		cw_log(LOG_CRIT, "audit: cannot fdatasync spool segment %" PRIu64
		    ": %s", seq, strerror(errno));
	if (old >= 0)
		close(old);
	publish_synced(sp, next, 0, fbytes, fevents);
}

/* Logs the changes of state an emitter or a drain noticed. */
static void
note_state(struct cw_audit_spool *sp, long long now)
{
	uint64_t dropped, backlog, backlogged;
	bool full;
	int err;

	pthread_mutex_lock(&sp->emit);
	err = sp->write_errno;
	full = sp->full_hit;
	sp->full_hit = false;
	backlog = sp->bl_events;
	dropped = sp->dropped;
	backlogged = sp->backlogged;
	if (backlog == 0)
		sp->write_errno = 0;
	pthread_mutex_unlock(&sp->emit);
	cw_metrics_level(sp->log->metrics, CW_LEVEL_BACKLOG_EVENTS,
	    (double)backlog);
	cw_metrics_add(sp->log->metrics, CW_COUNTER_BACKLOGGED, backlogged -
	    cw_metrics_get(sp->log->metrics, CW_COUNTER_BACKLOGGED));
	if (err != 0 && !sp->ep.write_failed) {
		cw_log(LOG_CRIT, "audit: cannot write the spool %s: %s; events "
		    "wait in memory (at most %d, %d MiB), then are dropped",
		    sp->dir, strerror(err), CW_AUDIT_BACKLOG_EVENTS,
		    CW_AUDIT_BACKLOG_BYTES / (1024 * 1024));
		sp->ep.write_failed = true;
	}
	if (full && !sp->ep.full) {
		cw_log(LOG_CRIT, "audit: the spool reached spool_max_bytes "
		    "(%" PRIu64 "); events wait in memory (at most %d), then "
		    "are dropped", sp->max_bytes, CW_AUDIT_BACKLOG_EVENTS);
		cw_metrics_add(sp->log->metrics, CW_COUNTER_SPOOL_FULL, 1);
		sp->ep.full = true;
	}
	if (backlog == 0 && (sp->ep.write_failed || sp->ep.full)) {
		cw_log(LOG_NOTICE, "audit: the spool takes events again; "
		    "every event that waited in memory is in it");
		sp->ep.write_failed = sp->ep.full = false;
	}
	if (dropped > sp->ep.dropped_logged &&
	    now - sp->ep.drop_logged_ms >= DROP_LOG_MS) {
		cw_log(LOG_CRIT, "audit: %" PRIu64 " events dropped so far: the "
		    "spool could not take them and the memory backlog was full "
		    "(clearway_audit_dropped_total)", dropped);
		sp->ep.dropped_logged = dropped;
		sp->ep.drop_logged_ms = now;
	}
}

static void
maybe_write_metrics(struct cw_audit_spool *sp, long long now)
{
	struct cw_audit_log *log = sp->log;
	char err[512];

	if (log->metrics_file == NULL || now < sp->next_metrics_ms)
		return;
	sp->next_metrics_ms = now + (long long)log->metrics_interval_s * 1000;
	cw_audit_spool_publish(sp);
	if (cw_metrics_write_file(log->metrics, log->metrics_file, err,
	    sizeof(err)) < 0) {
		if (!sp->ep.metrics_failed)
			cw_log(LOG_WARNING, "audit: metrics file: %s", err);
		sp->ep.metrics_failed = true;
	} else {
		sp->ep.metrics_failed = false;
	}
}

void
cw_audit_spool_publish(struct cw_audit_spool *sp)
{
	struct cw_metrics *m = sp->log->metrics;
	uint64_t emitted, dropped, backlog;

	/* Counted under the emit mutex on the hot path, published here. */
	cw_audit_spool_counts(sp, &emitted, &dropped, &backlog);
	cw_metrics_add(m, CW_COUNTER_EMITTED, emitted -
	    cw_metrics_get(m, CW_COUNTER_EMITTED));
	cw_metrics_add(m, CW_COUNTER_DROPPED, dropped -
	    cw_metrics_get(m, CW_COUNTER_DROPPED));
	cw_metrics_level(m, CW_LEVEL_BACKLOG_EVENTS, (double)backlog);
}

/*
 * Sleeps until there is something to sync (paced by the group commit), a
 * backlog to retry, a stop, or until_ms.  Returns whether stopping.
 */
static bool
spool_wait(struct cw_audit_spool *sp, long long until)
{
	long long now, wake;
	bool closed;

	pthread_mutex_lock(&sp->emit);
	for (;;) {
		now = cw_now_ms();
		/* Stopping: the backlog is still retried at POLL_MS. */
		if ((sp->closed && sp->bl_events == 0) || now >= until ||
		    (sp->sync_wanted && (sp->closed || now >=
		    sp->last_sync_ms + GROUP_COMMIT_MS)) ||
		    (sp->bl_events > 0 && now >= sp->next_drain_ms))
			break;
		wake = until;
		if (sp->sync_wanted && sp->last_sync_ms + GROUP_COMMIT_MS < wake)
			wake = sp->last_sync_ms + GROUP_COMMIT_MS;
		if (sp->bl_events > 0 && sp->next_drain_ms < wake)
			wake = sp->next_drain_ms;
		cw_wake_wait_until(&sp->emit_cond, &sp->emit, wake);
	}
	closed = sp->closed;
	pthread_mutex_unlock(&sp->emit);
	return closed;
}

static size_t
backlog_events(struct cw_audit_spool *sp)
{
	size_t n;

	pthread_mutex_lock(&sp->emit);
	n = sp->bl_events;
	pthread_mutex_unlock(&sp->emit);
	return n;
}

static void *
spool_main(void *arg)
{
	struct cw_audit_spool *sp = arg;
	long long now, until, deadline = 0;
	bool closed;
	size_t lost;

	pthread_setname_np(pthread_self(), "cw-spool");
	cw_thread_background();
	for (;;) {
		now = cw_now_ms();
		until = sp->log->metrics_file != NULL &&
		    sp->next_metrics_ms < now + IDLE_MS ? sp->next_metrics_ms :
		    now + IDLE_MS;
		closed = spool_wait(sp, until);
		drain_backlog(sp);
		sync_appended(sp);
		now = cw_now_ms();
		maybe_rotate(sp, now);
		note_state(sp, now);
		maybe_write_metrics(sp, now);
		if (!closed)
			continue;
		if (backlog_events(sp) == 0)
			break;
		if (deadline == 0)
			deadline = now + STOP_MS;
		if (now < deadline)
			continue;
		pthread_mutex_lock(&sp->emit);
		lost = sp->bl_events;
		sp->dropped += lost;
		sp->bl_events = sp->bl_head = sp->bl_used = 0;
		pthread_mutex_unlock(&sp->emit);
		cw_log(LOG_CRIT, "audit: stopping with %zu events that could not "
		    "be spooled (spool full or unwritable): lost", lost);
		break;
	}
	sync_appended(sp);
	return NULL;
}
/* ---- start and stop ---- */

static void
spool_free(struct cw_audit_spool *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	if (sp->rfd >= 0)
		close(sp->rfd);
	if (sp->lock_fd >= 0)
		close(sp->lock_fd);
	if (sp->dir_fd >= 0)
		close(sp->dir_fd);
	pthread_mutex_destroy(&sp->emit);
	pthread_cond_destroy(&sp->emit_cond);
	pthread_mutex_destroy(&sp->lock);
	pthread_cond_destroy(&sp->cond);
	cw_redis_free(sp->redis);
	spool_retain_free(sp);
	free(sp->backlog);
	free(sp->drain);
	free(sp->chunk);
	free(sp->dir);
	free(sp);
}

static int
spool_init(struct cw_audit_spool *sp, struct cw_audit_log *log,
    const struct cw_config *cfg, const struct cw_redis_options *redis,
    char *err, size_t errlen)
{
	sp->log = log;
	sp->dir_fd = sp->lock_fd = sp->fd = sp->rfd = -1;
	sp->max_bytes = (uint64_t)cfg->audit.spool_max_bytes;
	/* Small enough that a forwarded segment soon frees its space. */
	sp->segment_max = sp->max_bytes / 8 < SEGMENT_MAX ?
	    sp->max_bytes / 8 : SEGMENT_MAX;
	sp->redis_up = true;    /* so that the first failure is logged */
	sp->backoff_ms = BACKOFF_MIN_MS;
	pthread_mutex_init(&sp->emit, NULL);
	cw_wake_cond_init(&sp->emit_cond);
	pthread_mutex_init(&sp->lock, NULL);
	cw_wake_cond_init(&sp->cond);
	/* This host's own stream: the only key its Redis user may write. */
	if (cw_audit_host_stream_key(sp->stream_key, sizeof(sp->stream_key),
	    cfg->redis.key_prefix, log->host) < 0) {
		snprintf(err, errlen, "audit: bad [redis] key_prefix or host "
		    "name");
		return -1;
	}
	sp->stream_key_len = strlen(sp->stream_key);
	if (spool_retain_init(sp, cfg->redis.key_prefix, log->host) < 0) {
		snprintf(err, errlen, "audit: bad [redis] key_prefix or host "
		    "name");
		return -1;
	}
	if ((sp->dir = strdup(cfg->audit.spool_dir)) == NULL ||
	    (sp->backlog = malloc(CW_AUDIT_BACKLOG_BYTES)) == NULL ||
	    (sp->drain = malloc(DRAIN_BYTES)) == NULL ||
	    (sp->chunk = malloc(FORWARD_BYTES)) == NULL ||
	    (sp->redis = cw_redis_new(redis)) == NULL) {
		snprintf(err, errlen, "audit: out of memory");
		return -1;
	}
	return 0;
}

struct cw_audit_spool *
cw_audit_spool_start(struct cw_audit_log *log, const struct cw_config *cfg,
    const struct cw_redis_options *redis, char *err, size_t errlen)
{
	struct cw_audit_spool *sp;
	int rc;

	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		snprintf(err, errlen, "audit: out of memory");
		return NULL;
	}
	if (spool_init(sp, log, cfg, redis, err, errlen) < 0 ||
	    spool_open(sp, err, errlen) < 0)
		goto fail;
	/* The forwarder first: the spool thread only stops once the spool
	 * is closed, so it must be the last thing that can fail to start. */
	if ((rc = pthread_create(&sp->fwd_thread, NULL, spool_forward_main, sp)) != 0)
		goto thread_fail;
	sp->fwd_started = true;
	if ((rc = pthread_create(&sp->spool_thread, NULL, spool_main, sp)) != 0)
		goto thread_fail;
	sp->spool_started = true;
	return sp;
thread_fail:
	snprintf(err, errlen, "audit: cannot start a thread: %s", strerror(rc));
fail:
	cw_audit_spool_stop(sp);
	return NULL;
}

void
cw_audit_spool_stop(struct cw_audit_spool *sp)
{
	if (sp == NULL)
		return;
	/* Emitters are refused from here; the spool thread writes what waits. */
	cw_audit_spool_close(sp);
	if (sp->spool_started)
		pthread_join(sp->spool_thread, NULL);
	pthread_mutex_lock(&sp->lock);
	sp->stop_fwd = true;
	sp->fwd_deadline_ms = cw_now_ms() + STOP_MS;
	pthread_cond_broadcast(&sp->cond);
	pthread_mutex_unlock(&sp->lock);
	if (sp->fwd_started)
		pthread_join(sp->fwd_thread, NULL);
	/* Everything sent (the threads are gone): leave no segment behind. */
	if (sp->spool_started && sp->fd >= 0 && sp->fwd_seq == sp->seq &&
	    sp->synced_bytes == sp->seg_bytes &&
	    sp->fwd_off >= sp->seg_bytes) {
		close(sp->fd);
		sp->fd = -1;
		spool_finish_segment(sp, sp->seq, sp->seg_bytes);
	}
	cw_audit_spool_publish(sp);
	spool_free(sp);
}
