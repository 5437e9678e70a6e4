/* SPDX-License-Identifier: MIT */
/*
 * ldap_cookie.h - what an RFC 4533 cookie from slapd's syncprov says.
 *
 * A cookie is "rid=NNN[,sid=NNN],csn=CSN[;CSN...]"; each CSN is
 * "YYYYMMDDhhmmss.uuuuuuZ#cccccc#sss#mmmmmm": a time, a change count, the
 * serverID that made the change, a modifier.  A cookie names the newest
 * change of each server that the data it goes with contains.  Within one
 * serverID, CSNs grow with every change and (fixed width) their text
 * sorts in the same order.  Pure: no I/O.
 */
#ifndef CW_LDAP_COOKIE_H
#define CW_LDAP_COOKIE_H

#include <stdbool.h>

/* The most CSNs (servers of a multi-provider directory) a cookie names. */
#define CW_COOKIE_MAX_CSNS 32

/*
 * True when c names at least one well-formed CSN and at most
 * CW_COOKIE_MAX_CSNS (slapd answers a cookie it cannot parse with
 * everything, as if there were none, without saying so).
 */
bool cw_cookie_plausible(const char *c);

/*
 * Whether data stamped with `cookie` contains every change that data
 * stamped with `known` contained: for each serverID named in known, cookie
 * names the same serverID with a CSN at least as new.  1 yes, 0 no (older,
 * or a server missing), -1 when either is not plausible.
 */
int cw_cookie_covers(const char *cookie, const char *known);

#endif
