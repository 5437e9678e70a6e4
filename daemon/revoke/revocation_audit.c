/* SPDX-License-Identifier: MIT */
/*
 * revocation_audit.c - see revocation_audit.h.
 */
#include "audit/events.h"
#include "lib/log.h"
#include "revoke/revocation_audit.h"

void
cw_revocation_audit_requested(struct cw_store *st,
    const struct cw_revocation *r, int64_t now)
{
	char err[256];
	int rc;

	if (r->audited)
		return;
	if ((rc = cw_revq_mark_audited(st, r->id, now, err, sizeof(err))) < 0)
		cw_warn("revocation %s: cannot mark its request audited (a "
		    "revoker will): %s", r->id, err);
	if (rc != 1)
		return;
	cw_ev_revocation(CW_AUDIT_REVOCATION_REQUESTED, r->actor[0] ?
	    r->actor : "clearwayd", r->uid, r->id, "success", r->deadline,
	    r->reason);
}
