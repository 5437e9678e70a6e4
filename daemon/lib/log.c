/* SPDX-License-Identifier: MIT */
/*
 * log.c - see log.h.  Lines are formatted once into a bounded buffer so a
 * hostile value can never make a log call allocate or overrun.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "lib/log.h"

static bool log_stderr;
static bool log_debug;

void
cw_log_init(const char *ident, bool to_stderr, bool debug)
{
	log_stderr = to_stderr;
	log_debug = debug;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void
emit(int facility, int prio, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice",
		"info", "debug"
	};
	char line[1024];

	if (prio == LOG_DEBUG && !log_debug)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_stderr)
		fprintf(stderr, "clearwayd[%s]: %s\n", names[prio & 7], line);
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
