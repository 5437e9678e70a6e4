/* SPDX-License-Identifier: MIT */
/*
 * audit_query.h - clearwayctl audit verify and audit export for an
 * auditor without root: the control worker reads the trail on the
 * writer host (trail/: verify, and export a page at a time in constant
 * memory, with the --since/--until/--user/--type/--host filters).
 */
#ifndef CW_AUDIT_QUERY_H
#define CW_AUDIT_QUERY_H

#include "config.h"
#include "control/control.h"

/* Bytes of trail text a page of export carries: its JSON escaping must
 * still fit a frame (CW_WIRE_MAX_FRAME). */
#define CW_AUDIT_PAGE_BYTES (16 * 1024)

/* Fills resp: the verify report, or a page of the export. */
void cw_audit_query(const struct cw_config *cfg,
    const struct cw_control_job *j, struct cw_response *resp);

#endif
