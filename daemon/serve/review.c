/* SPDX-License-Identifier: MIT */
/*
 * review.c - the access review's page (see review.h).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/policy_db.h"
#include "serve/queries.h"
#include "serve/review.h"

/* A page ends past this many bytes (estimated) or CW_QUERY_PAGE people,
 * and names at most ROLES_MAX roles a person: well inside one frame. */
#define PAGE_BUDGET (CW_WIRE_MAX_FRAME / 2)
#define ROLES_MAX 32
#define ROW_BYTES 128
#define ROLE_BYTES (CW_NAME_MAX + 48)

struct review_page {
	const struct cw_handler_ctx *h;
	const struct cw_host_class *hc;
	int64_t now;
	json_t *rows;
	size_t people, bytes;
};

/* The standing roles of s that give login access here: in cwLoginRole,
 * and the person meets the role's own clearance (contract 12b). */
static json_t *
standing_roles(struct review_page *p, const struct cw_staff *s)
{
	json_t *arr = json_array();
	const struct cw_role_def *def;
	size_t i;

	for (i = 0; arr != NULL && i < s->roles.count &&
	    json_array_size(arr) < ROLES_MAX; i++) {
		const char *role = s->roles.names[i];

		if (!cw_name_list_contains(&p->hc->login_roles, role))
			continue;
		def = cw_db_role(p->h->db, role);
		if (def != NULL && (def->invalid || s->clearance <
		    def->required))
			continue;
		json_array_append_new(arr, json_string(role));
		p->bytes += ROLE_BYTES;
	}
	return arr;
}

/* Running elevations of uid to this class's login or admin roles. */
static json_t *
elevated_roles(struct review_page *p, const char *uid)
{
	const struct cw_user_elevations *ue = cw_db_elevations(p->h->db, uid);
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && ue != NULL && i < ue->count &&
	    json_array_size(arr) < ROLES_MAX; i++) {
		const struct cw_elevation *e = &ue->list[i];
		bool login = cw_name_list_contains(&p->hc->login_roles, e->role);
		bool admin = cw_name_list_contains(&p->hc->admin_roles, e->role);

		if (e->start > p->now || e->end <= p->now || (!login && !admin))
			continue;
		json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:b}",
		    "role", e->role, "end", (json_int_t)e->end, "approver",
		    e->approver, "admin", admin));
		p->bytes += ROLE_BYTES;
	}
	return arr;
}

static void
review_one(const char *uid, void *value, void *arg)
{
	struct review_page *p = arg;
	struct cw_policy_input in;
	struct cw_decision login, admin;

	(void)value;
	p->people++;
	cw_query_input(p->h, uid, p->hc->name, CW_MODE_LOGIN, p->now, &in);
	login = cw_decide(&in);
	in.mode = CW_MODE_ADMIN;
	admin = cw_decide(&in);
	if (login.verdict != CW_VERDICT_ALLOW &&
	    admin.verdict != CW_VERDICT_ALLOW)
		return;
	json_array_append_new(p->rows, json_pack("{s:s, s:s, s:s, s:o, s:o}",
	    "user", uid, "login", cw_reason_name(login.reason), "admin",
	    cw_reason_name(admin.reason), "standing", in.staff != NULL ?
	    standing_roles(p, in.staff) : json_array(), "elevations",
	    elevated_roles(p, uid)));
	p->bytes += ROW_BYTES;
}

/* Where a page starts: the "after" cursor, a record number. */
static bool
page_start(const char *after, size_t *bucket)
{
	unsigned long long b;
	char *end;

	*bucket = 0;
	if (after[0] == '\0')
		return true;
	errno = 0;
	b = strtoull(after, &end, 10);
	*bucket = (size_t)b;
	return errno == 0 && *end == '\0' && end != after;
}

void
cw_query_review(const struct cw_handler_ctx *h, const struct cw_request *req,
    struct cw_response *resp)
{
	struct review_page p = { h, NULL, (int64_t)time(NULL), NULL, 0, 0 };
	struct cw_policy_input in;
	char cursor[32];
	size_t bucket;
	json_t *o;

	if (h->db == NULL) {
		resp->status = CW_STATUS_UNAVAILABLE;
		snprintf(resp->message, sizeof(resp->message), "no policy data "
		    "loaded yet");
		return;
	}
	/* The class as a decision sees it (no such user: no record). */
	cw_db_policy_input(h->db, "", req->host_class, CW_MODE_LOGIN, p.now,
	    &in);
	if ((p.hc = in.host_class) == NULL ||
	    !page_start(req->after, &bucket)) {
		resp->status = p.hc == NULL ? CW_STATUS_REFUSED :
		    CW_STATUS_BAD_REQUEST;
		snprintf(resp->message, sizeof(resp->message), p.hc == NULL ?
		    "host class '%s' is not defined" : "bad page cursor",
		    req->host_class);
		return;
	}
	p.rows = json_array();
	while (p.rows != NULL && bucket < cw_db_staff_end(h->db) &&
	    p.people < CW_QUERY_PAGE && p.bytes < PAGE_BUDGET)
		bucket = cw_db_staff_pages(h->db, bucket, 1, review_one, &p);
	o = json_pack("{s:s, s:o, s:I, s:I}", "host_class", p.hc->name,
	    "people", p.rows, "now", (json_int_t)p.now, "generation",
	    (json_int_t)h->db->generation);
	if (o != NULL && bucket < cw_db_staff_end(h->db)) {
		snprintf(cursor, sizeof(cursor), "%zu", bucket);
		json_object_set_new(o, "next", json_string(cursor));
	}
	resp->data = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (resp->data == NULL)
		resp->status = CW_STATUS_INTERNAL;
}
