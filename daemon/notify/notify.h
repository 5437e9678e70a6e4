/* SPDX-License-Identifier: MIT */
/*
 * notify.h - telling people what they must act on (issue 17): access
 * requests and their answers, revocation deadline warnings and misses,
 * dead letters, break-glass use, anomaly alerts.
 *
 * One mechanism: the configured notify_command receives one event on its
 * stdin, the same JSON line the audit trail records (docs/notify.md), and
 * routes it (e-mail through sendmail, a webhook through curl: shipped
 * examples in etc/notify/).  The command runs without a shell, as
 * notify_user, in its own process group, killed after notify_timeout_ms.
 *
 * cw_notify_offer() is called on the emitting thread for every audit event
 * and only copies the wanted ones into a bounded queue: it never waits for
 * the command, so a slow or failing notifier cannot delay a decision.  A
 * failure is retried notify_retries times with backoff (1 s doubling, at
 * most a minute); when the queue is full the oldest waiting event is
 * dropped and logged.  The audit trail keeps every event whatever happens
 * here, so a notification is a courtesy, never the record.
 */
#ifndef CW_NOTIFY_H
#define CW_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "audit.h"
#include "config.h"

#define CW_NOTIFY_QUEUE_MAX 256         /* events waiting or retrying */

struct cw_notify;

/* True for the audit event types that are notified. */
bool cw_notify_wants(enum cw_audit_type type);

/*
 * Starts the notifier thread for cfg's [daemon] notify_command, checking
 * the command (parsed, found) and notify_user (exists) first.  Returns
 * NULL with err "" when no command is configured (notifications off), or
 * NULL with err set when the settings are wrong.
 */
struct cw_notify *cw_notify_start(const struct cw_config *cfg, char *err,
    size_t errlen);

/*
 * Queues a copy of line (len bytes: one JSON event and its newline) if
 * type is notified.  Never blocks on the command; safe from any thread;
 * n NULL: nothing.
 */
void cw_notify_offer(struct cw_notify *n, enum cw_audit_type type,
    const char *line, size_t len);

/* Stops the thread (a running command is killed) and frees n. */
void cw_notify_stop(struct cw_notify *n);

#endif
