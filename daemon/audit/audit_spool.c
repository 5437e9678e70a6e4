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
 * confirmed all of it.  So no lock is shared between a decision and the
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

#include "audit/audit_pipeline.h"
#include "lib/log.h"
#include "text.h"
#include "lib/wake.h"

#define SEGMENT_PREFIX "spool."
#define SEGMENT_SUFFIX ".jsonl"
#define SEGMENT_DIGITS 20
#define SEGMENT_NAME_SIZE (sizeof(SEGMENT_PREFIX) - 1 + SEGMENT_DIGITS + \
    sizeof(SEGMENT_SUFFIX))
#define LEGACY_FILE "spool.jsonl"       /* before segments: seq 0 */
#define OFFSET_FILE "spool.offset"
#define OFFSET_TMP "spool.offset.tmp"
#define LOCK_FILE ".lock"

#define GROUP_COMMIT_MS 10      /* at most one fdatasync per 10 ms */
#define POLL_MS 100             /* spool full or unwritable: retry */
#define IDLE_MS 1000            /* nothing to do: look at the clock */
#define STOP_MS 2000            /* bound on each thread's last flush */
#define SEGMENT_MAX (1024 * 1024)
#define DRAIN_BYTES (64 * 1024) /* one write from the backlog */
#define DRAIN_ROUND (1024 * 1024)       /* then fdatasync, then go on */
#define FORWARD_EVENTS 512      /* per MULTI/EXEC */
#define FORWARD_BYTES (1024 * 1024)
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define IDLE_ROTATE_MS 1000
#define DROP_LOG_MS 1000
#define SCAN_CHUNK (64 * 1024)

/* Things logged once per episode (the spool thread's). */
struct episode {
	bool full;              /* spool at spool_max_bytes */
	bool write_failed;
	bool sync_failed;
	bool rotate_failed;
	bool offset_failed;     /* the forwarder's */
	bool metrics_failed;
	uint64_t dropped_logged;
	long long drop_logged_ms;
};

struct cw_audit_spool {
	struct cw_audit_log *log;
	char *dir;
	int dir_fd, lock_fd;
	uint64_t max_bytes;
	uint64_t segment_max;
	char stream_key[CW_AUDIT_REDIS_KEY_MAX];
	size_t stream_key_len;
	struct cw_redis *redis;

	/* The emitters' side, all under emit. */
	pthread_mutex_t emit;
	pthread_cond_t emit_cond;       /* wakes the spool thread */
	int fd;                         /* the current segment, O_APPEND */
	uint64_t seq;                   /* its number */
	uint64_t seg_bytes;             /* whole lines in it */
	uint64_t disk_bytes;            /* in all segments on disk */
	uint64_t file_bytes, file_events;       /* appended, this run */
	char *backlog;                  /* CW_AUDIT_BACKLOG_BYTES of lines */
	size_t bl_head, bl_used, bl_events;
	bool draining;                  /* the spool thread writes a chunk */
	bool sync_wanted;               /* appended since the last snapshot */
	bool broken;                    /* a cut failed: start a segment */
	bool full_hit;                  /* spool_max_bytes turned a line away */
	bool closed;                    /* stopping: emit() refuses */
	int write_errno;                /* the last failed append; 0 none */
	long long next_drain_ms;
	uint64_t counter;               /* the last event id counter given */
	uint64_t emitted, dropped, backlogged;

	/* Between the spool thread and the forwarder, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;            /* wakes the forwarder */
	uint64_t synced_seq, synced_bytes;      /* fdatasync'd */
	uint64_t fwd_seq, fwd_off;      /* confirmed by Redis */
	uint64_t events;                /* synced lines not yet confirmed */
	uint64_t pending_bytes;         /* their bytes */
	bool stop_fwd;
	long long fwd_deadline_ms;

	pthread_t spool_thread, fwd_thread;
	bool spool_started, fwd_started;

	/* The spool thread's. */
	char *drain;                    /* DRAIN_BYTES */
	uint64_t published_bytes, published_events;
	long long last_sync_ms, last_data_ms, next_metrics_ms;
	struct episode ep;

	/* The forwarder's. */
	int rfd;                        /* segment rfd_seq, for pread */
	uint64_t rfd_seq;
	char *chunk;
	bool redis_up, fsync_checked;
	int backoff_ms;
	const char *argv[FORWARD_EVENTS + 2][5];
	size_t argl[FORWARD_EVENTS + 2][5];
};

/* ---- file helpers ---- */

static int
pread_all(int fd, char *buf, size_t len, uint64_t off)
{
	ssize_t n;

	while (len > 0) {
		n = pread(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}


static void
segment_name(char name[SEGMENT_NAME_SIZE], uint64_t seq)
{
	snprintf(name, SEGMENT_NAME_SIZE, SEGMENT_PREFIX "%0*" PRIu64
	    SEGMENT_SUFFIX, SEGMENT_DIGITS, seq);
}

/* The number of a segment's name; -1 for any other name. */
static int
segment_seq(const char *name, uint64_t *seq)
{
	const char *d = name + sizeof(SEGMENT_PREFIX) - 1;
	size_t i;

	if (strlen(name) != SEGMENT_NAME_SIZE - 1 ||
	    strncmp(name, SEGMENT_PREFIX, sizeof(SEGMENT_PREFIX) - 1) != 0 ||
	    strcmp(d + SEGMENT_DIGITS, SEGMENT_SUFFIX) != 0)
		return -1;
	*seq = 0;
	for (i = 0; i < SEGMENT_DIGITS; i++) {
		if (d[i] < '0' || d[i] > '9' ||
		    *seq > (UINT64_MAX - 9) / 10)
			return -1;
		*seq = *seq * 10 + (uint64_t)(d[i] - '0');
	}
	return 0;
}

/* Saves (seq, off) durably: temporary file, fdatasync, rename, fsync. */
static int
offset_save(struct cw_audit_spool *sp, uint64_t seq, uint64_t off)
{
	char buf[64];
	int fd, n, rc = -1;

	n = snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64 "\n", seq, off);
	fd = openat(sp->dir_fd, OFFSET_TMP, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	if (cw_write_all(fd, buf, (size_t)n) == 0 && fdatasync(fd) == 0)
		rc = 0;
	if (close(fd) < 0)
		rc = -1;
	if (rc == 0 && (renameat(sp->dir_fd, OFFSET_TMP, sp->dir_fd,
	    OFFSET_FILE) < 0 || fsync(sp->dir_fd) < 0))
		rc = -1;
	return rc;
}

/* Reads a decimal number at *p; false if there is none. */
static bool
take_number(const char **p, uint64_t *out)
{
	char *end;

	if (**p < '0' || **p > '9')
		return false;
	errno = 0;
	*out = strtoull(*p, &end, 10);
	if (errno != 0)
		return false;
	*p = end;
	return true;
}

/*
 * The saved position: "<seq> <off>\n", or "<off>\n" of a spool from
 * before segments (seq 0).  (0, 0) when there is none or it is bad:
 * everything is forwarded again, and the writer drops the copies.
 */
static void
offset_load(struct cw_audit_spool *sp, uint64_t *seq, uint64_t *off)
{
	char buf[64];
	const char *p = buf;
	ssize_t n;
	int fd;

	*seq = *off = 0;
	fd = openat(sp->dir_fd, OFFSET_FILE, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			cw_log(LOG_WARNING, "audit: %s/%s: %s; forwarding the "
			    "whole spool again", sp->dir, OFFSET_FILE,
			    strerror(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (take_number(&p, off)) {
		if (*p == ' ') {
			p++;
			*seq = *off;
			if (!take_number(&p, off))
				p = "";
		}
		if (*p == '\n')
			return;
	}
	cw_log(LOG_WARNING, "audit: %s/%s is not an offset; forwarding the "
	    "whole spool again", sp->dir, OFFSET_FILE);
	*seq = *off = 0;
}

/* Position after the last '\n' before size (0 if none). */
static int
last_line_end(int fd, uint64_t size, uint64_t *end)
{
	char buf[SCAN_CHUNK];
	uint64_t pos = size;
	size_t n, i;

	while (pos > 0) {
		n = pos > sizeof(buf) ? sizeof(buf) : (size_t)pos;
		if (pread_all(fd, buf, n, pos - n) < 0)
			return -1;
		for (i = n; i > 0; i--)
			if (buf[i - 1] == '\n') {
				*end = pos - n + i;
				return 0;
			}
		pos -= n;
	}
	*end = 0;
	return 0;
}

/* Lines in [from, to). */
static int
count_lines(int fd, uint64_t from, uint64_t to, uint64_t *lines)
{
	char buf[SCAN_CHUNK];
	const char *p, *e;
	size_t n;

	while (from < to) {
		n = to - from > sizeof(buf) ? sizeof(buf) : (size_t)(to - from);
		if (pread_all(fd, buf, n, from) < 0)
			return -1;
		for (p = buf, e = buf + n; (p = memchr(p, '\n', (size_t)(e -
		    p))) != NULL; p++)
			(*lines)++;
		from += n;
	}
	return 0;
}

/* ---- opening ---- */

static int
open_dir(struct cw_audit_spool *sp, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(sp->dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "audit: spool %s: %s", sp->dir,
		    strerror(errno));
		return -1;
	}
	sp->dir_fd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (sp->dir_fd < 0 || fstat(sp->dir_fd, &st) < 0) {
		snprintf(err, errlen, "audit: spool %s: %s", sp->dir,
		    strerror(errno));
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(err, errlen, "audit: spool %s must be ours and not "
		    "writable by group or others", sp->dir);
		return -1;
	}
	sp->lock_fd = openat(sp->dir_fd, LOCK_FILE, O_RDWR | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sp->lock_fd < 0 || flock(sp->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "audit: spool %s: %s", sp->dir,
		    errno == EWOULDBLOCK ? "in use by another process" :
		    strerror(errno));
		return -1;
	}
	return 0;
}

struct seq_list {
	uint64_t *seq;
	size_t n, cap;
};

static int
compare_seq(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The segments in the directory, oldest first.  0, or -1 (errno). */
static int
list_segments(struct cw_audit_spool *sp, struct seq_list *l)
{
	struct dirent *de;
	uint64_t seq, *grown;
	DIR *d;
	int fd, rc = -1;

	memset(l, 0, sizeof(*l));
	if ((fd = dup(sp->dir_fd)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (segment_seq(de->d_name, &seq) < 0)
			continue;
		if (l->n == l->cap) {
			l->cap = l->cap > 0 ? l->cap * 2 : 16;
			if ((grown = realloc(l->seq, l->cap *
			    sizeof(*grown))) == NULL)
				goto out;
			l->seq = grown;
		}
		l->seq[l->n++] = seq;
	}
	if (l->n > 1)
		qsort(l->seq, l->n, sizeof(*l->seq), compare_seq);
	rc = 0;
out:
	closedir(d);
	return rc;
}

/*
 * Opens one segment left by a previous run: cuts an unfinished last line
 * (a write a crash interrupted, never acknowledged to anyone), and says
 * its size.  An fd open for reading and writing, or -1.
 */
static int
open_old_segment(struct cw_audit_spool *sp, uint64_t seq, uint64_t *size)
{
	char name[SEGMENT_NAME_SIZE];
	struct stat st;
	uint64_t end;
	int fd;

	segment_name(name, seq);
	fd = openat(sp->dir_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    last_line_end(fd, (uint64_t)st.st_size, &end) < 0)
		goto fail;
	if (end < (uint64_t)st.st_size) {
		if (ftruncate(fd, (off_t)end) < 0 || fdatasync(fd) < 0)
			goto fail;
		cw_log(LOG_WARNING, "audit: cut %" PRIu64 " bytes of an "
		    "unfinished write from the end of %s/%s",
		    (uint64_t)st.st_size - end, sp->dir, name);
	}
	*size = end;
	return fd;
fail:
	if (errno == 0)
		errno = EINVAL;
	close(fd);
	return -1;
}

/* The gauges of what waits for Redis (sp->lock held). */
static void
publish_levels(struct cw_audit_spool *sp)
{
	cw_metrics_level(sp->log->metrics, CW_LEVEL_SPOOL_EVENTS,
	    (double)sp->events);
	cw_metrics_level(sp->log->metrics, CW_LEVEL_SPOOL_BYTES,
	    (double)sp->pending_bytes);
}

/* Where forwarding resumes in the first segment left: at a line start. */
static uint64_t
resume_at(struct cw_audit_spool *sp, int fd, uint64_t size, uint64_t off)
{
	char c;

	if (off > size)
		off = size;     /* the disk lost what Redis already has */
	if (off > 0 && (pread_all(fd, &c, 1, off - 1) < 0 || c != '\n')) {
		cw_log(LOG_WARNING, "audit: %s/%s is not at a line boundary; "
		    "forwarding that segment again", sp->dir, OFFSET_FILE);
		off = 0;
	}
	return off;
}

/*
 * Takes over what a previous run left: segments before the saved
 * position are gone (forwarded), the others are checked and counted, and
 * this run appends to a new segment of its own.
 */
static int
open_spool(struct cw_audit_spool *sp, char *err, size_t errlen)
{
	char name[SEGMENT_NAME_SIZE];
	struct seq_list l;
	uint64_t oseq, ooff, size, from, next = 0;
	bool found = false;
	size_t i;
	int fd = -1, rc = -1;

	memset(&l, 0, sizeof(l));
	if (open_dir(sp, err, errlen) < 0)
		return -1;
	/* The single file of a spool from before segments is segment 0. */
	segment_name(name, 0);
	if (faccessat(sp->dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
	    renameat(sp->dir_fd, LEGACY_FILE, sp->dir_fd, name) < 0 &&
	    errno != ENOENT)
		goto fail;
	offset_load(sp, &oseq, &ooff);
	if (list_segments(sp, &l) < 0)
		goto fail;
	for (i = 0; i < l.n; i++) {
		segment_name(name, l.seq[i]);
		if (l.seq[i] < oseq) {
			if (unlinkat(sp->dir_fd, name, 0) < 0)
				goto fail;
			continue;
		}
		if ((fd = open_old_segment(sp, l.seq[i], &size)) < 0)
			goto fail;
		from = 0;
		if (!found) {
			found = true;
			if (l.seq[i] == oseq)
				from = resume_at(sp, fd, size, ooff);
			sp->fwd_seq = l.seq[i];
			sp->fwd_off = from;
		}
		if (count_lines(fd, from, size, &sp->events) < 0)
			goto fail;
		close(fd);
		fd = -1;
		sp->pending_bytes += size - from;
		sp->disk_bytes += size;
		next = l.seq[i] + 1;
	}
	if (next <= oseq)
		next = oseq + 1;
	if (!found) {
		sp->fwd_seq = next;
		sp->fwd_off = 0;
	}
	segment_name(name, next);
	sp->fd = openat(sp->dir_fd, name, O_WRONLY | O_APPEND | O_CREAT |
	    O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	/* The new segment's name must be on disk before its lines. */
	if (sp->fd >= 0 && fsync(sp->dir_fd) < 0) {
		close(sp->fd);
		sp->fd = -1;
		(void)unlinkat(sp->dir_fd, name, 0);
	}
	if (sp->fd < 0) {
		/* A full disk must not keep the daemon (and logons) down:
		 * events wait in the backlog until the segment can be made. */
		cw_log(LOG_CRIT, "audit: cannot start spool segment %s/%s: %s; "
		    "events wait in memory", sp->dir, name, strerror(errno));
		sp->ep.rotate_failed = true;
		sp->broken = true;
	}
	sp->seq = sp->synced_seq = next;
	publish_levels(sp);
	if (sp->events > 0)
		cw_log(LOG_NOTICE, "audit: %" PRIu64 " spooled events to "
		    "forward", sp->events);
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, "audit: spool %s: %s", sp->dir, strerror(errno));
	if (fd >= 0)
		close(fd);
out:
	free(l.seq);
	return rc;
}

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
	publish_levels(sp);
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
	done = sp->fwd_seq == seq && sp->fwd_off >= bytes;
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
	segment_name(name, next);
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

/* Whether the EXEC of n XADDs succeeded; else why, in err. */
static bool
exec_ok(redisReply **rep, size_t n, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n + 2; i++)
		if (rep[i]->type == REDIS_REPLY_ERROR) {
			snprintf(err, errlen, "%.200s", rep[i]->str);
			return false;
		}
	if (rep[n + 1]->type != REDIS_REPLY_ARRAY ||
	    rep[n + 1]->elements != n) {
		snprintf(err, errlen, "the transaction was not executed");
		return false;
	}
	for (i = 0; i < n; i++)
		if (rep[n + 1]->element[i]->type != REDIS_REPLY_STRING) {
			snprintf(err, errlen, "an XADD failed");
			return false;
		}
	return true;
}

/* MULTI, XADD <stream> * e <line> for each line, EXEC: all or nothing. */
static int
send_batch(struct cw_audit_spool *sp, const char **lines,
    const size_t *lens, size_t n, char *err, size_t errlen)
{
	static const char *multi[] = { "MULTI" }, *exec[] = { "EXEC" };
	const char *const *argv[FORWARD_EVENTS + 2];
	const size_t *argl[FORWARD_EVENTS + 2];
	redisReply *rep[FORWARD_EVENTS + 2];
	int argc[FORWARD_EVENTS + 2];
	size_t i;
	int rc = -1;

	argc[0] = argc[n + 1] = 1;
	argv[0] = multi;
	argv[n + 1] = exec;
	argl[0] = argl[n + 1] = NULL;
	for (i = 0; i < n; i++) {
		const char **a = sp->argv[i];
		size_t *l = sp->argl[i];

		a[0] = "XADD"; l[0] = 4;
		a[1] = sp->stream_key; l[1] = sp->stream_key_len;
		a[2] = "*"; l[2] = 1;
		a[3] = "e"; l[3] = 1;
		a[4] = lines[i]; l[4] = lens[i];
		argc[i + 1] = 5;
		argv[i + 1] = a;
		argl[i + 1] = l;
	}
	if (cw_redis_pipeline(sp->redis, err, errlen, n + 2, argc, argv, argl,
	    rep) < 0)
		return -1;
	if (exec_ok(rep, n, err, errlen))
		rc = 0;
	for (i = 0; i < n + 2; i++)
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

/* Redis confirmed up to off of segment seq (n more events): save it. */
static void
advance(struct cw_audit_spool *sp, uint64_t seq, uint64_t off, size_t n,
    size_t bytes)
{
	pthread_mutex_lock(&sp->lock);
	sp->fwd_seq = seq;
	sp->fwd_off = off;
	sp->events -= n <= sp->events ? n : sp->events;
	sp->pending_bytes -= bytes <= sp->pending_bytes ? bytes :
	    sp->pending_bytes;
	publish_levels(sp);
	pthread_mutex_unlock(&sp->lock);
	cw_metrics_add(sp->log->metrics, CW_COUNTER_FORWARDED, n);
	/* If it cannot be saved, a restart forwards these again (copies
	 * the writer drops): a disk problem must not stop the flow. */
	if (offset_save(sp, seq, off) < 0) {
		if (!sp->ep.offset_failed)
			cw_log(LOG_ERR, "audit: cannot save %s/%s: %s", sp->dir,
			    OFFSET_FILE, strerror(errno));
		sp->ep.offset_failed = true;
	} else {
		sp->ep.offset_failed = false;
	}
}

/*
 * Segment seq (size bytes) is all in Redis and no one appends to it any
 * more: delete it first (that is what frees the disk; even if the offset
 * cannot be saved, a restart skips a segment that is gone), then move on.
 */
static void
finish_segment(struct cw_audit_spool *sp, uint64_t seq, uint64_t size)
{
	char name[SEGMENT_NAME_SIZE];

	if (sp->rfd >= 0)
		close(sp->rfd);
	sp->rfd = -1;
	segment_name(name, seq);
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
	advance(sp, seq + 1, 0, 0, 0);
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
		segment_name(name, seq);
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
	if (open_for_reading(sp, seq, complete, &limit) < 0) {
		if (errno == ENOENT && complete) {
			cw_log(LOG_ERR, "audit: spool segment %" PRIu64 " is "
			    "missing; going on with the next", seq);
			advance(sp, seq + 1, 0, 0, 0);
			return 1;
		}
		cw_log(LOG_ERR, "audit: cannot read the spool: %s",
		    strerror(errno));
		return -1;
	}
	if (off >= limit) {
		finish_segment(sp, seq, limit);
		return 1;
	}
	len = limit - off > FORWARD_BYTES ? FORWARD_BYTES : (size_t)(limit -
	    off);
	if (pread_all(sp->rfd, sp->chunk, len, off) < 0) {
		cw_log(LOG_ERR, "audit: cannot read the spool: %s",
		    strerror(errno));
		return -1;
	}
	n = split_lines(sp->chunk, len, lines, lens, &used);
	if (n == 0) {
		/* No newline in what is left: not a line we wrote whole. */
		cw_log(LOG_ERR, "audit: skipping %zu bytes of the spool that "
		    "hold no line", len);
		advance(sp, seq, off + len, 0, len);
		return 1;
	}
	if (send_batch(sp, lines, lens, n, err, sizeof(err)) < 0) {
		redis_state(sp, false, err);
		return -1;
	}
	redis_state(sp, true, NULL);
	if (!sp->fsync_checked)
		check_fsync_policy(sp);
	advance(sp, seq, off + used, n, used);
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

static void *
forward_main(void *arg)
{
	struct cw_audit_spool *sp = arg;
	long long deadline;
	int r;

	for (;;) {
		r = forward_once(sp);
		if (forward_stopping(sp, &deadline) && (r <= 0 ||
		    cw_now_ms() >= deadline))
			break;
		if (r > 0)
			sp->backoff_ms = BACKOFF_MIN_MS;
		else if (r == 0)
			forward_wait(sp, IDLE_MS);
		else
			backoff_wait(sp);
	}
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
	if (cw_audit_redis_key(sp->stream_key, sizeof(sp->stream_key),
	    cfg->redis.key_prefix, "audit") < 0) {
		snprintf(err, errlen, "audit: bad [redis] key_prefix");
		return -1;
	}
	sp->stream_key_len = strlen(sp->stream_key);
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
	    open_spool(sp, err, errlen) < 0)
		goto fail;
	/* The forwarder first: the spool thread only stops once the spool
	 * is closed, so it must be the last thing that can fail to start. */
	if ((rc = pthread_create(&sp->fwd_thread, NULL, forward_main, sp)) != 0)
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
		finish_segment(sp, sp->seq, sp->seg_bytes);
	}
	cw_audit_spool_publish(sp);
	spool_free(sp);
}
