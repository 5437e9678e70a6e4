/* SPDX-License-Identifier: MIT */
/*
 * ldap_cookie.c - syncprov cookies compared (ldap_cookie.h).
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "ldap_cookie.h"

/* "YYYYMMDDhhmmss.uuuuuuZ#cccccc#sss#mmmmmm" */
#define CSN_LEN 40
#define SID_AT 30               /* the serverID's 3 hex digits */

struct csns {
	const char *v[CW_COOKIE_MAX_CSNS];      /* each CSN_LEN bytes */
	size_t n;
};

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* Whether p starts with one CSN (the shape slapd's csn.c writes). */
static bool
csn_valid(const char *p)
{
	static const char shape[] = "dddddddddddddd.ddddddZ#xxxxxx#xxx#xxxxxx";
	size_t i;

	for (i = 0; i < CSN_LEN; i++) {
		if (shape[i] == 'd' ? p[i] < '0' || p[i] > '9' :
		    shape[i] == 'x' ? !is_hex(p[i]) : p[i] != shape[i])
			return false;
	}
	return true;
}

/*
 * The CSNs after "csn=": separated by ';', ended by ',' or the end.
 * 0, or -1 when any is malformed or there are too many.
 */
static int
parse(const char *cookie, struct csns *out)
{
	const char *p = cookie;

	out->n = 0;
	/* "csn=" opens the cookie or follows a ','. */
	while ((p = strstr(p, "csn=")) != NULL && p != cookie && p[-1] != ',')
		p += 4;
	if (p == NULL)
		return -1;
	for (p += 4;; p += CSN_LEN + 1) {
		if (out->n == CW_COOKIE_MAX_CSNS || !csn_valid(p))
			return -1;
		out->v[out->n++] = p;
		if (p[CSN_LEN] != ';')
			return p[CSN_LEN] == '\0' || p[CSN_LEN] == ',' ? 0 : -1;
	}
}

bool
cw_cookie_plausible(const char *c)
{
	struct csns s;

	return c != NULL && parse(c, &s) == 0;
}

/* The CSN of s made by the serverID of csn, or NULL. */
static const char *
same_server(const struct csns *s, const char *csn)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strncasecmp(s->v[i] + SID_AT, csn + SID_AT, 3) == 0)
			return s->v[i];
	return NULL;
}

int
cw_cookie_covers(const char *cookie, const char *known)
{
	struct csns have, want;
	const char *mine;
	size_t i;

	if (cookie == NULL || known == NULL || parse(cookie, &have) < 0 ||
	    parse(known, &want) < 0)
		return -1;
	for (i = 0; i < want.n; i++) {
		/* Same server: the text sorts as the changes happened. */
		if ((mine = same_server(&have, want.v[i])) == NULL ||
		    strncasecmp(mine, want.v[i], CSN_LEN) < 0)
			return 0;
	}
	return 1;
}
