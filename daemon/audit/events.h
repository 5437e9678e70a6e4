/* SPDX-License-Identifier: MIT */
/*
 * events.h - the audit events clearwayd emits (docs/audit.md): every PAM
 * decision, session open/close, CLI request, elevation and revocation
 * step, sync state change, daemon start/stop and break-glass use.
 *
 * Emitting never blocks and never fails the caller: the event is queued
 * for the pipeline (audit_log.h), which spools it to disk and forwards it;
 * a full queue is logged at LOG_CRIT and counted.  Before cw_events_init
 * (or without a pipeline) the calls do nothing.
 */
#ifndef CW_EVENTS_H
#define CW_EVENTS_H

#include <stdint.h>
#include <sys/types.h>

#include "audit.h"
#include "audit/audit_log.h"
#include "policy.h"
#include "wire.h"

void cw_events_init(struct cw_audit_log *log);

/*
 * A PAM decision; session open/close, or a break-glass logon the module
 * allowed itself.  caller_uid and caller_pid are the socket peer's
 * (SO_PEERCRED), or for a decision the module took from the answer table
 * its own (only root can write the inbox), recorded so that every such
 * record names who sent it.  A decision is also its one log line
 * (authpriv: allow at info, deny at notice, "cannot decide" at warning,
 * break-glass at alert; written off the caller's thread).  time_us: when
 * it was decided, 0 for now.
 */
void cw_ev_decision(const struct cw_request *r, struct cw_decision d,
    const char *detail, uid_t caller_uid, pid_t caller_pid, int64_t time_us);
void cw_ev_session(const struct cw_request *r, uid_t caller_uid,
    pid_t caller_pid);
void cw_ev_request(const char *caller, const char *command,
    const char *subject, enum cw_status status, const char *detail,
    uid_t caller_uid, pid_t caller_pid);
/* suspended (until > 0) or unsuspended, by actor. */
void cw_ev_suspension(enum cw_audit_type type, const char *actor,
    const char *user, int64_t until, const char *reason);
/*
 * An access request's step (access_requested, access_approved,
 * access_rejected, access_request_expired) by actor about user's request
 * id; notify names whom the notification is for ("approvers", or the
 * requester's login name), for the notify_command to route.
 */
void cw_ev_access_request(enum cw_audit_type type, const char *actor,
    const char *user, const char *id, const char *role, int64_t duration,
    const char *reason, const char *note, const char *notify);
void cw_ev_elevation(enum cw_audit_type type, const char *actor,
    const char *user, const char *role, const struct cw_elevation *grant);
void cw_ev_revocation(enum cw_audit_type type, const char *actor,
    const char *user, const char *id, const char *outcome, int64_t deadline,
    const char *detail);
void cw_ev_sync_state(const char *what, const char *state,
    const char *error);
/* The audit writer's lease token held now (audit_writer.c), 0 when this
 * daemon is not the writer: for clearwayctl status. */
long long cw_ev_writer_token(void);
/* Redis forgot revocations (store_guard.c): what this host put back. */
void cw_ev_store_loss(const char *why, const char *old_epoch,
    const char *epoch, long long old_gen, long long gen, const char *users,
    long long nusers, long long nrevocations);
void cw_ev_daemon(enum cw_audit_type type, const char *version);
void cw_ev_config_reload(const char *path, const char *outcome,
    const char *detail);
void cw_ev_gauge(const char *name, double value);

#endif
