/* SPDX-License-Identifier: MIT */
/*
 * names.c - the shape of every name that crosses a trust boundary.
 *
 * A name is checked byte by byte against a small ASCII set, never with
 * <ctype.h>: isalnum() follows the locale of whatever process loaded us
 * (sshd, sudo), and a name must mean the same thing everywhere.
 */
#include "names.h"
#include "text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
is_alnum_ascii(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

bool
cw_user_name_valid(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len == 0 || len > CW_USER_MAX)
		return false;
	/* A leading '-' reads as an option to every tool the name meets. */
	if (s[0] == '-' || s[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_alnum_ascii(c) && c != '.' && c != '_' && c != '@' &&
		    c != '-')
			return false;
	}
	return true;
}

bool
cw_object_name_valid(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len == 0 || len > CW_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_alnum_ascii(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

static bool
is_list_separator(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

/* Quotes at most 32 bytes of an untrusted entry, printable ASCII only. */
static void
quote_entry(char *dst, size_t dstlen, const char *s, size_t len)
{
	char clean[32 + 4];

	cw_sanitize(clean, sizeof(clean), s, len);
	snprintf(dst, dstlen, "'%s'", clean);
}

int
cw_name_list_parse(const char *s, bool (*valid)(const char *, size_t),
    struct cw_name_list *out, char *err, size_t errlen)
{
	struct cw_name_list list = { NULL, 0 };
	char quoted[48];
	size_t pos = 0, start, len;
	int ret = -1;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out != NULL) {
		out->names = NULL;
		out->count = 0;
	}
	if (s == NULL || valid == NULL || out == NULL) {
		cw_set_err(err, errlen, "internal error: missing argument");
		goto out;
	}

	for (;;) {
		char **grown;

		while (is_list_separator(s[pos]))
			pos++;
		if (s[pos] == '\0')
			break;
		start = pos;
		while (s[pos] != '\0' && !is_list_separator(s[pos]))
			pos++;
		len = pos - start;

		if (!valid(s + start, len)) {
			quote_entry(quoted, sizeof(quoted), s + start, len);
			cw_set_err(err, errlen, "invalid name %s", quoted);
			goto out;
		}
		if (list.count >= SIZE_MAX / sizeof(*list.names) - 1) {
			cw_set_err(err, errlen, "too many names");
			goto out;
		}
		grown = realloc(list.names, (list.count + 1) * sizeof(*grown));
		if (grown == NULL) {
			cw_set_err(err, errlen, "out of memory");
			goto out;
		}
		list.names = grown;
		list.names[list.count] = strndup(s + start, len);
		if (list.names[list.count] == NULL) {
			cw_set_err(err, errlen, "out of memory");
			goto out;
		}
		list.count++;
	}

	*out = list;
	list.names = NULL;
	list.count = 0;
	ret = 0;
out:
	cw_name_list_free(&list);
	return ret;
}

bool
cw_name_list_contains(const struct cw_name_list *l, const char *name)
{
	size_t i;

	if (l == NULL || name == NULL)
		return false;
	/* Exact match: a case-folded name would be a different person. */
	for (i = 0; i < l->count; i++) {
		if (l->names[i] != NULL && strcmp(l->names[i], name) == 0)
			return true;
	}
	return false;
}

void
cw_name_list_free(struct cw_name_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->count; i++)
		free(l->names[i]);
	free(l->names);
	l->names = NULL;
	l->count = 0;
}
