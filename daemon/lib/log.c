/* SPDX-License-Identifier: MIT */
/*
 * log.c - see log.h.  Lines are formatted once into a bounded buffer so a
 * hostile value can never make a log call allocate or overrun.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/log.h"

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
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice",
		"info", "debug"
	};
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
