/* SPDX-License-Identifier: MIT */
/*
 * fast_answer.c - see fast_answer.h.  Runs inside sshd and sudo: no
 * state between calls, every file closed and unmapped before return.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "answer_table.h"
#include "clock.h"
#include "config_file.h"
#include "decision_line.h"
#include "fast_answer.h"

/* Root's own: a regular file, owned by root, that nobody else may read. */
static bool
roots_own(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == 0 &&
	    (st->st_mode & 077) == 0 && st->st_nlink == 1;
}

/*
 * Reads the slot for key from the open table fd, if clearwayd is alive
 * and a slot answers now: the header, then the question's bucket, each
 * with one pread and each checked (answer_table.h).  0 with *slot, or -1.
 */
static int
read_answer(int fd, const struct cw_answer_key *key,
    struct cw_answer_slot *slot)
{
	struct cw_answer_slot bucket[CW_ANSWER_WAYS];
	struct cw_answer_header h;
	struct cw_answer_now now;
	struct timespec ts;
	struct stat st;
	int64_t alive_until_ms;
	int i;

	if (fstat(fd, &st) < 0 || !roots_own(&st) ||
	    st.st_size < (off_t)cw_answer_slot_offset(CW_ANSWER_SLOTS))
		return -1;
	/* clearwayd holds it exclusively while it runs: a lock we can
	 * take means nobody is publishing, whatever the file says. */
	if (flock(fd, LOCK_SH | LOCK_NB) == 0 || errno != EWOULDBLOCK)
		return -1;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) ||
	    !cw_answer_header_read(&h, &now.gen, &alive_until_ms) ||
	    clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	now.wall = (int64_t)ts.tv_sec;
	now.mono_ms = cw_now_ms();
	/* A hung clearwayd keeps its lock: its heartbeat stops. */
	if (now.mono_ms >= alive_until_ms)
		return -1;
	if (pread(fd, bucket, sizeof(bucket), (off_t)cw_answer_slot_offset(
	    cw_answer_bucket(key) * CW_ANSWER_WAYS)) != sizeof(bucket) ||
	    (i = cw_answer_bucket_find(bucket, key, &now)) < 0)
		return -1;
	*slot = bucket[i];
	return 0;
}

/* The spool directory is root's and nobody else may change it. */
static bool
dir_roots_own(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && cw_root_only_dir(&st);
}

/*
 * Appends the decision's line to the inbox in one write.  The inbox may
 * be renamed away for reading at any time (decision_inbox.c): the line
 * goes to the file still at the path, under a shared lock the reader
 * takes exclusively once it has renamed it, so that no line lands in a
 * file already read.  A file renamed (or locked by the reader) between
 * our open and our lock is left for the new one at the path, once: the
 * reader renames every few tens of milliseconds under load, and a logon
 * that met it should not have to ask the socket.  0, or -1 (no whole
 * line was written).
 */
static int
record(const char *spool_dir, const struct cw_decision_line *l)
{
	char path[PATH_MAX], line[CW_DECISION_LINE_MAX + 2];
	struct stat fst, pst;
	int fd, tries;
	size_t len;

	if (snprintf(path, sizeof(path), "%s/%s", spool_dir,
	    CW_DECISION_INBOX) >= (int)sizeof(path) ||
	    cw_decision_line_format(l, line + 1, sizeof(line) - 1, &len) < 0 ||
	    !dir_roots_own(spool_dir))
		return -1;
	/*
	 * A newline first: if an earlier write was cut short (a full disk),
	 * its fragment ends here, and this line is read whole.
	 */
	line[0] = '\n';
	for (tries = 0; tries < 2; tries++) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd < 0)
			return -1;
		if (fstat(fd, &fst) < 0 || !roots_own(&fst) ||
		    fst.st_size > CW_INBOX_MAX_BYTES) {
			close(fd);
			return -1;
		}
		if (flock(fd, LOCK_SH | LOCK_NB) == 0 && stat(path, &pst) == 0 &&
		    pst.st_dev == fst.st_dev && pst.st_ino == fst.st_ino) {
			/* Ours until close: the reader waits for it. */
			if (write(fd, line, len + 1) != (ssize_t)len + 1) {
				close(fd);
				return -1;
			}
			close(fd);
			return 0;
		}
		close(fd);      /* renamed for reading: the next one */
	}
	return -1;
}

int
cw_fast_answer(const char *socket_path, const char *spool_dir,
    const struct cw_request *req, struct cw_fast_answer *out)
{
	struct cw_answer_key key = { req->user, req->host_class, req->mode };
	struct cw_decision_line line;
	struct cw_answer_slot slot;
	struct timespec ts;
	char path[PATH_MAX];
	int fd, rc;

	if (geteuid() != 0 || socket_path == NULL || spool_dir == NULL ||
	    snprintf(path, sizeof(path), "%s%s", socket_path,
	    CW_ANSWER_SUFFIX) >= (int)sizeof(path))
		return -1;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	rc = read_answer(fd, &key, &slot);
	close(fd);
	if (rc < 0 || clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	memset(&line, 0, sizeof(line));
	line.time_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	line.uid = geteuid();   /* what SO_PEERCRED would have said */
	line.pid = getpid();
	line.req = *req;
	line.decision.verdict = (enum cw_verdict)slot.verdict;
	line.decision.reason = (enum cw_reason)slot.reason;
	if (record(spool_dir, &line) < 0)
		return -1;
	out->decision = line.decision;
	out->training_expires = slot.training_expires;
	out->elevation_ends = slot.elevation_ends;
	return 0;
}
