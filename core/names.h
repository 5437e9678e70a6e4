/* SPDX-License-Identifier: MIT */
/*
 * names.h - the shape of every name that crosses a trust boundary: login
 * names (from PAM, the socket, LDAP), host class and role names, and lists
 * of them from the configuration.
 */
#ifndef CW_NAMES_H
#define CW_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* Longest login name accepted anywhere (useradd's own limit is 32). */
#define CW_USER_MAX 64
/* Longest host class or role name. */
#define CW_NAME_MAX 64

/*
 * A login name: 1..CW_USER_MAX bytes of [A-Za-z0-9._@-], not starting with
 * '-' or '.'.  Anything else (control characters, spaces, slashes, a 10 KB
 * string) is hostile and is refused before it reaches a log or a lookup.
 */
bool cw_user_name_valid(const char *s, size_t len);

/* A host class or role name: 1..CW_NAME_MAX bytes of [A-Za-z0-9._-]. */
bool cw_object_name_valid(const char *s, size_t len);

/* A fixed list of names, owned by whoever built it. */
struct cw_name_list {
	char **names;
	size_t count;
};

/*
 * Parses a comma- or space-separated list of names checked with valid().
 * On error, err names the offending entry.  Returns 0 or -1.
 */
int cw_name_list_parse(const char *s, bool (*valid)(const char *, size_t),
    struct cw_name_list *out, char *err, size_t errlen);

bool cw_name_list_contains(const struct cw_name_list *l, const char *name);
void cw_name_list_free(struct cw_name_list *l);

#endif
