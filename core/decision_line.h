/* SPDX-License-Identifier: MIT */
/*
 * decision_line.h - a decision the PAM module took from the answer table
 * (answer_table.h), as it appends it to clearwayd's inbox
 * (<spool_dir>/decisions.inbox) before it uses the answer: the daemon
 * reads the inbox, logs each line's decision and emits its audit event
 * (daemon/audit/decision_inbox.c), so that every access is on disk before
 * it is let in and in the trail afterwards, as over the socket.
 *
 * One line of printable ASCII, fields in this order, single spaces:
 *   v1 t=<unix us> uid=<n> pid=<n> mode=<mode> verdict=<v> reason=<r>
 *   user=<login> host_class=<name> service=<s> rhost=<r> tty=<t>
 * service, rhost and tty may be empty and are [!-~] only (the module
 * cleans them as it does for the wire).  The module writes a newline
 * before each line, so that the fragment of a write cut short ends there
 * (the reader skips empty lines).  Pure: no I/O.
 */
#ifndef CW_DECISION_LINE_H
#define CW_DECISION_LINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"
#include "wire.h"

/* Longest line, its newline included. */
#define CW_DECISION_LINE_MAX 768
/* The inbox's name in the spool directory. */
#define CW_DECISION_INBOX "decisions.inbox"

struct cw_decision_line {
	int64_t time_us;        /* when the module decided, Unix us */
	uid_t uid;              /* the module's process */
	pid_t pid;
	struct cw_request req;  /* op decide: user, host_class, mode, place */
	struct cw_decision decision;
};

/*
 * Formats l as one line with its newline into buf (len bytes); *outlen
 * its length.  -1 if a field is not what a line may hold.
 */
int cw_decision_line_format(const struct cw_decision_line *l, char *buf,
    size_t len, size_t *outlen);

/*
 * Parses exactly len bytes (one line, without its newline) into out.
 * -1 with err naming the field that was wrong.
 */
int cw_decision_line_parse(const char *s, size_t len,
    struct cw_decision_line *out, char *err, size_t errlen);

#endif
