/* SPDX-License-Identifier: MIT */
/*
 * suspensions.h - clearwayctl suspend USER --until TIME --reason and
 * unsuspend USER --reason, carried out by the control worker: denied
 * everywhere until TIME (reason code "suspended", a project extension),
 * without the leaver steps, and ending by itself at that instant.
 */
#ifndef CW_SUSPENSIONS_H
#define CW_SUSPENSIONS_H

#include "control/control.h"
#include "store/store.h"

/*
 * Writes (or lifts) the suspension and fills resp; *set is the
 * suspension written (when one was).  Returns the generation to wait
 * for, 0 when nothing changed (resp says why), or -1 with err when Redis
 * failed.  Audits what it did.
 */
long long cw_suspension_request(struct cw_store *st,
    const struct cw_control_job *j, const char *actor,
    struct cw_response *resp, struct cw_suspension *set, char *err,
    size_t errlen);

#endif
