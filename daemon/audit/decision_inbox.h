/* SPDX-License-Identifier: MIT */
/*
 * decision_inbox.h - the decisions the PAM module took from the answer
 * table (core/answer_table.h) and left in <spool_dir>/decisions.inbox
 * (core/decision_line.h): each is logged and emitted as its pam_decision
 * event, exactly as a decision answered over the socket, with the
 * module's own time, uid and pid.
 *
 * One thread, woken by inotify when a module closes the inbox; it lets
 * a short gathering delay pass so that a burst of logons is read in one
 * go, renames the inbox aside (modules then start a new one), waits for
 * the writers still holding it (their shared lock, bounded), reads it and
 * deletes it.  A file left renamed by a crash is read at the next start.
 * The lines are emitted before the file is deleted, so a crash of the
 * daemon loses none (it may repeat some: the writer drops repeated event
 * ids only, so a line read twice is two records of one decision, never
 * none); a power loss can take what the spool's group commit window can
 * (audit_spool.c), as for any event.
 */
#ifndef CW_DECISION_INBOX_H
#define CW_DECISION_INBOX_H

#include <stddef.h>

/* How long a burst of logons is gathered before it is read. */
#define CW_INBOX_GATHER_MS 20
/* How long the reader waits for a writer's lock before it tries later. */
#define CW_INBOX_LOCK_WAIT_MS 1000

struct cw_decision_inbox;

/*
 * Reads what an earlier run left, then starts the thread.  Events go to
 * the pipeline of audit/events.h, which must be running.  NULL with err.
 */
struct cw_decision_inbox *cw_decision_inbox_start(const char *spool_dir,
    char *err, size_t errlen);

/* Stops the thread after reading the inbox once more.  NULL: no-op. */
void cw_decision_inbox_stop(struct cw_decision_inbox *in);

#endif
