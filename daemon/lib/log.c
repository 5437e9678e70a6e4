/* SPDX-License-Identifier: MIT */
/*
 * log.c - see log.h.  Lines are formatted once into a bounded buffer so a
 * hostile value can never make a log call allocate or overrun.
 *
 * Decision lines (cw_log_decision) leave the answer thread as soon as they
 * are formatted: the line is copied into a bounded queue under a mutex held
 * for that copy only, and the log thread (started on first use) hands the
 * lines to syslog.  A syslog that blocks or reconnects (no /dev/log) then
 * costs the log thread, never a logon.  A full queue drops the line and
 * counts it (logged once the queue drains): the decision's audit record,
 * which is what must not be lost, is not in this queue.
 */
#include <paths.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/background.h"

#define DEFER_SLOTS 512         /* about 5 ms of logons at 100k/s */
#define DEFER_LINE 512          /* a decision line is ~250 bytes */
#define DEFER_BATCH 32          /* lines taken per turn of the lock */
#define DEFER_STOP_S 2          /* bound on the flush at exit */
#define DEFER_TICK_MS 20        /* lines wait at most this long, unless
				 * the queue fills to half first */

struct deferred {
	int prio;
	char line[DEFER_LINE];
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct deferred slot[DEFER_SLOTS];
	unsigned head, count;   /* ring: count lines from head */
	unsigned long dropped;  /* since the last report */
	bool started, stop, failed;
	pthread_t thread;
} dq = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* Level names for stderr, indexed by priority. */
static const char *const names[] = {
	"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"
};

static bool log_stderr;
static bool log_debug;
/* stderr is systemd's journal: a "<N>" prefix gives each line its level. */
static bool log_journal;

void
cw_log_init(const char *ident, bool to_stderr, bool debug)
{
	log_stderr = to_stderr;
	log_debug = debug;
	log_journal = to_stderr && getenv("JOURNAL_STREAM") != NULL;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void
emit(int facility, int prio, const char *fmt, va_list ap)
{
	static const char *const journal_prefix[] = {
		"<0>", "<1>", "<2>", "<3>", "<4>", "<5>", "<6>", "<7>"
	};
	char line[1024];

	if (prio == LOG_DEBUG && !log_debug)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* Into the journal an authpriv record goes once, by syslog. */
	if (log_stderr && !(log_journal && facility == LOG_AUTHPRIV))
		fprintf(stderr, "%sclearwayd[%s]: %s\n",
		    log_journal ? journal_prefix[prio & 7] : "",
		    names[prio & 7], line);
	/* The access record belongs in authpriv even in the foreground. */
	if (!log_stderr || facility == LOG_AUTHPRIV)
		syslog(facility | prio, "%s", line);
}

void
cw_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_DAEMON, prio, fmt, ap);
	va_end(ap);
}

void
cw_log_auth(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_AUTHPRIV, prio, fmt, ap);
	va_end(ap);
}

/*
 * Whether syslog() can deliver a line.  With no /dev/log (a container,
 * early boot) glibc's syslog() opens a socket and fails to connect for
 * every line, then drops it (no LOG_CONS): two syscalls per decision for
 * nothing.  Asked once per batch; a /dev/log that appears is used from
 * the next batch on.
 */
static bool
syslog_reachable(void)
{
	return access(_PATH_LOG, F_OK) == 0;
}

/* One deferred line, from the log thread: authpriv, and stderr in -f -d. */
static void
emit_deferred(const struct deferred *d, bool to_syslog)
{
	if (log_stderr && log_debug)
		fprintf(stderr, "clearwayd[%s]: %s\n", names[d->prio & 7],
		    d->line);
	if (to_syslog)
		syslog(LOG_AUTHPRIV | d->prio, "%s", d->line);
}

/* Lock held: waits DEFER_TICK_MS, or until woken (the cond's clock is
 * CLOCK_REALTIME: a clock step only shortens or lengthens one tick). */
static void
tick_wait(void)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += DEFER_TICK_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	(void)pthread_cond_timedwait(&dq.cond, &dq.lock, &until);
}

static void *
log_main(void *arg)
{
	static struct deferred batch[DEFER_BATCH];
	unsigned long dropped;
	unsigned i, n;
	bool stop, to_syslog, draining = false;

	pthread_setname_np(pthread_self(), "cw-log");
	cw_thread_background();
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&dq.lock);
		/* Woken by the first line (or at half a queue, or a stop),
		 * then a tick's wait gathers the lines behind it: under load
		 * a turn every DEFER_TICK_MS, not a wakeup per logon. */
		while (dq.count == 0 && !dq.stop)
			pthread_cond_wait(&dq.cond, &dq.lock);
		if (!draining && dq.count < DEFER_SLOTS / 2 && !dq.stop)
			tick_wait();
		for (n = 0; n < DEFER_BATCH && dq.count > 0; n++) {
			batch[n] = dq.slot[dq.head];
			dq.head = (dq.head + 1) % DEFER_SLOTS;
			dq.count--;
		}
		dropped = dq.count == 0 ? dq.dropped : 0;
		if (dropped > 0)
			dq.dropped = 0;
		stop = dq.stop && dq.count == 0;
		draining = dq.count > 0;        /* the rest: no second tick */
		pthread_mutex_unlock(&dq.lock);
		to_syslog = syslog_reachable();
		for (i = 0; i < n; i++)
			emit_deferred(&batch[i], to_syslog);
		if (dropped > 0)
			cw_log(LOG_WARNING, "log: %lu decision lines dropped "
			    "(the log queue was full; their audit records are "
			    "kept)", dropped);
		if (stop)
			return NULL;
	}
}

/*
 * At exit: the lines still queued are written, then the thread ends.  A
 * syslog that hangs does not hold the exit for more than STOP_S seconds.
 */
static void
log_flush_at_exit(void)
{
	struct timespec until;

	pthread_mutex_lock(&dq.lock);
	dq.stop = true;
	pthread_cond_signal(&dq.cond);
	pthread_mutex_unlock(&dq.lock);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += DEFER_STOP_S;
	(void)pthread_timedjoin_np(dq.thread, NULL, &until);
}

/* Lock held.  Starts the log thread once; false if it cannot run. */
static bool
log_thread_running(void)
{
	if (dq.started)
		return true;
	if (dq.failed || dq.stop)
		return false;
	if (pthread_create(&dq.thread, NULL, log_main, NULL) != 0) {
		dq.failed = true;
		return false;
	}
	dq.started = true;
	atexit(log_flush_at_exit);
	return true;
}

void
cw_log_decision(int prio, const char *fmt, ...)
{
	char line[DEFER_LINE];
	struct deferred *d;
	va_list ap;
	bool queued = false;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&dq.lock);
	if (log_thread_running() && !dq.stop) {
		if (dq.count < DEFER_SLOTS) {
			d = &dq.slot[(dq.head + dq.count) % DEFER_SLOTS];
			d->prio = prio & 7;
			memcpy(d->line, line, strlen(line) + 1);
			/* The first line wakes the thread, which then waits
			 * a tick for more (or for half a queue) and writes
			 * them in one turn. */
			if (dq.count++ == 0 || dq.count == DEFER_SLOTS / 2)
				pthread_cond_signal(&dq.cond);
		} else {
			dq.dropped++;
		}
		queued = true;
	}
	pthread_mutex_unlock(&dq.lock);
	if (!queued)
		cw_log_auth(prio, "%s", line);  /* no thread: write it now */
}
