/* SPDX-License-Identifier: MIT */
/*
 * log.h - the daemon's logging: stderr in the foreground (journald captures
 * it under systemd), syslog otherwise.  Decisions also go to authpriv,
 * where a host's access log is expected to be.
 */
#ifndef CW_LOG_H
#define CW_LOG_H

#include <stdbool.h>
#include <syslog.h>

void cw_log_init(const char *ident, bool to_stderr, bool debug);
void cw_log(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An access decision or session event: authpriv, whatever the mode. */
void cw_log_auth(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * A PAM decision's one line: authpriv (and stderr only in -f -d), written
 * by the log thread so that the answer never waits for syslog.  Formatted
 * here; dropped and counted if the queue is full.
 */
void cw_log_decision(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define cw_err(...) cw_log(LOG_ERR, __VA_ARGS__)
#define cw_warn(...) cw_log(LOG_WARNING, __VA_ARGS__)
#define cw_notice(...) cw_log(LOG_NOTICE, __VA_ARGS__)
#define cw_info(...) cw_log(LOG_INFO, __VA_ARGS__)
#define cw_debug(...) cw_log(LOG_DEBUG, __VA_ARGS__)

#endif
