/* SPDX-License-Identifier: MIT */
/*
 * entry.c - a directory entry as raw strings, and its JSON form in Redis.
 *
 * Nothing here interprets a value: that is record.c's job.  What this file
 * guarantees is shape and size: an entry has bounded numbers of attributes
 * and values, bounded UTF-8 values without NUL bytes, and no two attributes
 * whose names differ only in case (LDAP would treat them as one, and a
 * lookup must never have to choose between them).
 */
#include "entry.h"
#include "text.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* ASCII-only case folding: strcasecmp() follows the host's locale. */
static unsigned char
fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool
names_equal(const char *a, const char *b)
{
	for (;; a++, b++) {
		if (fold((unsigned char)*a) != fold((unsigned char)*b))
			return false;
		if (*a == '\0')
			return true;
	}
}

static bool
attr_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > CW_ENTRY_MAX_NAME_LEN)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == ';' || c == '.'))
			return false;
	}
	return true;
}

/*
 * Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing
 * above U+10FFFF.  The same rules jansson applies, checked up front so that
 * an entry that was built can always be serialized.
 */
static bool
utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		uint32_t cp, min;
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (len - i - 1 < n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* A value (or dn, or uuid) as stored: bounded, UTF-8, no NUL inside. */
static bool
text_valid(const char *s, size_t len)
{
	return len <= CW_ENTRY_MAX_VALUE_LEN && memchr(s, '\0', len) == NULL &&
	    utf8_valid(s, len);
}

static struct cw_attr *
find_attr(const struct cw_entry *e, const char *name)
{
	size_t i;

	if (e == NULL || name == NULL)
		return NULL;
	for (i = 0; i < e->nattrs; i++) {
		if (e->attrs[i].name != NULL && names_equal(e->attrs[i].name, name))
			return &e->attrs[i];
	}
	return NULL;
}

const struct cw_attr *
cw_entry_attr(const struct cw_entry *e, const char *name)
{
	return find_attr(e, name);
}

/*
 * Adds the value (len bytes, already checked) to a, or to a new attribute
 * called name when a is NULL.  On failure the entry is left as it was.
 */
static int
append_value(struct cw_entry *e, struct cw_attr *a, const char *name,
    size_t namelen, const char *value, size_t len)
{
	struct cw_attr *attrs;
	char **values = NULL, *copy = NULL, *namecopy = NULL;
	int ret = -1;

	copy = strndup(value, len);
	if (copy == NULL)
		goto out;

	if (a != NULL) {
		if (a->nvalues >= CW_ENTRY_MAX_VALUES)
			goto out;
		values = realloc(a->values, (a->nvalues + 1) * sizeof(*values));
		if (values == NULL)
			goto out;
		a->values = values;
		values = NULL;          /* now owned by a */
		a->values[a->nvalues++] = copy;
		copy = NULL;
		ret = 0;
		goto out;
	}

	if (e->nattrs >= CW_ENTRY_MAX_ATTRS)
		goto out;
	namecopy = strndup(name, namelen);
	values = malloc(sizeof(*values));
	if (namecopy == NULL || values == NULL)
		goto out;
	attrs = realloc(e->attrs, (e->nattrs + 1) * sizeof(*attrs));
	if (attrs == NULL)
		goto out;
	e->attrs = attrs;
	values[0] = copy;
	copy = NULL;
	e->attrs[e->nattrs].name = namecopy;
	e->attrs[e->nattrs].values = values;
	e->attrs[e->nattrs].nvalues = 1;
	e->nattrs++;
	namecopy = NULL;
	values = NULL;
	ret = 0;
out:
	free(copy);
	free(namecopy);
	free(values);
	return ret;
}

int
cw_entry_add_value(struct cw_entry *e, const char *name, const char *value)
{
	size_t namelen, len;

	if (e == NULL || name == NULL || value == NULL)
		return -1;
	/* strnlen: never walk further than the longest thing we would take. */
	namelen = strnlen(name, CW_ENTRY_MAX_NAME_LEN + 1);
	len = strnlen(value, CW_ENTRY_MAX_VALUE_LEN + 1);
	if (!attr_name_valid(name, namelen) || !text_valid(value, len))
		return -1;
	return append_value(e, find_attr(e, name), name, namelen, value, len);
}

int
cw_entry_mark_incomplete(struct cw_entry *e, const char *attr, const char *why)
{
	char note[CW_ENTRY_MAX_NAME_LEN + 128];

	if (e == NULL || attr == NULL || why == NULL)
		return -1;
	snprintf(note, sizeof(note), "%.*s: %s", CW_ENTRY_MAX_NAME_LEN, attr,
	    why);
	return cw_entry_add_value(e, CW_ENTRY_INCOMPLETE, note);
}

const char *
cw_entry_incomplete(const struct cw_entry *e)
{
	const struct cw_attr *a = find_attr(e, CW_ENTRY_INCOMPLETE);

	return a != NULL && a->nvalues > 0 ? a->values[0] : NULL;
}

void
cw_entry_free(struct cw_entry *e)
{
	size_t i, j;

	if (e == NULL)
		return;
	for (i = 0; i < e->nattrs; i++) {
		for (j = 0; j < e->attrs[i].nvalues; j++)
			free(e->attrs[i].values[j]);
		free(e->attrs[i].values);
		free(e->attrs[i].name);
	}
	free(e->attrs);
	free(e->dn);
	free(e->uuid);
	memset(e, 0, sizeof(*e));
}

/* True when e is something cw_entry_from_json would give back. */
static bool
entry_storable(const struct cw_entry *e)
{
	size_t i, j;

	if (e->dn == NULL || e->uuid == NULL)
		return false;
	if (!text_valid(e->dn, strlen(e->dn)) ||
	    !text_valid(e->uuid, strlen(e->uuid)))
		return false;
	if (e->nattrs > CW_ENTRY_MAX_ATTRS || (e->nattrs > 0 && e->attrs == NULL))
		return false;
	for (i = 0; i < e->nattrs; i++) {
		const struct cw_attr *a = &e->attrs[i];

		if (a->name == NULL ||
		    !attr_name_valid(a->name, strlen(a->name)) ||
		    find_attr(e, a->name) != a)     /* a case-variant duplicate */
			return false;
		if (a->nvalues == 0 || a->nvalues > CW_ENTRY_MAX_VALUES ||
		    a->values == NULL)
			return false;
		for (j = 0; j < a->nvalues; j++) {
			if (a->values[j] == NULL ||
			    !text_valid(a->values[j], strlen(a->values[j])))
				return false;
		}
	}
	return true;
}

char *
cw_entry_to_json(const struct cw_entry *e)
{
	json_t *root = NULL, *attrs = NULL, *values = NULL;
	char *text = NULL;
	size_t i, j;

	if (e == NULL || !entry_storable(e))
		goto out;
	root = json_object();
	attrs = json_object();
	if (root == NULL || attrs == NULL)
		goto out;
	if (json_object_set_new(root, "dn", json_string(e->dn)) != 0 ||
	    json_object_set_new(root, "uuid", json_string(e->uuid)) != 0)
		goto out;
	for (i = 0; i < e->nattrs; i++) {
		values = json_array();
		if (values == NULL)
			goto out;
		for (j = 0; j < e->attrs[i].nvalues; j++) {
			if (json_array_append_new(values,
			    json_string(e->attrs[i].values[j])) != 0)
				goto out;
		}
		if (json_object_set_new(attrs, e->attrs[i].name, values) != 0) {
			values = NULL;  /* _set_new consumed it even on failure */
			goto out;
		}
		values = NULL;
	}
	if (json_object_set_new(root, "attrs", attrs) != 0) {
		attrs = NULL;
		goto out;
	}
	attrs = NULL;
	text = json_dumps(root, JSON_COMPACT);
	if (text != NULL && strlen(text) > CW_ENTRY_MAX_JSON) {
		free(text);
		text = NULL;
	}
out:
	json_decref(values);
	json_decref(attrs);
	json_decref(root);
	return text;
}

/* Copies a JSON string field that must be text_valid(). */
static int
take_text(const json_t *v, const char *field, char **dst, char *err,
    size_t errlen)
{
	const char *s;
	size_t len;

	if (v == NULL) {
		cw_set_err(err, errlen, "%s: missing", field);
		return -1;
	}
	if (!json_is_string(v)) {
		cw_set_err(err, errlen, "%s: not a string", field);
		return -1;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len > CW_ENTRY_MAX_VALUE_LEN) {
		cw_set_err(err, errlen, "%s: longer than %d bytes", field,
		    CW_ENTRY_MAX_VALUE_LEN);
		return -1;
	}
	if (!text_valid(s, len)) {
		cw_set_err(err, errlen, "%s: contains a NUL byte", field);
		return -1;
	}
	*dst = strndup(s, len);
	if (*dst == NULL) {
		cw_set_err(err, errlen, "%s: out of memory", field);
		return -1;
	}
	return 0;
}

static int
take_attrs(const json_t *attrs, struct cw_entry *e, char *err, size_t errlen)
{
	const char *key;
	size_t keylen;
	json_t *values;
	char shown[40];

	if (attrs == NULL) {
		cw_set_err(err, errlen, "attrs: missing");
		return -1;
	}
	if (!json_is_object(attrs)) {
		cw_set_err(err, errlen, "attrs: not an object");
		return -1;
	}
	if (json_object_size(attrs) > CW_ENTRY_MAX_ATTRS) {
		cw_set_err(err, errlen, "attrs: more than %d attributes",
		    CW_ENTRY_MAX_ATTRS);
		return -1;
	}

	json_object_keylen_foreach((json_t *)attrs, key, keylen, values) {
		size_t i, n;

		if (!attr_name_valid(key, keylen)) {
			cw_sanitize(shown, sizeof(shown), key, keylen);
			cw_set_err(err, errlen, "attrs: invalid attribute name '%s'",
			    shown);
			return -1;
		}
		/* key is now known to be short, printable and NUL-free. */
		if (find_attr(e, key) != NULL) {
			cw_set_err(err, errlen, "attrs.%s: duplicate attribute", key);
			return -1;
		}
		if (!json_is_array(values)) {
			cw_set_err(err, errlen, "attrs.%s: not an array", key);
			return -1;
		}
		n = json_array_size(values);
		if (n == 0) {
			cw_set_err(err, errlen, "attrs.%s: no values", key);
			return -1;
		}
		if (n > CW_ENTRY_MAX_VALUES) {
			cw_set_err(err, errlen, "attrs.%s: more than %d values", key,
			    CW_ENTRY_MAX_VALUES);
			return -1;
		}
		for (i = 0; i < n; i++) {
			const json_t *v = json_array_get(values, i);
			size_t len;

			if (!json_is_string(v)) {
				cw_set_err(err, errlen, "attrs.%s[%zu]: not a string",
				    key, i);
				return -1;
			}
			len = json_string_length(v);
			if (len > CW_ENTRY_MAX_VALUE_LEN) {
				cw_set_err(err, errlen,
				    "attrs.%s[%zu]: longer than %d bytes", key, i,
				    CW_ENTRY_MAX_VALUE_LEN);
				return -1;
			}
			if (!text_valid(json_string_value(v), len)) {
				cw_set_err(err, errlen,
				    "attrs.%s[%zu]: contains a NUL byte", key, i);
				return -1;
			}
			if (append_value(e, find_attr(e, key), key, keylen,
			    json_string_value(v), len) != 0) {
				cw_set_err(err, errlen, "attrs.%s: out of memory",
				    key);
				return -1;
			}
		}
	}
	return 0;
}

bool cw_entry_fast_json = true;

/* A cursor over the fast path's input. */
struct fast {
	const char *p, *end;
};

static bool
fast_char(struct fast *f, char c)
{
	if (f->p < f->end && *f->p == c) {
		f->p++;
		return true;
	}
	return false;
}

/*
 * A string of printable ASCII with no escape: *s and *len (in the
 * input).  false for anything else (control bytes, NUL, '\\', non-ASCII,
 * DEL): jansson then decides.
 */
static bool
fast_string(struct fast *f, const char **s, size_t *len)
{
	const char *q;

	if (!fast_char(f, '"'))
		return false;
	for (q = f->p; q < f->end && *q != '"'; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f ||
		    *q == '\\')
			return false;
	if (q == f->end || (size_t)(q - f->p) > CW_ENTRY_MAX_VALUE_LEN)
		return false;
	*s = f->p;
	*len = (size_t)(q - f->p);
	f->p = q + 1;
	return true;
}

/* ["v",...] of attribute key: 1, 0 (not the fast shape), -1 (memory). */
static int
fast_values(struct fast *f, struct cw_entry *e, const char *key,
    size_t keylen)
{
	const char *s;
	size_t len, n = 0;

	if (!fast_char(f, '['))
		return 0;
	do {
		if (!fast_string(f, &s, &len) || ++n > CW_ENTRY_MAX_VALUES)
			return 0;
		if (append_value(e, find_attr(e, key), key, keylen, s,
		    len) != 0)
			return -1;
	} while (fast_char(f, ','));
	return fast_char(f, ']') ? 1 : 0;
}

/* {"name":[...],...}, as take_attrs() checks it: 1, 0 or -1. */
static int
fast_attrs(struct fast *f, struct cw_entry *e)
{
	char key[CW_ENTRY_MAX_NAME_LEN + 1];
	const char *k;
	size_t klen, n = 0;
	int rc;

	if (!fast_char(f, '{'))
		return 0;
	if (fast_char(f, '}'))
		return 1;
	do {
		if (!fast_string(f, &k, &klen) || !fast_char(f, ':') ||
		    !attr_name_valid(k, klen) || ++n > CW_ENTRY_MAX_ATTRS)
			return 0;
		memcpy(key, k, klen);
		key[klen] = '\0';
		if (find_attr(e, key) != NULL)
			return 0;       /* a duplicate: jansson words it */
		if ((rc = fast_values(f, e, key, klen)) != 1)
			return rc;
	} while (fast_char(f, ','));
	return fast_char(f, '}') ? 1 : 0;
}

/* A "dn" or "uuid" member's value into *dst, once. 1, 0 or -1. */
static int
fast_text(struct fast *f, char **dst)
{
	const char *s;
	size_t len;

	if (*dst != NULL || !fast_string(f, &s, &len))
		return 0;
	return (*dst = strndup(s, len)) != NULL ? 1 : -1;
}

/*
 * The fast path of cw_entry_from_json: the whole input is exactly
 * {"dn":..,"uuid":..,"attrs":{..}} (any order, no whitespace) in the
 * shape above.  1 with *e built; 0 (or -1 when out of memory) with *e
 * partly built, for the caller to free and parse with jansson.
 */
static int
fast_entry(const char *buf, size_t len, struct cw_entry *e)
{
	struct fast f = { buf, buf + len };
	const char *k;
	size_t klen;
	bool attrs = false;
	int rc;

	if (!fast_char(&f, '{'))
		return 0;
	do {
		if (!fast_string(&f, &k, &klen) || !fast_char(&f, ':'))
			return 0;
		if (klen == 2 && memcmp(k, "dn", 2) == 0)
			rc = fast_text(&f, &e->dn);
		else if (klen == 4 && memcmp(k, "uuid", 4) == 0)
			rc = fast_text(&f, &e->uuid);
		else if (klen == 5 && memcmp(k, "attrs", 5) == 0 && !attrs) {
			attrs = true;
			rc = fast_attrs(&f, e);
		} else
			rc = 0;
		if (rc != 1)
			return rc;
	} while (fast_char(&f, ','));
	return fast_char(&f, '}') && f.p == f.end && e->dn != NULL &&
	    e->uuid != NULL && attrs ? 1 : 0;
}

int
cw_entry_from_json(const char *buf, size_t len, struct cw_entry *out,
    char *err, size_t errlen)
{
	struct cw_entry e;
	json_t *root = NULL;
	json_error_t jerr;
	const char *key;
	json_t *value;
	char shown[80];
	int ret = -1;

	memset(&e, 0, sizeof(e));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (buf == NULL || out == NULL) {
		cw_set_err(err, errlen, "internal error: missing argument");
		goto out;
	}
	if (len > CW_ENTRY_MAX_JSON) {
		cw_set_err(err, errlen, "entry: longer than %d bytes",
		    CW_ENTRY_MAX_JSON);
		goto out;
	}

	if (cw_entry_fast_json && fast_entry(buf, len, &e) == 1)
		goto done;
	cw_entry_free(&e);
	memset(&e, 0, sizeof(e));
	/* Duplicate keys are refused: which one wins would be a guess. */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		/* jansson quotes the input near the error; keep it printable. */
		cw_sanitize(shown, sizeof(shown), jerr.text, strlen(jerr.text));
		cw_set_err(err, errlen, "entry: bad JSON at line %d column %d: %s",
		    jerr.line, jerr.column, shown);
		goto out;
	}
	if (!json_is_object(root)) {
		cw_set_err(err, errlen, "entry: not a JSON object");
		goto out;
	}
	json_object_foreach(root, key, value) {
		if (strcmp(key, "dn") != 0 && strcmp(key, "uuid") != 0 &&
		    strcmp(key, "attrs") != 0) {
			cw_sanitize(shown, sizeof(shown), key, strlen(key));
			cw_set_err(err, errlen, "entry: unknown field '%s'", shown);
			goto out;
		}
	}
	if (take_text(json_object_get(root, "dn"), "dn", &e.dn, err,
	    errlen) != 0 ||
	    take_text(json_object_get(root, "uuid"), "uuid", &e.uuid, err,
	    errlen) != 0 ||
	    take_attrs(json_object_get(root, "attrs"), &e, err, errlen) != 0)
		goto out;
done:
	*out = e;
	memset(&e, 0, sizeof(e));
	ret = 0;
out:
	cw_entry_free(&e);
	json_decref(root);
	return ret;
}
