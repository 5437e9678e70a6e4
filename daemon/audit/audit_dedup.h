/* SPDX-License-Identifier: MIT */
/*
 * audit_dedup.h - the central writer's memory of what it has sealed, per
 * (host, run): the highest event counter, and the gaps below it (at
 * most 16).  At-least-once delivery repeats a suffix of what was sent,
 * and per host and run the counters arrive in order, so an event is a
 * copy exactly when its counter is at most the highest seen and in no
 * gap.  A gap is left when Redis went back and a host's newer batch came
 * before it sent the lost ones again (audit_retain.c): those fill it
 * late.  Used by the writer thread only (audit_writer_read.c).
 */
#ifndef CW_AUDIT_DEDUP_H
#define CW_AUDIT_DEDUP_H

#include <stdbool.h>
#include <stdint.h>

#include "audit.h"
#include "audit/audit_codec.h"

struct cw_audit_dedup;

/* An empty memory, or NULL out of memory.  Free with cw_audit_dedup_free. */
struct cw_audit_dedup *cw_audit_dedup_new(void);
void cw_audit_dedup_free(struct cw_audit_dedup *dd);

/*
 * Marks (host, run, counter) as sealed.  Returns false for a copy of an
 * event already sealed; *missing gets the counters skipped before it
 * (a new gap: they may still come, and are then not copies).
 */
bool cw_audit_dedup_see(struct cw_audit_dedup *dd, const char *host,
    const char *run, uint64_t counter, uint64_t *missing);

/* The event's id (details.event_id), if it has a well-formed one. */
bool cw_audit_dedup_event_id(const struct cw_audit_event *ev,
    char run[CW_AUDIT_RUN_LEN + 1], uint64_t *counter);

/*
 * Forgets everything, then relearns the marks from the last bytes of the
 * trail in dir (its two newest files): what really reached the disk.
 */
void cw_audit_dedup_rebuild(struct cw_audit_dedup *dd, const char *dir);

#endif
