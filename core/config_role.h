/* SPDX-License-Identifier: MIT */
/*
 * config_role.h - the [daemon] keys of the fleet roles (config.c's own
 * helpers): role, offline_grace, admin_max_staleness, and what a role
 * allows (docs/deployment.md).
 */
#ifndef CW_CONFIG_ROLE_H
#define CW_CONFIG_ROLE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* DURATION text (duration.h) into seconds within [min, max]; 0 or -1. */
int cw_config_set_duration(const char *key, long min, long max,
    const char *value, int *out, char *err, size_t errlen);

/* "both", "host" or "central" into *out; 0 or -1 naming the choices. */
int cw_config_set_role(const char *key, const char *value, enum cw_role *out,
    char *err, size_t errlen);

/*
 * role = host: what a host does not run (LDAP sync, revocation workers,
 * filing leavers, the audit writer) is turned off; a file that set one
 * of them on (the set_* flags say which keys the file itself set) is
 * refused with the key named.  Other roles: nothing changes.  0 or -1.
 */
int cw_config_check_role(struct cw_config *c, bool set_ldap_sync,
    bool set_workers, bool set_leavers, char *err, size_t errlen);

#endif
