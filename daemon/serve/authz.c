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
	    != NULL, cw_db_suspended_until(db, c->name), now,
	    (unsigned)cfg->policy.training_validity_days);
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

/*
 * What each clearwayctl request needs, first match: the duties any one of
 * which allows it, and whether asking about oneself is allowed anyway
 * (check, drop) or never (elevate, suspend: that takes another approver).
 */
enum self_rule { SELF_AS_OTHERS, SELF_ALWAYS, SELF_NEVER };

struct op_rule {
	enum cw_op op;
	unsigned duties;
	enum self_rule self;
	const char *what;               /* in the refusal */
};

#define ANY (CW_DUTY_HR | CW_DUTY_APPROVER | CW_DUTY_AUDITOR)
#define APPR_AUD (CW_DUTY_APPROVER | CW_DUTY_AUDITOR)

static const struct op_rule op_rules[] = {
	{ CW_OP_CHECK, ANY, SELF_ALWAYS, "checking another user" },
	{ CW_OP_ELEVATE, CW_DUTY_APPROVER, SELF_NEVER, "elevate" },
	{ CW_OP_DROP, CW_DUTY_APPROVER, SELF_ALWAYS,
	    "dropping another user's elevation" },
	{ CW_OP_ELEVATIONS, APPR_AUD, SELF_ALWAYS,
	    "listing others' elevations" },
	{ CW_OP_LEAVER, CW_DUTY_HR, SELF_AS_OTHERS, "filing a leaver" },
	{ CW_OP_REVOKE, CW_DUTY_APPROVER, SELF_AS_OTHERS, "revoke" },
	/* HR files leavers; undoing one takes an approver. */
	{ CW_OP_REINSTATE, CW_DUTY_APPROVER, SELF_AS_OTHERS, "reinstate" },
	{ CW_OP_QUEUE, ANY, SELF_AS_OTHERS, "the queue" },
	{ CW_OP_REPORT, APPR_AUD, SELF_AS_OTHERS, "the report" },
	{ CW_OP_EXPORT, CW_DUTY_APPROVER, SELF_AS_OTHERS, "export" },
	{ CW_OP_ERASE, CW_DUTY_APPROVER, SELF_AS_OTHERS, "erase" },
	/* Re-running a dead letter's steps: the revoke duty. */
	{ CW_OP_RETRY, CW_DUTY_APPROVER, SELF_AS_OTHERS, "retry" },
	{ CW_OP_WHO, APPR_AUD, SELF_AS_OTHERS, "who" },
	/* HR plans with it too: leaving dates, right to work. */
	{ CW_OP_EXPIRING, ANY, SELF_AS_OTHERS, "expiring" },
	{ CW_OP_SUSPEND, CW_DUTY_APPROVER, SELF_NEVER, "suspend" },
	{ CW_OP_UNSUSPEND, CW_DUTY_APPROVER, SELF_NEVER, "unsuspend" },
	/* The trail, read by the daemon: the auditor role. */
	{ CW_OP_AUDIT_VERIFY, CW_DUTY_AUDITOR, SELF_AS_OTHERS, "audit verify" },
	{ CW_OP_AUDIT_EXPORT, CW_DUTY_AUDITOR, SELF_AS_OTHERS, "audit export" },
	/* Access requests: anyone lists their own; answering one takes an
	 * approver other than the requester (handlers.c adds clearance). */
	{ CW_OP_REQUESTS, APPR_AUD, SELF_ALWAYS, "listing others' requests" },
	{ CW_OP_APPROVE, CW_DUTY_APPROVER, SELF_NEVER, "approve" },
	{ CW_OP_REJECT, CW_DUTY_APPROVER, SELF_NEVER, "reject" },
	/* Who has access and their logons: the trail, so the auditor. */
	{ CW_OP_REVIEW, CW_DUTY_AUDITOR, SELF_AS_OTHERS, "review" },
};

/* status: anyone about themself; HR or an approver about others; any
 * duty for the daemon's own state. */
static bool
may_status(const struct cw_caller *c, const struct cw_request *r, char *why,
    size_t whylen)
{
	const unsigned hr_appr = CW_DUTY_HR | CW_DUTY_APPROVER;

	if (r->user[0] == '\0')
		return (c->duties & ANY) || refuse(c, "daemon status", ANY,
		    why, whylen);
	return is_self(c, r->user) || (c->duties & hr_appr) ||
	    refuse(c, "another user's status", hr_appr, why, whylen);
}

bool
cw_caller_may(const struct cw_caller *c, const struct cw_request *r,
    const struct cw_config *cfg, char *why, size_t whylen)
{
	const struct op_rule *rule;
	size_t i;

	(void)cfg;
	if (c->root)
		return true;
	if (r->op == CW_OP_DECIDE || r->op == CW_OP_SESSION ||
	    r->op == CW_OP_BREAKGLASS) {
		/*
		 * These put records into the audit trail (and raise alerts):
		 * only the PAM stack, which runs as root, reports them.  A
		 * user asking about themself has `clearwayctl check`.
		 */
		snprintf(why, whylen, "only the PAM stack (root) may report "
		    "logons, sessions and break-glass; uid %u may use check",
		    (unsigned)c->uid);
		return false;
	}
	if (r->op == CW_OP_STATUS)
		return may_status(c, r, why, whylen);
	if (r->op == CW_OP_REQUEST && !is_self(c, r->user)) {
		/* Asked by the person who needs it, whatever their duties. */
		snprintf(why, whylen, "an access request is filed by the person "
		    "who needs it: %s may not file one for %s",
		    c->named ? c->name : "this uid", r->user);
		return false;
	}
	if (r->op == CW_OP_REQUEST)
		return true;
	for (i = 0; i < sizeof(op_rules) / sizeof(op_rules[0]); i++) {
		rule = &op_rules[i];
		if (rule->op != r->op)
			continue;
		if (rule->self == SELF_NEVER && is_self(c, r->user)) {
			snprintf(why, whylen, r->op == CW_OP_APPROVE ||
			    r->op == CW_OP_REJECT ? "no one may %s their own "
			    "access request; ask another approver" : "no one "
			    "may %s themself; ask another approver",
			    rule->what);
			return false;
		}
		if (rule->self == SELF_ALWAYS && is_self(c, r->user))
			return true;
		return (c->duties & rule->duties) ||
		    refuse(c, rule->what, rule->duties, why, whylen);
	}
	snprintf(why, whylen, "unknown operation");
	return false;
}
