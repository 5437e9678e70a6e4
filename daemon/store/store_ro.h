/* SPDX-License-Identifier: MIT */
/*
 * store_ro.h - reads for a daemon whose Redis user may not write
 * ([daemon] role = host, etc/redis-acl.conf.example's clearway-host):
 * only plain read commands and EVAL_RO (Redis 7.0), whose declared keys
 * Redis checks for read access alone.
 */
#ifndef CW_STORE_RO_H
#define CW_STORE_RO_H

#include <stdbool.h>

#include "store/store.h"

/*
 * As cw_store_identity(), read-only: a missing epoch is never made here
 * (the central role makes it); it comes back as "" with *created true,
 * which the guard sees as a store that had no epoch.  0 or -1.
 */
int cw_store_identity_ro(struct cw_store *st, char epoch[CW_EPOCH_LEN + 1],
    bool *created, long long *gen, long long *open, char *err,
    size_t errlen);

#endif
