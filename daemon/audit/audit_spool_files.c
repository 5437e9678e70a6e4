/* SPDX-License-Identifier: MIT */
/*
 * audit_spool_files.c - the spool's files (audit_spool_int.h): segment
 * names, the offset file, scanning a segment for whole lines, and opening
 * the spool at start (recovering a segment a crash cut in a line).
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
#include "lib/log.h"
#include "text.h"
#include "lib/wake.h"

/* ---- file helpers ---- */

int
spool_pread_all(int fd, char *buf, size_t len, uint64_t off)
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


void
spool_segment_name(char name[SEGMENT_NAME_SIZE], uint64_t seq)
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
int
spool_offset_save(struct cw_audit_spool *sp, uint64_t seq, uint64_t off)
{
	char buf[128], id[CW_STREAM_ID_TEXT];
	int fd, n, rc = -1;

	/* With the highest stream id Redis gave us (audit_retain.c). */
	spool_retain_save_id(sp, id);
	n = snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64 " %s\n", seq,
	    off, id);
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
	char buf[128];
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
		/* "<seq> <off> <stream id>": the id is audit_retain.c's. */
		if (*p == ' ') {
			p++;
			if (spool_retain_load_id(sp, &p) < 0)
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
		if (spool_pread_all(fd, buf, n, pos - n) < 0)
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
		if (spool_pread_all(fd, buf, n, from) < 0)
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

	spool_segment_name(name, seq);
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
void
spool_publish_levels(struct cw_audit_spool *sp)
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
	if (off > 0 && (spool_pread_all(fd, &c, 1, off - 1) < 0 || c != '\n')) {
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
/*
 * The segment this run appends to, numbered next.  A full disk must not
 * keep the daemon (and logons) down: when the segment cannot be made,
 * events wait in the backlog until the spool thread can make one.
 */
static void
start_segment(struct cw_audit_spool *sp, uint64_t next)
{
	char name[SEGMENT_NAME_SIZE];

	spool_segment_name(name, next);
	sp->fd = openat(sp->dir_fd, name, O_WRONLY | O_APPEND | O_CREAT |
	    O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	/* The new segment's name must be on disk before its lines. */
	if (sp->fd >= 0 && fsync(sp->dir_fd) < 0) {
		close(sp->fd);
		sp->fd = -1;
		(void)unlinkat(sp->dir_fd, name, 0);
	}
	if (sp->fd < 0) {
		cw_log(LOG_CRIT, "audit: cannot start spool segment %s/%s: %s; "
		    "events wait in memory", sp->dir, name, strerror(errno));
		sp->ep.rotate_failed = true;
		sp->broken = true;
	}
	sp->seq = sp->synced_seq = next;
}

int
spool_open(struct cw_audit_spool *sp, char *err, size_t errlen)
{
	char name[SEGMENT_NAME_SIZE];
	struct seq_list l;
	uint64_t oseq, ooff, size, from, kept, next = 0;
	bool found = false;
	size_t i;
	int fd = -1, rc = -1;

	memset(&l, 0, sizeof(l));
	if (open_dir(sp, err, errlen) < 0)
		return -1;
	/* The single file of a spool from before segments is segment 0. */
	spool_segment_name(name, 0);
	if (faccessat(sp->dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
	    renameat(sp->dir_fd, LEGACY_FILE, sp->dir_fd, name) < 0 &&
	    errno != ENOENT)
		goto fail;
	offset_load(sp, &oseq, &ooff);
	if (list_segments(sp, &l) < 0)
		goto fail;
	for (i = 0; i < l.n; i++) {
		if ((fd = open_old_segment(sp, l.seq[i], &size)) < 0)
			goto fail;
		/* Before the position: forwarded, kept until the writer
		 * sealed it (audit_retain.c). */
		from = l.seq[i] < oseq ? size : 0;
		if (!found && l.seq[i] >= oseq) {
			found = true;
			if (l.seq[i] == oseq)
				from = resume_at(sp, fd, size, ooff);
			sp->fwd_seq = l.seq[i];
			sp->fwd_off = from;
		}
		kept = 0;
		if (from > 0 && (count_lines(fd, 0, from, &kept) < 0 ||
		    spool_retain_keep(sp, l.seq[i], from, kept) < 0))
			goto fail;
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
	sp->save_seq = sp->fwd_seq;     /* what spool.offset says, in effect */
	sp->save_off = sp->fwd_off;
	start_segment(sp, next);
	spool_publish_levels(sp);
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
