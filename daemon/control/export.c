/* SPDX-License-Identifier: MIT */
/*
 * export.c - clearwayctl export and erase (contract Annex 1, 3.3.1 and
 * 3.3.4: data on demand in an open format; secure erase on request).
 *
 * export USER: everything Clearway holds about one person, as one JSON
 * object.  export: everything, page by page (each page fits one frame;
 * the CLI writes JSON lines).  erase USER: removes the person's cached
 * data, but only once the directory no longer has them (otherwise the
 * next sync brings it back); revocation records and the audit trail are
 * evidence the contract requires to be kept, and are not erased.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "control/export.h"

/* Entries per export page: a raw entry is a few hundred bytes. */
#define PAGE_COUNT "60"
/* Elevation history entries looked at for one person. */
#define HISTORY_MAX "5000"

static redisReply *
run(struct cw_store *st, int argc, const char **argv, char *err,
    size_t errlen)
{
	return cw_redis_call(st->redis, err, errlen, argc, argv, NULL);
}

static void
key(const struct cw_store *st, const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", st->prefix, suffix);
}

/*
 * rev:<id> hashes only, not the queue's indexes (rev:open, rev:openby,
 * rev:month:*, rev:monthz:*: revocation_queue.h).
 */
static bool
is_revocation_key(const struct cw_store *st, const char *k)
{
	size_t n = strlen(st->prefix) + 4;

	return strncmp(k + n - 4, "rev:", 4) == 0 && strcmp(k + n, "open") != 0 &&
	    strcmp(k + n, "openby") != 0 && strncmp(k + n, "month:", 6) != 0 &&
	    strncmp(k + n, "monthz:", 7) != 0;
}

/* A stored JSON string as a JSON value (null when absent or broken). */
static json_t *
stored_json(const redisReply *r)
{
	json_t *v = NULL;

	if (r != NULL && r->type == REDIS_REPLY_STRING)
		v = json_loadb(r->str, r->len, 0, NULL);
	return v != NULL ? v : json_null();
}

static json_t *
hget_json(struct cw_store *st, const char *suffix, const char *field,
    char *err, size_t errlen)
{
	char k[64];
	const char *argv[] = { "HGET", k, field };
	redisReply *r;
	json_t *v;

	key(st, suffix, k, sizeof(k));
	if ((r = run(st, 3, argv, err, errlen)) == NULL)
		return NULL;
	v = stored_json(r);
	freeReplyObject(r);
	return v;
}

/* Elevation history entries about uid, as objects. */
static json_t *
history_of(struct cw_store *st, const char *uid, json_t *ids, char *err,
    size_t errlen)
{
	char k[64];
	const char *argv[] = { "XREVRANGE", k, "+", "-", "COUNT", HISTORY_MAX };
	json_t *arr = json_array(), *o;
	redisReply *r;
	size_t i, f;

	key(st, "elevation-history", k, sizeof(k));
	if ((r = run(st, 6, argv, err, errlen)) == NULL) {
		json_decref(arr);
		return NULL;
	}
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *e = r->element[i], *fv;
		bool mine = false;

		if (e->elements != 2 || (fv = e->element[1])->type !=
		    REDIS_REPLY_ARRAY)
			continue;
		o = json_object();
		for (f = 0; f + 1 < fv->elements; f += 2) {
			json_object_set_new(o, fv->element[f]->str,
			    json_string(fv->element[f + 1]->str));
			if (strcmp(fv->element[f]->str, "user") == 0 &&
			    strcmp(fv->element[f + 1]->str, uid) == 0)
				mine = true;
		}
		if (mine) {
			json_object_set_new(o, "stream_id",
			    json_string(e->element[0]->str));
			json_array_append_new(arr, o);
			if (ids != NULL)
				json_array_append_new(ids,
				    json_string(e->element[0]->str));
		} else {
			json_decref(o);
		}
	}
	freeReplyObject(r);
	return arr;
}

/* Revocation records about uid (every rev:<id> hash with that uid). */
static json_t *
revocations_of(struct cw_store *st, const char *uid, char *err,
    size_t errlen)
{
	char pattern[64], cursor[32] = "0", k[64];
	const char *scan[] = { "SCAN", cursor, "MATCH", pattern, "COUNT",
	    "1000" };
	json_t *arr = json_array();
	redisReply *r, *h;
	size_t i, f;

	snprintf(pattern, sizeof(pattern), "%srev:*", st->prefix);
	do {
		if ((r = run(st, 6, scan, err, errlen)) == NULL) {
			json_decref(arr);
			return NULL;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		for (i = 0; i < r->element[1]->elements; i++) {
			const char *hg[] = { "HGETALL", k };
			json_t *o;

			snprintf(k, sizeof(k), "%s", r->element[1]->element[i]->str);
			if (!is_revocation_key(st, k) ||
			    (h = run(st, 2, hg, err, errlen)) == NULL)
				continue;
			o = json_object();
			for (f = 0; f + 1 < h->elements; f += 2)
				json_object_set_new(o, h->element[f]->str,
				    json_string(h->element[f + 1]->str));
			if (json_is_string(json_object_get(o, "uid")) &&
			    strcmp(json_string_value(json_object_get(o, "uid")),
			    uid) == 0)
				json_array_append_new(arr, o);
			else
				json_decref(o);
			freeReplyObject(h);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return arr;
}

static int
is_member(struct cw_store *st, const char *suffix, const char *uid,
    char *err, size_t errlen)
{
	char k[64];
	const char *argv[] = { "SISMEMBER", k, uid };
	redisReply *r;
	int rc;

	key(st, suffix, k, sizeof(k));
	if ((r = run(st, 3, argv, err, errlen)) == NULL)
		return -1;
	rc = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	freeReplyObject(r);
	return rc;
}

static int
export_person(struct cw_store *st, const struct cw_control_job *j,
    struct cw_response *resp, char *err, size_t errlen)
{
	const char *uid = j->req.user;
	json_t *o, *entry, *elev, *hist, *revs, *leaver;
	int revoked;

	entry = j->entry_uuid[0] ? hget_json(st, "staff", j->entry_uuid, err,
	    errlen) : json_null();
	elev = hget_json(st, "elevations", uid, err, errlen);
	leaver = hget_json(st, "leavers", uid, err, errlen);
	hist = history_of(st, uid, NULL, err, errlen);
	revs = revocations_of(st, uid, err, errlen);
	revoked = is_member(st, "revoked", uid, err, errlen);
	if (entry == NULL || elev == NULL || leaver == NULL || hist == NULL ||
	    revs == NULL || revoked < 0) {
		json_decref(entry);
		json_decref(elev);
		json_decref(leaver);
		json_decref(hist);
		json_decref(revs);
		return -1;
	}
	o = json_pack("{s:s, s:o, s:b, s:o, s:o, s:o, s:o}", "user", uid,
	    "directory_entry", entry, "revoked", revoked, "elevations", elev,
	    "elevation_history", hist, "revocations", revs, "leaver_event",
	    leaver);
	resp->data = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return 0;
}

/*
 * The full export walks these sections in order, a page at a time.  The
 * cursor is the section's digit followed by Redis's own scan cursor, so
 * the export is resumable and each page stays well inside one frame.
 */
enum section {
	SEC_STAFF, SEC_HOSTCLASS, SEC_ROLE, SEC_ELEVATIONS, SEC_LEAVERS,
	SEC_REVOKED, SEC_REVOCATIONS, SEC_COUNT
};

static const char *const section_names[SEC_COUNT] = {
	"staff", "host_class", "role", "elevations", "leaver_event",
	"revoked", "revocation"
};

static const char *const section_keys[SEC_COUNT] = {
	"staff", "hostclass", "role", "elevations", "leavers", "revoked",
	"rev:*"
};


/* A hash reply's values (or, keyed, {field: value} objects) as items. */
static void
add_hash_items(json_t *items, const redisReply *kv, bool keyed)
{
	size_t i;

	for (i = 0; i + 1 < kv->elements; i += 2) {
		json_t *v = stored_json(kv->element[i + 1]);

		if (keyed)
			v = json_pack("{s:s, s:o}", "user", kv->element[i]->str,
			    "value", v);
		json_array_append_new(items, v);
	}
}

/* A revocation record (a hash) as an object. */
static json_t *
revocation_record(struct cw_store *st, const char *k, char *err,
    size_t errlen)
{
	const char *argv[] = { "HGETALL", k };
	json_t *o = json_object();
	redisReply *r;
	size_t f;

	if ((r = run(st, 2, argv, err, errlen)) == NULL)
		return o;
	for (f = 0; f + 1 < r->elements; f += 2)
		json_object_set_new(o, r->element[f]->str,
		    json_string(r->element[f + 1]->str));
	freeReplyObject(r);
	return o;
}

/* One page of section sec from scan cursor cur; next cursor in *next. */
static int
scan_section(struct cw_store *st, enum section sec, const char *cur,
    json_t *items, char *next, size_t nextlen, char *err, size_t errlen)
{
	char k[64], pattern[64];
	const char *hscan[] = { "HSCAN", k, cur, "COUNT", PAGE_COUNT };
	const char *sscan[] = { "SSCAN", k, cur, "COUNT", PAGE_COUNT };
	const char *scan[] = { "SCAN", cur, "MATCH", pattern, "COUNT",
	    PAGE_COUNT };
	const redisReply *list;
	redisReply *r;
	size_t i;

	key(st, section_keys[sec], k, sizeof(k));
	snprintf(pattern, sizeof(pattern), "%s%s", st->prefix,
	    section_keys[sec]);
	r = sec == SEC_REVOKED ? run(st, 5, sscan, err, errlen) :
	    sec == SEC_REVOCATIONS ? run(st, 6, scan, err, errlen) :
	    run(st, 5, hscan, err, errlen);
	if (r == NULL)
		return -1;
	snprintf(next, nextlen, "%s", r->element[0]->str);
	list = r->element[1];
	if (sec == SEC_REVOKED) {
		for (i = 0; i < list->elements; i++)
			json_array_append_new(items,
			    json_string(list->element[i]->str));
	} else if (sec == SEC_REVOCATIONS) {
		for (i = 0; i < list->elements; i++)
			if (is_revocation_key(st, list->element[i]->str))
				json_array_append_new(items, revocation_record(st,
				    list->element[i]->str, err, errlen));
	} else {
		add_hash_items(items, list, sec == SEC_ELEVATIONS ||
		    sec == SEC_LEAVERS);
	}
	freeReplyObject(r);
	return 0;
}

static int
export_page(struct cw_store *st, const struct cw_control_job *j,
    struct cw_response *resp, char *err, size_t errlen)
{
	const char *c = j->req.cursor;
	enum section sec = c[0] ? (enum section)(c[0] - '0') : SEC_STAFF;
	char next[40], cursor[48];
	json_t *items = json_array(), *o;

	if ((unsigned)sec >= SEC_COUNT) {
		json_decref(items);
		resp->status = CW_STATUS_BAD_REQUEST;
		snprintf(resp->message, sizeof(resp->message), "bad cursor");
		return 0;
	}
	if (scan_section(st, sec, c[0] && c[1] ? c + 1 : "0", items, next,
	    sizeof(next), err, errlen) < 0) {
		json_decref(items);
		return -1;
	}
	/* Redis says "0" at the end of a scan: go on with the next section. */
	if (strcmp(next, "0") != 0)
		snprintf(cursor, sizeof(cursor), "%d%s", (int)sec, next);
	else if (sec + 1 < SEC_COUNT)
		snprintf(cursor, sizeof(cursor), "%d0", (int)sec + 1);
	else
		cursor[0] = '\0';
	o = json_pack("{s:s, s:o, s:s}", "section", section_names[sec],
	    "items", items, "cursor", cursor);
	resp->data = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return 0;
}

static int
erase_person(struct cw_store *st, const struct cw_control_job *j,
    struct cw_response *resp, char *err, size_t errlen)
{
	const char *uid = j->req.user;
	char ek[64], lk[64], hk[64];
	json_t *ids = json_array(), *hist, *o;
	const char *del_e[] = { "HDEL", ek, uid }, *del_l[] = { "HDEL", lk, uid };
	redisReply *r;
	size_t i, removed = 0;

	if (j->entry_uuid[0] != '\0') {
		resp->status = CW_STATUS_REFUSED;
		snprintf(resp->message, sizeof(resp->message), "%s is still in "
		    "the directory: remove the entry from LDAP first, or the "
		    "next sync brings the data back", uid);
		json_decref(ids);
		return 0;
	}
	key(st, "elevations", ek, sizeof(ek));
	key(st, "leavers", lk, sizeof(lk));
	key(st, "elevation-history", hk, sizeof(hk));
	if ((hist = history_of(st, uid, ids, err, errlen)) == NULL)
		goto fail;
	json_decref(hist);
	for (i = 0; i < json_array_size(ids); i++) {
		const char *xdel[] = { "XDEL", hk,
		    json_string_value(json_array_get(ids, i)) };

		if ((r = run(st, 3, xdel, err, errlen)) == NULL)
			goto fail;
		freeReplyObject(r);
		removed++;
	}
	if ((r = run(st, 3, del_e, err, errlen)) == NULL)
		goto fail;
	freeReplyObject(r);
	if ((r = run(st, 3, del_l, err, errlen)) == NULL)
		goto fail;
	freeReplyObject(r);
	o = json_pack("{s:s, s:I, s:b, s:b, s:s}", "user", uid,
	    "elevation_history_removed", (json_int_t)removed,
	    "elevations_removed", 1, "leaver_event_removed", 1, "kept",
	    "revocation records and the audit trail (evidence kept for the "
	    "retention period)");
	resp->data = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	json_decref(ids);
	return 0;
fail:
	json_decref(ids);
	return -1;
}

int
cw_export_request(struct cw_store *st, const struct cw_control_job *j,
    struct cw_response *resp, char *err, size_t errlen)
{
	int rc;

	if (j->req.op == CW_OP_ERASE)
		rc = erase_person(st, j, resp, err, errlen);
	else if (j->req.user[0] != '\0')
		rc = export_person(st, j, resp, err, errlen);
	else
		rc = export_page(st, j, resp, err, errlen);
	if (rc == 0 && resp->status == CW_STATUS_OK && resp->data == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return rc;
}
