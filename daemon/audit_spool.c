/*
 * audit_spool.c - the host spool and the forwarder (audit_log.h).
 *
 * Files in [audit] spool_dir (0700, ours, not writable by group/other:
 * whoever can write the spool can put words in our mouth):
 *   spool.jsonl    event lines, appended in queue order, fdatasync'd
 *   spool.offset   "<bytes>\n": how much of spool.jsonl Redis confirmed,
 *                  replaced by rename after an fsync (never half-written)
 *   .lock          flock'd: one daemon per spool
 *
 * Two threads, one file.  The spool thread only appends; the forwarder
 * only reads (pread) below the size the spool thread published after its
 * fdatasync, so it never sees half a batch.  The one change to the file's
 * shape, truncation once everything is forwarded, happens under the io
 * mutex, which the spool thread also holds while it appends.
 *
 * Invariant on disk: offset <= size, at a line boundary.  Truncation
 * breaks it for a moment (size 0, offset N) until "0" is saved; a crash
 * in that moment is recognized at start (offset > size: everything had
 * been forwarded) and no append happens before "0" is saved.
 */
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

#include "audit_pipeline.h"
#include "log.h"
#include "text.h"
#include "wake.h"

#define SPOOL_FILE "spool.jsonl"
#define OFFSET_FILE "spool.offset"
#define OFFSET_TMP "spool.offset.tmp"
#define LOCK_FILE ".lock"

#define GROUP_COMMIT_MS 10      /* at most one fdatasync per 10 ms */
#define POLL_MS 100             /* spool full or unwritable: retry */
#define IDLE_MS 1000            /* nothing queued: look at the clock */
#define STOP_MS 2000            /* bound on each thread's last flush */
#define FORWARD_EVENTS 512      /* per MULTI/EXEC */
#define FORWARD_BYTES (1024 * 1024)
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define IDLE_TRUNCATE_MS 1000
#define TRUNCATE_BYTES (4 * 1024 * 1024)
#define SCAN_CHUNK (64 * 1024)

/* Things logged once per episode. */
struct episode {
	bool full;              /* spool at spool_max_bytes */
	bool write_failed;
	bool offset_failed;
	bool metrics_failed;
};

struct cw_audit_spool {
	struct cw_audit_log *log;
	char *dir;
	int dir_fd, lock_fd, fd;
	uint64_t max_bytes;
	char stream_key[CW_AUDIT_REDIS_KEY_MAX];
	size_t stream_key_len;
	struct cw_redis *redis;

	pthread_mutex_t io;     /* appending, truncating */
	pthread_mutex_t lock;   /* the fields below, up to the threads */
	pthread_cond_t cond;    /* wakes the forwarder */
	uint64_t size;          /* written and fdatasync'd */
	uint64_t offset;        /* confirmed by Redis */
	uint64_t events;        /* lines in [offset, size) */
	bool offset_stale;      /* truncated, "0" not saved yet (io) */
	bool stop_fwd;
	long long fwd_deadline_ms;

	pthread_t spool_thread, fwd_thread;
	bool spool_started, fwd_started;

	/* The spool thread's. */
	struct cw_audit_batch batch;
	long long next_metrics_ms;
	struct episode ep;

	/* The forwarder's. */
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

/* Saves off durably: temporary file, fdatasync, rename, directory fsync. */
static int
offset_save(struct cw_audit_spool *sp, uint64_t off)
{
	char buf[32];
	int fd, n, rc = -1;

	n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", off);
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

/* The saved offset; 0 when there is none or it is unreadable. */
static uint64_t
offset_load(struct cw_audit_spool *sp)
{
	char buf[32], *end;
	uint64_t off;
	ssize_t n;
	int fd;

	fd = openat(sp->dir_fd, OFFSET_FILE, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			cw_log(LOG_WARNING, "audit: %s/%s: %s; forwarding the "
			    "whole spool again", sp->dir, OFFSET_FILE,
			    strerror(errno));
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	errno = 0;
	off = strtoull(buf, &end, 10);
	if (n <= 1 || buf[0] < '0' || buf[0] > '9' || errno != 0 ||
	    *end != '\n') {
		/* Forwarding again is safe: the writer drops the copies. */
		cw_log(LOG_WARNING, "audit: %s/%s is not an offset; forwarding "
		    "the whole spool again", sp->dir, OFFSET_FILE);
		return 0;
	}
	return off;
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

	*lines = 0;
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

/* Cuts an unfinished last line (a write the crash interrupted). */
static int
cut_unfinished(struct cw_audit_spool *sp, uint64_t *size)
{
	uint64_t end;

	if (last_line_end(sp->fd, *size, &end) < 0)
		return -1;
	if (end == *size)
		return 0;
	if (ftruncate(sp->fd, (off_t)end) < 0 || fdatasync(sp->fd) < 0)
		return -1;
	/* Never acknowledged to anyone: it was not on disk as a line. */
	cw_log(LOG_WARNING, "audit: cut %" PRIu64 " bytes of an unfinished "
	    "write from the end of %s/%s", *size - end, sp->dir, SPOOL_FILE);
	*size = end;
	return 0;
}

/* Where forwarding resumes: the saved offset, checked against the file. */
static int
resume_offset(struct cw_audit_spool *sp, uint64_t size, uint64_t *off)
{
	char c;

	*off = offset_load(sp);
	if (*off > size) {
		/* Truncated after everything was forwarded; "0" was not saved
		 * before the crash.  Nothing was appended since. */
		*off = 0;
		return offset_save(sp, 0);
	}
	if (*off > 0 && (pread_all(sp->fd, &c, 1, *off - 1) < 0 || c != '\n')) {
		cw_log(LOG_WARNING, "audit: %s/%s is not at a line boundary; "
		    "forwarding the whole spool again", sp->dir, OFFSET_FILE);
		*off = 0;
	}
	return 0;
}

static void
publish_levels(struct cw_audit_spool *sp)
{
	cw_metrics_level(sp->log->metrics, CW_LEVEL_SPOOL_EVENTS,
	    (double)sp->events);
	cw_metrics_level(sp->log->metrics, CW_LEVEL_SPOOL_BYTES,
	    (double)(sp->size - sp->offset));
}

static int
open_spool(struct cw_audit_spool *sp, char *err, size_t errlen)
{
	uint64_t size, off, lines;
	struct stat st;

	if (open_dir(sp, err, errlen) < 0)
		return -1;
	sp->fd = openat(sp->dir_fd, SPOOL_FILE, O_RDWR | O_APPEND | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sp->fd < 0 || fstat(sp->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "audit: %s/%s: %s", sp->dir, SPOOL_FILE,
		    sp->fd < 0 ? strerror(errno) : "not a regular file");
		return -1;
	}
	size = (uint64_t)st.st_size;
	/* A newly created spool's name must be on disk before its lines. */
	if (fsync(sp->dir_fd) < 0 || cut_unfinished(sp, &size) < 0 ||
	    resume_offset(sp, size,
	    &off) < 0 || count_lines(sp->fd, off, size, &lines) < 0) {
		snprintf(err, errlen, "audit: %s/%s: %s", sp->dir, SPOOL_FILE,
		    strerror(errno));
		return -1;
	}
	sp->size = size;
	sp->offset = off;
	sp->events = lines;
	publish_levels(sp);
	if (lines > 0)
		cw_log(LOG_NOTICE, "audit: %" PRIu64 " spooled events to "
		    "forward", lines);
	return 0;
}

/* ---- the spool thread ---- */

/* Appends the batch and fdatasyncs it.  0, or -1 (the batch is kept). */
static int
spool_append(struct cw_audit_spool *sp)
{
	struct cw_audit_batch *b = &sp->batch;
	int rc = -1;

	pthread_mutex_lock(&sp->io);
	if (sp->offset_stale) {
		if (offset_save(sp, 0) < 0)
			goto out;
		sp->offset_stale = false;
	}
	if (cw_write_all(sp->fd, b->buf, b->len) < 0 || fdatasync(sp->fd) < 0) {
		/* Cut what half-arrived: the batch is written again whole. */
		if (ftruncate(sp->fd, (off_t)sp->size) < 0)
			cw_log(LOG_ERR, "audit: cannot cut a failed write from "
			    "the spool: %s", strerror(errno));
		goto out;
	}
	pthread_mutex_lock(&sp->lock);
	sp->size += b->len;
	sp->events += b->events;
	publish_levels(sp);
	pthread_cond_signal(&sp->cond);
	pthread_mutex_unlock(&sp->lock);
	cw_metrics_add(sp->log->metrics, CW_COUNTER_SPOOLED, b->events);
	b->len = b->events = 0;
	rc = 0;
out:
	pthread_mutex_unlock(&sp->io);
	return rc;
}

static size_t
spool_room(struct cw_audit_spool *sp)
{
	uint64_t size;

	pthread_mutex_lock(&sp->lock);
	size = sp->size;
	pthread_mutex_unlock(&sp->lock);
	return size >= sp->max_bytes ? 0 : (size_t)(sp->max_bytes - size);
}

static void
note_write(struct cw_audit_spool *sp, bool ok)
{
	if (!ok && !sp->ep.write_failed)
		cw_log(LOG_CRIT, "audit: cannot write the spool %s/%s: %s; "
		    "events wait in memory", sp->dir, SPOOL_FILE,
		    strerror(errno));
	else if (ok && sp->ep.write_failed)
		cw_log(LOG_NOTICE, "audit: the spool is writable again");
	sp->ep.write_failed = !ok;
}

static void
note_full(struct cw_audit_spool *sp, bool full)
{
	if (full && !sp->ep.full) {
		cw_log(LOG_CRIT, "audit: the spool reached spool_max_bytes "
		    "(%" PRIu64 "); events wait in memory (at most %d), then "
		    "are dropped", sp->max_bytes, CW_AUDIT_QUEUE_EVENTS);
		cw_metrics_add(sp->log->metrics, CW_COUNTER_SPOOL_FULL, 1);
	} else if (!full && sp->ep.full) {
		cw_log(LOG_NOTICE, "audit: the spool has room again");
	}
	sp->ep.full = full;
}

static void
maybe_write_metrics(struct cw_audit_spool *sp, long long now)
{
	struct cw_audit_log *log = sp->log;
	char err[512];

	if (log->metrics_file == NULL || now < sp->next_metrics_ms)
		return;
	sp->next_metrics_ms = now + (long long)log->metrics_interval_s * 1000;
	cw_audit_queue_publish(log);
	if (cw_metrics_write_file(log->metrics, log->metrics_file, err,
	    sizeof(err)) < 0) {
		if (!sp->ep.metrics_failed)
			cw_log(LOG_WARNING, "audit: metrics file: %s", err);
		sp->ep.metrics_failed = true;
	} else {
		sp->ep.metrics_failed = false;
	}
}

/* One round: take what is queued (paced), append it. */
static void
spool_round(struct cw_audit_spool *sp, long long *last_ms, bool *closed,
    size_t *left)
{
	struct timespec pause = { 0, POLL_MS * 1000000L };
	long long now = cw_now_ms(), not_before, until;
	size_t room;

	if (sp->batch.len > 0) {
		/* The last write failed: retry at a slow pace, not in a loop. */
		nanosleep(&pause, NULL);
	} else {
		room = spool_room(sp);
		/* Group commit; when blocked, poll instead of spinning. */
		not_before = sp->ep.full ? now + POLL_MS :
		    *last_ms + GROUP_COMMIT_MS;
		until = sp->log->metrics_file != NULL &&
		    sp->next_metrics_ms < now + IDLE_MS ? sp->next_metrics_ms :
		    now + IDLE_MS;
		*left = cw_audit_queue_take(sp->log, &sp->batch, room,
		    not_before, until, closed);
		note_full(sp, sp->batch.len == 0 && *left > 0 && room <
		    CW_AUDIT_EVENT_LINE_MAX);
	}
	if (sp->batch.len > 0) {
		*last_ms = cw_now_ms();
		note_write(sp, spool_append(sp) == 0);
	}
}

static void *
spool_main(void *arg)
{
	struct cw_audit_spool *sp = arg;
	long long last_ms = 0, deadline = 0;
	bool closed = false;
	size_t left = 0, lost;

	for (;;) {
		spool_round(sp, &last_ms, &closed, &left);
		maybe_write_metrics(sp, cw_now_ms());
		if (!closed)
			continue;
		if (left == 0 && sp->batch.len == 0)
			break;
		if (deadline == 0)
			deadline = cw_now_ms() + STOP_MS;
		if (cw_now_ms() < deadline)
			continue;
		lost = cw_audit_queue_discard(sp->log) + sp->batch.events;
		cw_log(LOG_CRIT, "audit: stopping with %zu events that could not "
		    "be spooled (spool full or unwritable): lost", lost);
		pthread_mutex_lock(&sp->log->q.lock);
		sp->log->q.dropped += sp->batch.events;
		pthread_mutex_unlock(&sp->log->q.lock);
		break;
	}
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

/* Redis confirmed up to off (n more events): publish, then save. */
static void
advance(struct cw_audit_spool *sp, uint64_t off, size_t n)
{
	pthread_mutex_lock(&sp->lock);
	sp->offset = off;
	sp->events -= n <= sp->events ? n : sp->events;
	publish_levels(sp);
	pthread_mutex_unlock(&sp->lock);
	cw_metrics_add(sp->log->metrics, CW_COUNTER_FORWARDED, n);
	/* If it cannot be saved, a restart forwards these again (copies
	 * the writer drops): a disk problem must not stop the flow. */
	if (offset_save(sp, off) < 0) {
		if (!sp->ep.offset_failed)
			cw_log(LOG_ERR, "audit: cannot save %s/%s: %s", sp->dir,
			    OFFSET_FILE, strerror(errno));
		sp->ep.offset_failed = true;
	} else {
		sp->ep.offset_failed = false;
	}
}

/* Forwards one batch: 1 when it did, 0 when nothing was waiting, -1. */
static int
forward_once(struct cw_audit_spool *sp)
{
	const char *lines[FORWARD_EVENTS];
	size_t lens[FORWARD_EVENTS], len, used, n;
	uint64_t off, size;
	char err[512];

	pthread_mutex_lock(&sp->lock);
	off = sp->offset;
	size = sp->size;
	pthread_mutex_unlock(&sp->lock);
	if (off >= size)
		return 0;
	len = size - off > FORWARD_BYTES ? FORWARD_BYTES : (size_t)(size - off);
	if (pread_all(sp->fd, sp->chunk, len, off) < 0) {
		cw_log(LOG_ERR, "audit: cannot read the spool: %s",
		    strerror(errno));
		return -1;
	}
	n = split_lines(sp->chunk, len, lines, lens, &used);
	if (n == 0) {
		/* No newline in a whole chunk: not something we wrote. */
		cw_log(LOG_ERR, "audit: skipping %zu bytes of the spool that "
		    "hold no line", len);
		advance(sp, off + len, 0);
		return 1;
	}
	if (send_batch(sp, lines, lens, n, err, sizeof(err)) < 0) {
		redis_state(sp, false, err);
		return -1;
	}
	redis_state(sp, true, NULL);
	if (!sp->fsync_checked)
		check_fsync_policy(sp);
	advance(sp, off + used, n);
	return 1;
}

/* Empties the spool once everything in it is forwarded. */
static void
truncate_if_done(struct cw_audit_spool *sp, bool idle)
{
	uint64_t threshold = sp->max_bytes / 2 < TRUNCATE_BYTES ?
	    sp->max_bytes / 2 : TRUNCATE_BYTES;
	bool done;

	pthread_mutex_lock(&sp->io);
	pthread_mutex_lock(&sp->lock);
	done = sp->size > 0 && sp->offset == sp->size &&
	    (idle || sp->size >= threshold);
	pthread_mutex_unlock(&sp->lock);
	if (!done || ftruncate(sp->fd, 0) < 0 || fdatasync(sp->fd) < 0)
		goto out;
	pthread_mutex_lock(&sp->lock);
	sp->size = sp->offset = sp->events = 0;
	publish_levels(sp);
	pthread_mutex_unlock(&sp->lock);
	/* Until "0" is saved no append may happen (spool_append checks). */
	sp->offset_stale = offset_save(sp, 0) < 0;
out:
	pthread_mutex_unlock(&sp->io);
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
	while (!sp->stop_fwd && sp->offset == sp->size)
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
	long long idle_since = cw_now_ms(), deadline;
	int r;

	for (;;) {
		r = forward_once(sp);
		if (forward_stopping(sp, &deadline) && (r <= 0 ||
		    cw_now_ms() >= deadline))
			break;
		if (r > 0) {
			sp->backoff_ms = BACKOFF_MIN_MS;
			idle_since = cw_now_ms();
			truncate_if_done(sp, false);
		} else if (r == 0) {
			truncate_if_done(sp, cw_now_ms() - idle_since >=
			    IDLE_TRUNCATE_MS);
			forward_wait(sp, IDLE_TRUNCATE_MS);
		} else {
			backoff_wait(sp);
		}
	}
	truncate_if_done(sp, true);
	return NULL;
}

/* ---- start and stop ---- */

static void
spool_free(struct cw_audit_spool *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	if (sp->lock_fd >= 0)
		close(sp->lock_fd);
	if (sp->dir_fd >= 0)
		close(sp->dir_fd);
	pthread_mutex_destroy(&sp->io);
	pthread_mutex_destroy(&sp->lock);
	pthread_cond_destroy(&sp->cond);
	cw_redis_free(sp->redis);
	free(sp->batch.buf);
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
	sp->dir_fd = sp->lock_fd = sp->fd = -1;
	sp->max_bytes = (uint64_t)cfg->audit.spool_max_bytes;
	sp->redis_up = true;    /* so that the first failure is logged */
	sp->backoff_ms = BACKOFF_MIN_MS;
	pthread_mutex_init(&sp->io, NULL);
	pthread_mutex_init(&sp->lock, NULL);
	cw_wake_cond_init(&sp->cond);
	if (cw_audit_redis_key(sp->stream_key, sizeof(sp->stream_key),
	    cfg->redis.key_prefix, "audit") < 0) {
		snprintf(err, errlen, "audit: bad [redis] key_prefix");
		return -1;
	}
	sp->stream_key_len = strlen(sp->stream_key);
	if ((sp->dir = strdup(cfg->audit.spool_dir)) == NULL ||
	    (sp->batch.buf = malloc(CW_AUDIT_QUEUE_BYTES)) == NULL ||
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
	/* The forwarder first: the spool thread only stops once the queue
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
	/* The caller closed the queue: the spool thread drains it. */
	if (sp->spool_started)
		pthread_join(sp->spool_thread, NULL);
	pthread_mutex_lock(&sp->lock);
	sp->stop_fwd = true;
	sp->fwd_deadline_ms = cw_now_ms() + STOP_MS;
	pthread_cond_broadcast(&sp->cond);
	pthread_mutex_unlock(&sp->lock);
	if (sp->fwd_started)
		pthread_join(sp->fwd_thread, NULL);
	spool_free(sp);
}
