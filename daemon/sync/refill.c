/* SPDX-License-Identifier: MIT */
/*
 * refill.c - what this daemon answered from, kept across restarts
 * (refill.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldap_cookie.h"
#include "lib/log.h"
#include "model/denylist.h"
#include "sync/refill.h"

#define REFILL_MAX_BYTES 65536

/* A copy of c when it is a cookie worth keeping, else NULL. */
static char *
cookie_dup(const char *c)
{
	return c != NULL && cw_cookie_plausible(c) ? strdup(c) : NULL;
}

static bool
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* A string or null member of o; false when it is neither. */
static bool
get_cookie(json_t *o, const char *name, char **out)
{
	json_t *v = json_object_get(o, name);

	*out = NULL;
	if (json_is_null(v))
		return true;
	if (!json_is_string(v) || !cw_cookie_plausible(json_string_value(v)))
		return false;
	return (*out = strdup(json_string_value(v))) != NULL;
}

/* Parses len bytes into r (empty).  0, or -1 with why. */
static int
parse(struct cw_refill *r, const char *buf, size_t len, char *why,
    size_t whylen)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *loss;
	int rc = -1;

	if (root == NULL) {
		snprintf(why, whylen, "not JSON: %s", jerr.text);
		return -1;
	}
	loss = json_object_get(root, "loss");
	if (!json_is_object(root) || json_integer_value(json_object_get(root,
	    "version")) != 1 || json_object_size(root) != 4 ||
	    !json_is_boolean(loss))
		snprintf(why, whylen, "not a version 1 directory state");
	else if (!get_cookie(root, "cookie", &r->known) ||
	    !get_cookie(root, "loss_cookie", &r->loss_cookie))
		snprintf(why, whylen, "a cookie that is neither null nor a "
		    "sync cookie");
	else {
		r->loss = json_is_true(loss);
		rc = 0;
	}
	json_decref(root);
	return rc;
}

int
cw_refill_init(struct cw_refill *r, const char *state_dir, char *err,
    size_t errlen)
{
	char *buf = NULL, why[200];
	size_t len;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((size_t)snprintf(r->path, sizeof(r->path), "%s/directory.state",
	    state_dir) >= sizeof(r->path)) {
		snprintf(err, errlen, "state_dir too long");
		return -1;
	}
	if ((rc = cw_statefile_read(r->path, REFILL_MAX_BYTES, &buf, &len, err,
	    errlen)) != 0)
		return rc > 0 ? 0 : -1;
	if ((rc = parse(r, buf, len, why, sizeof(why))) < 0) {
		snprintf(err, errlen, "%s: %s (remove it only once Redis is "
		    "known to hold the directory's current data)", r->path,
		    why);
		cw_refill_free(r);
	}
	free(buf);
	return rc;
}

void
cw_refill_free(struct cw_refill *r)
{
	free(r->known);
	free(r->loss_cookie);
	r->known = r->loss_cookie = NULL;
}

static json_t *
cookie_json(const char *c)
{
	return c != NULL ? json_string(c) : json_null();
}

/* Writes the state; a failure is logged (the next change tries again). */
static void
persist(const struct cw_refill *r)
{
	json_t *root = json_pack("{s:i, s:o, s:b, s:o}", "version", 1,
	    "cookie", cookie_json(r->known), "loss", r->loss, "loss_cookie",
	    cookie_json(r->loss_cookie));
	char *text = root != NULL ? json_dumps(root, JSON_COMPACT |
	    JSON_SORT_KEYS) : NULL;
	char err[512];

	if (text == NULL)
		cw_log(LOG_ERR, "%s: out of memory", r->path);
	else if (cw_statefile_write(r->path, text, strlen(text), err,
	    sizeof(err)) < 0)
		cw_log(LOG_ERR, "directory state: %s", err);
	free(text);
	json_decref(root);
}

bool
cw_refill_current(const struct cw_refill *r, const char *store_cookie)
{
	if (!r->loss)
		return true;
	if (store_cookie == NULL)
		return false;           /* refilling, or not begun */
	if (r->loss_cookie == NULL || strcmp(store_cookie, r->loss_cookie) != 0)
		return true;
	return r->known != NULL && cw_cookie_covers(store_cookie, r->known) == 1;
}

bool
cw_refill_behind(const struct cw_refill *r, const char *store_cookie)
{
	/* No cookie: a full refresh under way (every entry it wrote is
	 * newer), or no sync at all; one that is no cookie of slapd's:
	 * the mirror refreshes in full. */
	return !r->loss && r->known != NULL &&
	    cw_cookie_covers(store_cookie, r->known) == 0;
}

void
cw_refill_loss(struct cw_refill *r, const char *store_cookie)
{
	/* Each loss: the cookie Redis holds now (an older one than at a
	 * first loss shows a refill only once it changes again). */
	free(r->loss_cookie);
	r->loss_cookie = cookie_dup(store_cookie);
	if (r->loss_cookie == NULL && cw_cookie_plausible(store_cookie))
		cw_log(LOG_ERR, "directory state: out of memory (the next "
		    "cookie Redis holds is taken for a refill)");
	r->loss = true;
	persist(r);
}

void
cw_refill_answered(struct cw_refill *r, const char *store_cookie)
{
	/* A store without a usable cookie (no LDAP sync) says nothing: the
	 * known cookie stays. */
	bool take = store_cookie != NULL && cw_cookie_plausible(store_cookie) &&
	    !same(r->known, store_cookie);
	char *c = NULL;

	if (!take && !r->loss)
		return;
	if (take && (c = strdup(store_cookie)) != NULL) {
		free(r->known);
		r->known = c;
	}
	free(r->loss_cookie);
	r->loss_cookie = NULL;
	r->loss = false;
	persist(r);
}
