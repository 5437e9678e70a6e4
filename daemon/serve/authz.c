/* SPDX-License-Identifier: MIT */
/*
 * authz.c - see authz.h.  The table in cw_caller_may() is contract
 * section 4's "who may" column.
 */
#include <stdio.h>
#include <string.h>

#include "serve/authz.h"

static bool
has_role(const struct cw_staff *s, const char *role)
{
	return role != NULL && cw_name_list_contains(&s->roles, role);
}

void
cw_caller_identify(struct cw_caller *c, uid_t uid, pid_t pid,
    const char *name, struct cw_db *db, const struct cw_config *cfg,
    int64_t now)
{
	const struct cw_staff *s;

	memset(c, 0, sizeof(*c));
	c->uid = uid;
	c->pid = pid;
	c->root = uid == 0;
	c->standing.verdict = CW_VERDICT_DENY;
	c->standing.reason = CW_REASON_UNKNOWN_USER;
	/* Root needs no name (and no NSS lookup): it may do everything. */
	if (c->root || name == NULL ||
	    !cw_user_name_valid(name, strlen(name)))
		return;
	c->named = true;
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (db == NULL || (s = cw_db_staff(db, c->name)) == NULL)
		return;
	if (has_role(s, cfg->policy.hr_role))
		c->held |= CW_DUTY_HR;
	if (has_role(s, cfg->policy.approver_role))
		c->held |= CW_DUTY_APPROVER;
	if (has_role(s, cfg->policy.auditor_role))
		c->held |= CW_DUTY_AUDITOR;
	c->standing = cw_decide_person(s, cw_strmap_get(&db->revoked, c->name)
	    != NULL, now, (unsigned)cfg->policy.training_validity_days);
	if (c->standing.verdict == CW_VERDICT_ALLOW)
		c->duties = c->held;
}

const char *
cw_caller_label(const struct cw_caller *c, char *buf, size_t len)
{
	if (c->root)
		snprintf(buf, len, "root");
	else if (c->named)
		snprintf(buf, len, "%s (uid %u)", c->name, (unsigned)c->uid);
	else
		snprintf(buf, len, "uid %u", (unsigned)c->uid);
	return buf;
}

static bool
is_self(const struct cw_caller *c, const char *user)
{
	return c->named && user[0] != '\0' && strcmp(c->name, user) == 0;
}

static const char *
duty_names(unsigned duties)
{
	switch (duties) {
	case CW_DUTY_HR: return "HR";
	case CW_DUTY_APPROVER: return "approver";
	case CW_DUTY_AUDITOR: return "auditor";
	case CW_DUTY_APPROVER | CW_DUTY_AUDITOR: return "approver or auditor";
	case CW_DUTY_HR | CW_DUTY_APPROVER: return "approver or HR";
	default: return "approver, HR or auditor";
	}
}

/* Explains a refusal for want of one of the duties in need. */
static bool
refuse(const struct cw_caller *c, const char *what, unsigned need,
    char *why, size_t whylen)
{
	if ((c->held & need) != 0)
		snprintf(why, whylen, "%s needs the %s role, and %s's own "
		    "record does not pass (%s)", what, duty_names(need),
		    c->name, cw_reason_name(c->standing.reason));
	else
		snprintf(why, whylen, "%s needs the %s role, which %s does "
		    "not hold", what, duty_names(need),
		    c->named ? c->name : "this uid");
	return false;
}

bool
cw_caller_may(const struct cw_caller *c, const struct cw_request *r,
    const struct cw_config *cfg, char *why, size_t whylen)
{
	const unsigned any = CW_DUTY_HR | CW_DUTY_APPROVER | CW_DUTY_AUDITOR;
	const unsigned appr_aud = CW_DUTY_APPROVER | CW_DUTY_AUDITOR;

	(void)cfg;
	if (c->root)
		return true;
	switch (r->op) {
	case CW_OP_DECIDE:
	case CW_OP_SESSION:
	case CW_OP_BREAKGLASS:
		/*
		 * These put records into the audit trail (and raise alerts):
		 * only the PAM stack, which runs as root, reports them.  A
		 * user asking about themself has `clearwayctl check`.
		 */
		snprintf(why, whylen, "only the PAM stack (root) may report "
		    "logons, sessions and break-glass; uid %u may use check",
		    (unsigned)c->uid);
		return false;
	case CW_OP_CHECK:
		return is_self(c, r->user) || (c->duties & any) ||
		    refuse(c, "checking another user", any, why, whylen);
	case CW_OP_STATUS:
		if (r->user[0] == '\0')
			return (c->duties & any) || refuse(c, "daemon status",
			    any, why, whylen);
		return is_self(c, r->user) ||
		    (c->duties & (CW_DUTY_HR | CW_DUTY_APPROVER)) ||
		    refuse(c, "another user's status",
		    CW_DUTY_HR | CW_DUTY_APPROVER, why, whylen);
	case CW_OP_ELEVATE:
		if (is_self(c, r->user)) {
			snprintf(why, whylen, "no one may elevate themself; ask "
			    "another approver");
			return false;
		}
		return (c->duties & CW_DUTY_APPROVER) ||
		    refuse(c, "elevate", CW_DUTY_APPROVER, why, whylen);
	case CW_OP_DROP:
		return is_self(c, r->user) || (c->duties & CW_DUTY_APPROVER) ||
		    refuse(c, "dropping another user's elevation",
		    CW_DUTY_APPROVER, why, whylen);
	case CW_OP_ELEVATIONS:
		return is_self(c, r->user) || (c->duties & appr_aud) ||
		    refuse(c, "listing others' elevations", appr_aud, why,
		    whylen);
	case CW_OP_LEAVER:
		return (c->duties & CW_DUTY_HR) ||
		    refuse(c, "filing a leaver", CW_DUTY_HR, why, whylen);
	case CW_OP_REVOKE:
		return (c->duties & CW_DUTY_APPROVER) ||
		    refuse(c, "revoke", CW_DUTY_APPROVER, why, whylen);
	case CW_OP_REINSTATE:
		/* HR files leavers; undoing one takes an approver. */
		return (c->duties & CW_DUTY_APPROVER) ||
		    refuse(c, "reinstate", CW_DUTY_APPROVER, why, whylen);
	case CW_OP_QUEUE:
		return (c->duties & any) || refuse(c, "the queue", any, why,
		    whylen);
	case CW_OP_REPORT:
		return (c->duties & appr_aud) || refuse(c, "the report",
		    appr_aud, why, whylen);
	case CW_OP_EXPORT:
		return (c->duties & CW_DUTY_APPROVER) || refuse(c, "export",
		    CW_DUTY_APPROVER, why, whylen);
	case CW_OP_ERASE:
		return (c->duties & CW_DUTY_APPROVER) || refuse(c, "erase",
		    CW_DUTY_APPROVER, why, whylen);
	case CW_OP_RETRY:
		/* Re-running a dead letter's steps: the revoke duty. */
		return (c->duties & CW_DUTY_APPROVER) || refuse(c, "retry",
		    CW_DUTY_APPROVER, why, whylen);
	}
	snprintf(why, whylen, "unknown operation");
	return false;
}
