/* SPDX-License-Identifier: MIT */
/*
 * decision_inbox.c - see decision_inbox.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/decision_inbox.h"
#include "audit/events.h"
#include "decision_line.h"
#include "lib/background.h"
#include "lib/log.h"

#define READING_SUFFIX ".reading"
#define READ_CHUNK 65536

struct cw_decision_inbox {
	char inbox[PATH_MAX];           /* <spool_dir>/decisions.inbox */
	char reading[PATH_MAX];         /* ... renamed aside to be read */
	int inotify_fd, stop_fd;
	pthread_t thread;
	bool started;
	unsigned long long taken;       /* lines read, for the line at stop */
};

/* Waits up to ms for stop; true if stop was asked. */
static bool
stop_asked(const struct cw_decision_inbox *in, int ms)
{
	struct pollfd p = { .fd = in->stop_fd, .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

/* The exclusive lock, once every writer that opened the file has gone. */
static bool
lock_file(const struct cw_decision_inbox *in, int fd)
{
	int waited;

	for (waited = 0; waited < CW_INBOX_LOCK_WAIT_MS; waited++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return true;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return false;
		if (stop_asked(in, 1))
			break;
	}
	return flock(fd, LOCK_EX | LOCK_NB) == 0;
}

/* Logs and emits one line (without its newline); false if malformed. */
static bool
take_line(const char *s, size_t len, char *why, size_t whylen)
{
	struct cw_decision_line l;

	if (cw_decision_line_parse(s, len, &l, why, whylen) < 0)
		return false;
	cw_ev_decision(&l.req, l.decision, "", l.uid, l.pid, l.time_us);
	return true;
}

/*
 * Reads fd's lines; a line longer than a line may be, or one that does
 * not parse, is counted and skipped (the first one's fault is logged).
 * Returns the count of lines taken.
 */
static size_t
read_lines(int fd, const char *path)
{
	static char buf[READ_CHUNK];    /* this thread's only */
	char why[128] = "";
	size_t have = 0, bad = 0, good = 0, i, start;
	bool skipping = false;
	ssize_t n;

	while ((n = read(fd, buf + have, sizeof(buf) - have)) > 0) {
		have += (size_t)n;
		for (start = 0, i = 0; i < have; i++) {
			if (buf[i] != '\n')
				continue;
			if (skipping)
				skipping = false;
			else if (i == start)
				;       /* the newline each line starts with */
			else if (take_line(buf + start, i - start, why,
			    bad == 0 ? sizeof(why) : 0))
				good++;
			else
				bad++;
			start = i + 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have >= CW_DECISION_LINE_MAX) {
			/* No newline where one must be: drop to the next. */
			if (!skipping) {
				bad++;
				if (why[0] == '\0')
					snprintf(why, sizeof(why), "line too "
					    "long");
			}
			skipping = true;
			have = 0;
		}
	}
	if (n < 0)
		cw_err("decision inbox: %s: %s", path, strerror(errno));
	if (have > 0 && !skipping)
		bad++;          /* a line cut short (a writer's write failed) */
	if (bad > 0)
		cw_warn("decision inbox: %s: %zu line(s) not understood (first: "
		    "%s), %zu read", path, bad, why[0] ? why : "cut short",
		    good);
	return good;
}

/*
 * Reads and deletes the renamed inbox.  false if a writer still holds it
 * (it is read next time).
 */
static bool
read_aside(struct cw_decision_inbox *in)
{
	struct stat st;
	int fd;

	fd = open(in->reading, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			cw_err("decision inbox: %s: %s", in->reading,
			    strerror(errno));
		return errno == ENOENT;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0) {
		/* Only root writes here (fast_answer.c checks the same). */
		cw_err("decision inbox: %s is not a file of root's; removed "
		    "unread", in->reading);
		goto done;
	}
	if (!lock_file(in, fd)) {
		cw_warn("decision inbox: a PAM stack still holds %s after %d "
		    "ms; read later", in->reading, CW_INBOX_LOCK_WAIT_MS);
		close(fd);
		return false;
	}
	in->taken += read_lines(fd, in->reading);
done:
	close(fd);
	if (unlink(in->reading) < 0)
		cw_err("decision inbox: %s: %s", in->reading, strerror(errno));
	return true;
}

/* Everything in the inbox now: what was left aside, then the inbox. */
static void
read_inbox(struct cw_decision_inbox *in)
{
	if (!read_aside(in))
		return;         /* never rename over a file not yet read */
	if (rename(in->inbox, in->reading) < 0) {
		if (errno != ENOENT)
			cw_err("decision inbox: rename %s: %s", in->inbox,
			    strerror(errno));
		return;
	}
	(void)read_aside(in);
}

/* Empties the inotify queue; true if the inbox was closed after a write. */
static bool
drain_events(const struct cw_decision_inbox *in)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct
	    inotify_event))));
	const struct inotify_event *ev;
	bool saw = false;
	ssize_t n;
	size_t off;

	while ((n = read(in->inotify_fd, buf, sizeof(buf))) > 0)
		for (off = 0; off + sizeof(*ev) <= (size_t)n;
		    off += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			if ((ev->mask & IN_Q_OVERFLOW) || (ev->len > 0 &&
			    strcmp(ev->name, CW_DECISION_INBOX) == 0))
				saw = true;
		}
	return saw;
}

static void *
inbox_thread(void *arg)
{
	struct cw_decision_inbox *in = arg;
	struct pollfd p[2] = {
		{ .fd = in->inotify_fd, .events = POLLIN },
		{ .fd = in->stop_fd, .events = POLLIN },
	};

	pthread_setname_np(pthread_self(), "cw-inbox");
	cw_thread_background();
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR) {
			cw_err("decision inbox: poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN) || !drain_events(in))
			continue;
		/* A burst of logons is read in one go. */
		if (stop_asked(in, CW_INBOX_GATHER_MS))
			break;
		(void)drain_events(in);
		read_inbox(in);
	}
	return NULL;
}

struct cw_decision_inbox *
cw_decision_inbox_start(const char *spool_dir, char *err, size_t errlen)
{
	struct cw_decision_inbox *in = calloc(1, sizeof(*in));

	if (in == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	in->inotify_fd = in->stop_fd = -1;
	if (snprintf(in->inbox, sizeof(in->inbox), "%s/%s", spool_dir,
	    CW_DECISION_INBOX) >= (int)sizeof(in->inbox) ||
	    snprintf(in->reading, sizeof(in->reading), "%s%s", in->inbox,
	    READING_SUFFIX) >= (int)sizeof(in->reading)) {
		snprintf(err, errlen, "spool_dir too long: %s", spool_dir);
		goto fail;
	}
	in->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	in->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (in->inotify_fd < 0 || in->stop_fd < 0 ||
	    inotify_add_watch(in->inotify_fd, spool_dir, IN_CLOSE_WRITE) < 0) {
		snprintf(err, errlen, "decision inbox: watching %s: %s",
		    spool_dir, strerror(errno));
		goto fail;
	}
	read_inbox(in);         /* what an earlier run left */
	if ((errno = pthread_create(&in->thread, NULL, inbox_thread, in))
	    != 0) {
		snprintf(err, errlen, "decision inbox: thread: %s",
		    strerror(errno));
		goto fail;
	}
	in->started = true;
	return in;
fail:
	cw_decision_inbox_stop(in);
	return NULL;
}

void
cw_decision_inbox_stop(struct cw_decision_inbox *in)
{
	uint64_t one = 1;

	if (in == NULL)
		return;
	if (in->started) {
		if (write(in->stop_fd, &one, sizeof(one)) < 0)
			cw_err("decision inbox: stop: %s", strerror(errno));
		pthread_join(in->thread, NULL);
		/* The eventfd stays readable: lock waits do not linger. */
		read_inbox(in);
		cw_info("decision inbox: %llu decisions the PAM module took "
		    "from the answer table recorded", in->taken);
	}
	if (in->inotify_fd >= 0)
		close(in->inotify_fd);
	if (in->stop_fd >= 0)
		close(in->stop_fd);
	free(in);
}
