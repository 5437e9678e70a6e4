/* SPDX-License-Identifier: MIT */
/*
 * export.h - clearwayctl export [USER] and erase USER, carried out by the
 * control worker (Redis reads and deletes).
 */
#ifndef CW_EXPORT_H
#define CW_EXPORT_H

#include "control/control.h"
#include "store/store.h"

/* Fills resp (data, or a refusal); -1 with err when Redis failed. */
int cw_export_request(struct cw_store *st, const struct cw_control_job *j,
    struct cw_response *resp, char *err, size_t errlen);

#endif
