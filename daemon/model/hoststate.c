/* SPDX-License-Identifier: MIT */
/*
 * hoststate.c - the host's revocation memory (format in the header).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model/denylist.h"
#include "model/hoststate.h"
#include "names.h"

void
cw_hoststate_init(struct cw_hoststate *hs)
{
	memset(hs, 0, sizeof(*hs));
	cw_strmap_init(&hs->denied);
	cw_strmap_init(&hs->open);
}

void
cw_hoststate_free(struct cw_hoststate *hs)
{
	cw_strmap_clear(&hs->denied, free);
	cw_strmap_clear(&hs->open, free);
	hs->epoch[0] = '\0';
	hs->gen = 0;
}

/* An epoch as the store makes them: 1..32 lower-case hex digits. */
static bool
epoch_valid(const char *s)
{
	size_t n = strlen(s);

	return n <= CW_EPOCH_LEN && strspn(s, "0123456789abcdef") == n;
}

int
cw_hoststate_stamp(struct cw_hoststate *hs, const char *uid,
    const char *epoch, long long gen)
{
	struct cw_stamp *st = malloc(sizeof(*st));
	void *old = NULL;

	if (st == NULL)
		return -1;
	snprintf(st->epoch, sizeof(st->epoch), "%s", epoch);
	st->gen = gen;
	if (cw_strmap_put(&hs->denied, uid, st, &old) < 0) {
		free(st);
		return -1;
	}
	free(old);
	return 0;
}

int
cw_hoststate_keep(struct cw_hoststate *hs, const struct cw_revocation *r)
{
	struct cw_revocation *c;
	void *old = NULL;

	if (cw_strmap_get(&hs->open, r->id) == NULL &&
	    hs->open.count >= CW_HOSTSTATE_MAX_OPEN)
		return 0;       /* bounded: the deny-list still holds the user */
	if ((c = malloc(sizeof(*c))) == NULL)
		return -1;
	*c = *r;
	if (cw_strmap_put(&hs->open, r->id, c, &old) < 0) {
		free(c);
		return -1;
	}
	free(old);
	return 0;
}

/* One revocation copy; only what a submission needs. */
static int
parse_revocation(json_t *o, struct cw_revocation *r)
{
	const char *id, *uid, *kind, *reason, *actor, *role;
	json_int_t req, eff, dl;

	memset(r, 0, sizeof(*r));
	if (json_unpack(o, "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
	    "id", &id, "uid", &uid, "kind", &kind, "reason", &reason, "actor",
	    &actor, "role", &role, "requested_at", &req, "effective_at", &eff,
	    "deadline", &dl) < 0 ||
	    !cw_revq_id_valid(id) || !cw_user_name_valid(uid, strlen(uid)) ||
	    cw_revocation_kind_parse(kind, &r->kind) < 0 ||
	    strlen(reason) > CW_REVQ_REASON_MAX || strlen(actor) > CW_USER_MAX ||
	    strlen(role) > CW_NAME_MAX)
		return -1;
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->uid, sizeof(r->uid), "%s", uid);
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	snprintf(r->actor, sizeof(r->actor), "%s", actor);
	snprintf(r->role, sizeof(r->role), "%s", role);
	r->requested_at = req;
	r->effective_at = eff;
	r->deadline = dl;
	return 0;
}

int
cw_hoststate_parse(const char *buf, size_t len, struct cw_hoststate *hs,
    char *err, size_t errlen)
{
	json_t *root, *denied, *open, *v;
	json_error_t je;
	json_int_t gen;
	int version;
	const char *epoch, *uid, *why = NULL;
	struct cw_revocation r;
	size_t i;

	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL) {
		snprintf(err, errlen, "not JSON: %s (line %d)", je.text,
		    je.line);
		return -1;
	}
	if (json_unpack(root, "{s:i, s:s, s:I, s:o, s:o}", "version",
	    &version, "epoch", &epoch, "gen", &gen, "denied", &denied, "open",
	    &open) < 0 || version != 1 || !json_is_object(denied) ||
	    !json_is_array(open) || !epoch_valid(epoch) || gen < 0) {
		why = "not a version 1 state (version, epoch, gen, denied, "
		    "open)";
		goto out;
	}
	snprintf(hs->epoch, sizeof(hs->epoch), "%s", epoch);
	hs->gen = gen;
	json_object_foreach(denied, uid, v) {
		const char *e;
		json_int_t g;

		if (!cw_user_name_valid(uid, strlen(uid)) ||
		    json_unpack(v, "[sI]", &e, &g) < 0 || !epoch_valid(e)) {
			why = "a bad entry in denied";
			goto out;
		}
		if (cw_hoststate_stamp(hs, uid, e, g) < 0) {
			why = "out of memory";
			goto out;
		}
	}
	json_array_foreach(open, i, v) {
		if (parse_revocation(v, &r) < 0) {
			why = "a bad revocation in open";
			goto out;
		}
		if (cw_hoststate_keep(hs, &r) < 0) {
			why = "out of memory";
			goto out;
		}
	}
out:
	json_decref(root);
	if (why != NULL) {
		snprintf(err, errlen, "%s", why);
		cw_hoststate_free(hs);
		return -1;
	}
	return 0;
}

int
cw_hoststate_load(const char *path, struct cw_hoststate *hs, char *err,
    size_t errlen)
{
	char *buf = NULL, why[200];
	size_t len;
	int rc;

	if ((rc = cw_statefile_read(path, CW_HOSTSTATE_MAX_BYTES, &buf, &len,
	    err, errlen)) != 0)
		return rc;
	if (cw_hoststate_parse(buf, len, hs, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		rc = -1;
	}
	free(buf);
	return rc;
}

struct build {
	json_t *denied, *open;
	int rc;
};

static void
add_stamp(const char *uid, void *value, void *arg)
{
	struct build *b = arg;
	const struct cw_stamp *st = value;

	if (json_object_set_new(b->denied, uid, json_pack("[sI]", st->epoch,
	    (json_int_t)st->gen)) < 0)
		b->rc = -1;
}

static void
add_copy(const char *id, void *value, void *arg)
{
	struct build *b = arg;
	const struct cw_revocation *r = value;

	(void)id;
	if (json_array_append_new(b->open, json_pack("{s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:I, s:I, s:I}", "id", r->id, "uid", r->uid, "kind",
	    cw_revocation_kind_name(r->kind), "reason", r->reason, "actor",
	    r->actor, "role", r->role, "requested_at",
	    (json_int_t)r->requested_at, "effective_at",
	    (json_int_t)r->effective_at, "deadline",
	    (json_int_t)r->deadline)) < 0)
		b->rc = -1;
}

int
cw_hoststate_save(const char *path, const struct cw_hoststate *hs,
    char *err, size_t errlen)
{
	struct build b = { json_object(), json_array(), 0 };
	json_t *root = NULL;
	char *text = NULL;
	int rc = -1;

	if (b.denied == NULL || b.open == NULL)
		goto oom;
	cw_strmap_foreach(&hs->denied, add_stamp, &b);
	cw_strmap_foreach(&hs->open, add_copy, &b);
	root = json_pack("{s:i, s:s, s:I, s:O, s:O}", "version", 1, "epoch",
	    hs->epoch, "gen", (json_int_t)hs->gen, "denied", b.denied, "open",
	    b.open);
	if (b.rc < 0 || root == NULL || (text = json_dumps(root,
	    JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto oom;
	rc = cw_statefile_write(path, text, strlen(text), err, errlen);
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
out:
	free(text);
	json_decref(root);
	json_decref(b.denied);
	json_decref(b.open);
	return rc;
}
