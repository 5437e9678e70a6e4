/* SPDX-License-Identifier: MIT */
/*
 * revocation_steps.h - the work a revocation does, one idempotent step at
 * a time: lock the LDAP account, remove the configured roles and group
 * memberships, end the user's sessions and processes on this host.
 *
 * Each step can run any number of times (the queue delivers at least
 * once) and reports one of three outcomes, so that the worker can tell a
 * directory that is down (retry later, keep the entry) from a refusal
 * that retrying will not cure (record it, dead-letter after N tries).
 * The steps do I/O only at their edge (one LDAP handle, one child
 * process, /proc); they never touch Redis.
 */
#ifndef CW_REVOCATION_STEPS_H
#define CW_REVOCATION_STEPS_H

#include <stddef.h>

#include <ldap.h>

#include "names.h"

enum cw_step_status {
	CW_STEP_DONE = 0,       /* done now, or already */
	CW_STEP_RETRY = -1,     /* transient: server down, busy, timed out;
	                         * reconnect (LDAP) and try again later */
	CW_STEP_FAILED = -2,    /* refused: retrying will not help */
};

/* The value ppolicy reads as "locked for good, by an administrator". */
#define CW_PPOLICY_LOCKED "000001010000Z"
/* The default [revocation] session command: systemd-logind. */
#define CW_END_SESSIONS_DEFAULT "loginctl terminate-user %u"
/* Below this uid, a name is a system account: never kill its processes. */
#define CW_SESSION_UID_MIN 1000

/*
 * The entry of uid under base (one-level or deeper), for the steps below.
 * *dn (ldap_memfree) is NULL when there is none: nothing to lock.  Two
 * entries with one uid: CW_STEP_FAILED (we cannot know which is meant).
 */
enum cw_step_status cw_step_find_dn(LDAP *ld, const char *base,
    const char *uid, char **dn, char *err, size_t errlen);

/*
 * Replaces pwdAccountLockedTime with CW_PPOLICY_LOCKED (the ppolicy
 * overlay then refuses every bind as dn).  Replacing is idempotent; an
 * entry that no longer exists cannot log on either, so that is done too.
 */
enum cw_step_status cw_step_lock_ldap(LDAP *ld, const char *dn, char *err,
    size_t errlen);

/*
 * Removes what roles_to_remove names from the user at dn:
 *   a name without '='   one cwRole value ("*": every cwRole value)
 *   a DN (contains '=')  a group: its member value dn, and its memberUid
 *                        value <the entry's uid>, are deleted
 * Each value is deleted on its own, so a value already gone
 * (noSuchAttribute) or a group that does not exist means "already done".
 * Removing the last member of a groupOfNames is refused by the schema:
 * CW_STEP_FAILED, saying to give the group a placeholder member.
 */
enum cw_step_status cw_step_remove_roles(LDAP *ld, const char *dn,
    const struct cw_name_list *roles_to_remove, char *err, size_t errlen);

/*
 * Ends uid's sessions and processes on this host: runs command_template
 * (NULL: CW_END_SESSIONS_DEFAULT), split on spaces with "%u" replaced by
 * uid and "%%" by "%", directly with execve (never a shell; a command
 * without '/' is looked up in /usr/sbin:/usr/bin:/sbin:/bin), with stdin
 * and stdout on /dev/null, stderr captured for the error, fds >= 3
 * closed, signals reset, an environment of PATH and LANG only, in its own
 * session; killed when it outlives timeout_ms.  Then waits (within
 * timeout_ms again) until /proc shows no live process of the user.
 *
 * uid must pass cw_user_name_valid and getpwnam_r: a name with no local
 * account has no processes here (done).  Accounts below
 * CW_SESSION_UID_MIN are refused (FAILED): a name clash must never kill
 * a system service.  The command's exit status is reported in err; the
 * step is done when no process of the user remains, whatever it said
 * (loginctl fails for a user with no session, pkill when none matched).
 */
/*
 * How many live processes the user named name has on this host: 0 when
 * none, or when the name has no local account; -1 when that cannot be
 * told (an invalid name, NSS or /proc failing).  Lets a fleet host skip
 * the step, and its record, for the many revoked users who were never
 * on it.
 */
int cw_user_processes_here(const char *name);

enum cw_step_status cw_step_end_sessions(const char *uid,
    const char *command_template, int timeout_ms, char *err, size_t errlen);

/*
 * The same, but stopped as soon as stop_fd (e.g. an eventfd; -1: none)
 * becomes readable: the command's process group is killed and the step
 * is CW_STEP_RETRY ("stopped"), to be run again after a restart.  So a
 * daemon told to stop never waits out a slow command.
 */
enum cw_step_status cw_step_end_sessions_stoppable(const char *uid,
    const char *command_template, int timeout_ms, int stop_fd, char *err,
    size_t errlen);

/* Pids of live (not zombie) processes whose real, effective, saved or
 * file-system uid is uid: how many (up to max stored in pids), or -1. */
int cw_processes_of(unsigned uid, int *pids, size_t max);

#endif
