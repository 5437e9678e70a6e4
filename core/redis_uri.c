/* SPDX-License-Identifier: MIT */
/*
 * redis_uri.c - see redis_uri.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_uri.h"
#include "text.h"

/* A decimal port of n bytes at s, 1..65535. */
static int
parse_port(const char *s, size_t n, int *port)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int
cw_redis_hostport(const char *s, size_t len, int defport,
    struct cw_redis_addr *out, char *err, size_t errlen)
{
	const char *end = s + len, *h = s, *hend, *colon = NULL;
	size_t n;

	if (len > 0 && s[0] == '[') {
		h = s + 1;
		hend = memchr(h, ']', len - 1);
		if (hend == NULL || (hend + 1 != end && hend[1] != ':')) {
			cw_set_err(err, errlen, "bad [address]");
			return -1;
		}
		if (hend + 1 != end)
			colon = hend + 1;
	} else {
		hend = memchr(s, ':', len);
		if (hend != NULL)
			colon = hend;
		else
			hend = end;
	}
	n = (size_t)(hend - h);
	if (n == 0 || n > CW_REDIS_HOST_MAX || memchr(h, ',', n) != NULL ||
	    memchr(h, ' ', n) != NULL) {
		cw_set_err(err, errlen, "bad host");
		return -1;
	}
	out->port = defport;
	if (colon != NULL && parse_port(colon + 1,
	    (size_t)(end - colon - 1), &out->port) < 0) {
		cw_set_err(err, errlen, "bad port");
		return -1;
	}
	memcpy(out->host, h, n);
	out->host[n] = '\0';
	return 0;
}

int
cw_redis_uri_server(const char *uri, struct cw_redis_addr *out, bool *tls,
    char *err, size_t errlen)
{
	const char *host;

	if (strncmp(uri, "rediss://", 9) == 0) {
		*tls = true;
		host = uri + 9;
	} else if (strncmp(uri, "redis://", 8) == 0) {
		*tls = false;
		host = uri + 8;
	} else {
		cw_set_err(err, errlen, "must start with redis://, rediss://, "
		    "sentinel:// or sentinels://");
		return -1;
	}
	if (strpbrk(host, "@/?#") != NULL) {
		cw_set_err(err, errlen, "only HOST[:PORT] may follow the "
		    "scheme (no user, password, database or path)");
		return -1;
	}
	return cw_redis_hostport(host, strlen(host), CW_REDIS_PORT_DEFAULT,
	    out, err, errlen);
}

bool
cw_redis_uri_is_sentinel(const char *uri)
{
	return strncmp(uri, "sentinel://", 11) == 0 ||
	    strncmp(uri, "sentinels://", 12) == 0;
}

/* A master name as sentinel.conf's "sentinel monitor" can carry it. */
static int
master_name(const char *s, struct cw_sentinel_uri *out, char *err,
    size_t errlen)
{
	size_t n = strlen(s);

	if (n == 0 || n > CW_SENTINEL_NAME_MAX ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") != n) {
		cw_set_err(err, errlen, "the master name after '/' must be 1 "
		    "to %d of [A-Za-z0-9._-]", CW_SENTINEL_NAME_MAX);
		return -1;
	}
	memcpy(out->master, s, n + 1);
	return 0;
}

int
cw_sentinel_uri_parse(const char *uri, struct cw_sentinel_uri *out,
    char *err, size_t errlen)
{
	const char *p, *slash, *comma;
	char why[64];

	memset(out, 0, sizeof(*out));
	if (strncmp(uri, "sentinels://", 12) == 0) {
		out->tls = true;
		p = uri + 12;
	} else if (strncmp(uri, "sentinel://", 11) == 0) {
		p = uri + 11;
	} else {
		cw_set_err(err, errlen, "not a sentinel:// uri");
		return -1;
	}
	slash = strchr(p, '/');
	if (slash == NULL || strpbrk(p, "@?#") != NULL) {
		cw_set_err(err, errlen, "sentinel://HOST[:PORT],.../MASTERNAME "
		    "(no user, password or query)");
		return -1;
	}
	while (p < slash) {
		comma = memchr(p, ',', (size_t)(slash - p));
		if (comma == NULL)
			comma = slash;
		if (out->n == CW_SENTINEL_MAX) {
			cw_set_err(err, errlen, "at most %d sentinels",
			    CW_SENTINEL_MAX);
			return -1;
		}
		if (cw_redis_hostport(p, (size_t)(comma - p),
		    CW_SENTINEL_PORT_DEFAULT, &out->addr[out->n], why,
		    sizeof(why)) < 0) {
			cw_set_err(err, errlen, "sentinel %zu: %s", out->n + 1,
			    why);
			return -1;
		}
		out->n++;
		if (comma + 1 == slash) {
			cw_set_err(err, errlen, "a ',' with no sentinel after it");
			return -1;
		}
		p = comma + (comma < slash);
	}
	if (out->n == 0) {
		cw_set_err(err, errlen, "no sentinel before the master name");
		return -1;
	}
	return master_name(slash + 1, out, err, errlen);
}
