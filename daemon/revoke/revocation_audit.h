/* SPDX-License-Identifier: MIT */
/*
 * revocation_audit.h - the one revocation_requested audit record of each
 * revocation, whoever files it: the control worker (clearwayctl), the
 * follow thread (a leaver in the directory), or a revoker that finds it
 * unaudited.  Here, below all three, so that none of them calls another.
 */
#ifndef CW_REVOCATION_AUDIT_H
#define CW_REVOCATION_AUDIT_H

#include <stdint.h>

#include "revoke/revocation_queue.h"
#include "store/store.h"

/*
 * Emits r's revocation_requested audit record unless it is out already
 * (r->audited, or marked in Redis by someone else first): exactly one per
 * revocation, whoever files it (CLI, sync) or finds it unaudited (a
 * revoker claiming it after its filer lost the reply).
 */
void cw_revocation_audit_requested(struct cw_store *st,
    const struct cw_revocation *r, int64_t now);

#endif
