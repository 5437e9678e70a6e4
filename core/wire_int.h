/* SPDX-License-Identifier: MIT */
/*
 * wire_int.h - what the two codecs of the local socket protocol share:
 * core/wire.c (libjansson; the daemon and clearwayctl) and
 * core/wire_lite.c (none; the PAM module).  Not for other callers.
 */
#ifndef CW_WIRE_INT_H
#define CW_WIRE_INT_H

#include "wire.h"

#define CW_WIRE_OPS ((size_t)CW_OP_REVIEW + 1)
#define CW_WIRE_STATUSES ((size_t)CW_STATUS_BUSY + 1)

/* The wire names of the operations and statuses, by enum value. */
extern const char *const cw_wire_op_names[CW_WIRE_OPS];
extern const char *const cw_wire_status_names[CW_WIRE_STATUSES];

#endif
