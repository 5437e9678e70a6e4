/* SPDX-License-Identifier: MIT */
/*
 * queries.c - who and expiring (see queries.h).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forecast.h"
#include "model/policy_db.h"
#include "serve/queries.h"

#define LAPSES_MAX 16
/* A page ends once its rows pass this many bytes (estimated), and a row
 * names at most LOSSES_MAX host classes: a page stays well inside one
 * frame (CW_WIRE_MAX_FRAME) whatever the directory holds. */
#define PAGE_BUDGET (CW_WIRE_MAX_FRAME / 2)
#define LOSSES_MAX 200
#define ROW_BYTES 96            /* a row, without its host classes */
#define LOSS_BYTES (CW_NAME_MAX + 48)

void
cw_query_input(const struct cw_handler_ctx *h, const char *uid,
    const char *host_class, enum cw_mode mode, int64_t now,
    struct cw_policy_input *in)
{
	const struct cw_config *cfg = h->cfg;

	memset(in, 0, sizeof(*in));
	if (h->db != NULL)
		cw_db_policy_input(h->db, uid, host_class, mode, now, in);
	in->training_validity_days =
	    (unsigned)cfg->policy.training_validity_days;
	in->breakglass = cw_name_list_contains(&cfg->policy.breakglass_users,
	    uid);
	in->exempt = cw_name_list_contains(&cfg->policy.exempt_users, uid);
}

/* Where a page starts: the "after" cursor, a record number. */
static int
page_start(const struct cw_request *req, size_t *bucket,
    struct cw_response *resp)
{
	char *end;
	unsigned long long b;

	*bucket = 0;
	if (req->after[0] == '\0')
		return 0;
	errno = 0;
	b = strtoull(req->after, &end, 10);
	if (errno != 0 || *end != '\0' || end == req->after) {
		resp->status = CW_STATUS_BAD_REQUEST;
		snprintf(resp->message, sizeof(resp->message), "bad page cursor");
		return -1;
	}
	*bucket = (size_t)b;
	return 0;
}

/* Puts the page's common members into o and makes it resp's data. */
static void
finish_page(const struct cw_handler_ctx *h, json_t *o, size_t next,
    int64_t now, struct cw_response *resp)
{
	char cursor[32];

	if (o != NULL && next < cw_db_staff_end(h->db)) {
		snprintf(cursor, sizeof(cursor), "%zu", next);
		json_object_set_new(o, "next", json_string(cursor));
	}
	if (o != NULL) {
		json_object_set_new(o, "now", json_integer(now));
		json_object_set_new(o, "generation",
		    json_integer(h->db->generation));
	}
	resp->data = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (resp->data == NULL)
		resp->status = CW_STATUS_INTERNAL;
}

static bool
have_data(const struct cw_handler_ctx *h, struct cw_response *resp)
{
	if (h->db != NULL)
		return true;
	resp->status = CW_STATUS_UNAVAILABLE;
	snprintf(resp->message, sizeof(resp->message), "no policy data loaded "
	    "yet");
	return false;
}

struct page {
	const struct cw_handler_ctx *h;
	const struct cw_request *req;
	int64_t now;
	json_t *rows;
	size_t people, bytes;
};

/* Runs fn over the people from the cursor until the page is full. */
static size_t
fill_page(struct page *p, size_t bucket,
    void (*fn)(const char *key, void *value, void *arg))
{
	struct cw_db *db = p->h->db;

	while (bucket < cw_db_staff_end(db) && p->people < CW_QUERY_PAGE &&
	    p->bytes < PAGE_BUDGET)
		bucket = cw_db_staff_pages(db, bucket, 1, fn, p);
	return bucket;
}

static void
who_one(const char *uid, void *value, void *arg)
{
	struct page *p = arg;
	struct cw_policy_input in;
	struct cw_decision d;

	(void)value;
	cw_query_input(p->h, uid, p->req->host_class, p->req->mode, p->now,
	    &in);
	d = cw_decide(&in);
	json_array_append_new(p->rows, json_pack("{s:s, s:s, s:s}", "user",
	    uid, "verdict", cw_verdict_name(d.verdict), "reason",
	    cw_reason_name(d.reason)));
	p->people++;
	p->bytes += ROW_BYTES;
}


/*
 * The host classes whose login access the lapse at index i ends (at most
 * LOSSES_MAX named; *more counts the rest).
 */
static json_t *
losses(struct page *p, const char *uid, const struct cw_lapse *l, size_t n,
    size_t i, size_t *more)
{
	const struct cw_db *db = p->h->db;
	json_t *lost = json_array();
	struct cw_policy_input in;
	struct cw_decision after;
	size_t k;

	*more = 0;
	for (k = 0; lost != NULL && k < db->nhost_classes; k++) {
		cw_query_input(p->h, uid, db->host_classes[k].name,
		    CW_MODE_LOGIN, p->now, &in);
		if (cw_forecast_loss(&in, l, n, &after) != (long)i)
			continue;
		if (json_array_size(lost) == LOSSES_MAX) {
			(*more)++;
			continue;
		}
		json_array_append_new(lost, json_pack("{s:s, s:s}",
		    "host_class", db->host_classes[k].name, "reason",
		    cw_reason_name(after.reason)));
		p->bytes += LOSS_BYTES;
	}
	return lost;
}

static void
expiring_one(const char *uid, void *value, void *arg)
{
	struct page *p = arg;
	struct cw_lapse l[LAPSES_MAX];
	struct cw_policy_input in;
	size_t n, i, more;

	(void)value;
	p->people++;
	cw_query_input(p->h, uid, "", CW_MODE_LOGIN, p->now, &in);
	if (in.breakglass || in.exempt)
		return;
	n = cw_lapses(&in, p->req->within, l, LAPSES_MAX);
	if (n > LAPSES_MAX)
		n = LAPSES_MAX;
	for (i = 0; i < n; i++) {
		json_t *row = json_pack("{s:s, s:s, s:I, s:o}", "user", uid,
		    "lapse", cw_lapse_kind_name(l[i].kind), "at",
		    (json_int_t)l[i].at, "loses", losses(p, uid, l, n, i,
		    &more));

		if (row != NULL && l[i].role != NULL)
			json_object_set_new(row, "role", json_string(l[i].role));
		if (row != NULL && more > 0)
			json_object_set_new(row, "loses_more",
			    json_integer((json_int_t)more));
		json_array_append_new(p->rows, row);
		p->bytes += ROW_BYTES;
	}
}

/*
 * One page of a query: fn over the people from the cursor on, its rows
 * under rows_key in an object that extra (a new reference, may be NULL)
 * opens, and the page's cursor, time and generation.
 */
static void
query(const struct cw_handler_ctx *h, const struct cw_request *req,
    struct cw_response *resp, void (*fn)(const char *, void *, void *),
    const char *rows_key, json_t *extra)
{
	struct page p = { h, req, (int64_t)time(NULL), json_array(), 0, 0 };
	size_t bucket, next;

	if (extra == NULL || p.rows == NULL || !have_data(h, resp) ||
	    page_start(req, &bucket, resp) < 0) {
		if (resp->status == CW_STATUS_OK)
			resp->status = CW_STATUS_INTERNAL;
		json_decref(p.rows);
		json_decref(extra);
		return;
	}
	next = fill_page(&p, bucket, fn);
	json_object_set_new(extra, rows_key, p.rows);
	finish_page(h, extra, next, p.now, resp);
}

void
cw_query_who(const struct cw_handler_ctx *h, const struct cw_request *req,
    struct cw_response *resp)
{
	query(h, req, resp, who_one, "people", json_pack("{s:s, s:s}",
	    "host_class", req->host_class, "mode", cw_mode_name(req->mode)));
}

void
cw_query_expiring(const struct cw_handler_ctx *h,
    const struct cw_request *req, struct cw_response *resp)
{
	query(h, req, resp, expiring_one, "lapses", json_pack("{s:I}",
	    "within", (json_int_t)req->within));
}
