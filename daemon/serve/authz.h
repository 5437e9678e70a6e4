/* SPDX-License-Identifier: MIT */
/*
 * authz.h - who is asking, and what they may do (contract section 4).
 *
 * The caller is the peer uid of the socket (SO_PEERCRED), mapped to a login
 * name; never a name the client claims.  Only root (the PAM stacks) may
 * report decisions, sessions and break-glass logons for the audit trail.  Duties (HR, approver, auditor)
 * come from that person's own synced LDAP record: the standing cwRole
 * values named in [policy] hr_role / approver_role / auditor_role, and only
 * while the person passes every gate of their own (an approver with
 * expired training approves nothing).  Root on the daemon's host may do
 * everything.
 */
#ifndef CW_AUTHZ_H
#define CW_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "model/policy_db.h"
#include "wire.h"

enum cw_duty {
	CW_DUTY_HR = 1,
	CW_DUTY_APPROVER = 2,
	CW_DUTY_AUDITOR = 4,
};

struct cw_caller {
	uid_t uid;
	pid_t pid;
	bool root;
	bool named;                     /* uid maps to a login name */
	char name[CW_USER_MAX + 1];
	unsigned duties;                /* enum cw_duty bits */
	unsigned held;                  /* duties held on paper (cwRole) */
	struct cw_decision standing;    /* the caller's own gates */
};

/*
 * Identifies the caller from its peer uid and pid and the login name
 * already looked up for that uid (caller_names.h: never NSS here, this
 * runs on the decision thread); name NULL: the uid has none.  Root is
 * identified without a name.  db may be NULL (no data: duties none).
 */
void cw_caller_identify(struct cw_caller *c, uid_t uid, pid_t pid,
    const char *name, struct cw_db *db, const struct cw_config *cfg,
    int64_t now);

/*
 * May c make request r?  On no, why says what is missing in words an
 * operator can act on ("elevate needs the approver role ...").
 */
bool cw_caller_may(const struct cw_caller *c, const struct cw_request *r,
    const struct cw_config *cfg, char *why, size_t whylen);

/* "bob (uid 1001)" or "root", for logs and the audit trail. */
const char *cw_caller_label(const struct cw_caller *c, char *buf,
    size_t len);

#endif
