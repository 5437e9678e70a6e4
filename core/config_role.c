/* SPDX-License-Identifier: MIT */
/*
 * config_role.c - the fleet-role keys of the configuration (see
 * config_role.h).  Pure, like config.c.
 */
#include <stdio.h>
#include <string.h>

#include "config_role.h"
#include "duration.h"

static const char *const role_names[] = { "both", "host", "central" };

const char *
cw_role_name(enum cw_role r)
{
	return (unsigned)r < sizeof(role_names) / sizeof(role_names[0]) ?
	    role_names[r] : "?";
}

int
cw_config_set_duration(const char *key, long min, long max,
    const char *value, int *out, char *err, size_t errlen)
{
	int64_t secs;
	int st = cw_duration_parse(value, strlen(value), &secs);

	if (st != CW_DURATION_OK || secs < min || secs > max) {
		snprintf(err, errlen, "%s must be a duration up to %ldd (%s)%s%s",
		    key, max / 86400, CW_DURATION_FORMS,
		    st != CW_DURATION_OK ? ": " : "",
		    st != CW_DURATION_OK ? cw_duration_strerror(st) : "");
		return -1;
	}
	*out = (int)secs;
	return 0;
}

int
cw_config_set_role(const char *key, const char *value, enum cw_role *out,
    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (strcmp(value, role_names[i]) == 0) {
			*out = (enum cw_role)i;
			return 0;
		}
	snprintf(err, errlen, "%s must be both, host or central", key);
	return -1;
}

/*
 * A host's Redis user can read and append its audit events, nothing more:
 * asking a host for something only the central role can do is refused
 * naming the key, rather than quietly overridden (the operator meant
 * something this daemon will never do).
 */
int
cw_config_check_role(struct cw_config *c, bool set_ldap_sync,
    bool set_workers, bool set_leavers, char *err, size_t errlen)
{
	const char *bad = NULL;

	if (c->daemon.role != CW_ROLE_HOST)
		return 0;
	if (set_ldap_sync && c->daemon.ldap_sync)
		bad = "[daemon] ldap_sync = yes";
	else if (set_workers && c->daemon.revocation_workers > 0)
		bad = "[daemon] revocation_workers > 0";
	else if (set_leavers && c->daemon.revoke_leavers)
		bad = "[daemon] revoke_leavers = yes";
	else if (c->audit.writer)
		bad = "[audit] writer = yes";
	if (bad != NULL) {
		snprintf(err, errlen, "%s: a daemon with role = host never does "
		    "that (it only reads Redis; the central role does it): "
		    "remove the key, or set role = central or both", bad);
		return -1;
	}
	c->daemon.ldap_sync = false;
	c->daemon.revocation_workers = 0;
	c->daemon.revoke_leavers = false;
	return 0;
}
