/* SPDX-License-Identifier: MIT */
/*
 * audit_query.c - the trail for auditors, through the daemon (see
 * audit_query.h).  The worker reads the files with the daemon's rights,
 * so the auditor needs no access to them; what leaves is exactly what
 * `clearwayctl audit` prints as root, so a verifier can still check each
 * record's MAC.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "control/audit_query.h"

/* What a host that is not the writer says (it has no trail). */
#define NO_TRAIL "this host keeps no audit trail: ask the daemon on the " \
	"writer host"

static void
refuse(struct cw_response *resp, enum cw_status st, const char *msg)
{
	resp->status = st;
	snprintf(resp->message, sizeof(resp->message), "%s", msg);
}

static void
verify(const struct cw_config *cfg, struct cw_response *resp)
{
	struct cw_audit_verify_options opt;
	struct cw_audit_verify_report *r = malloc(sizeof(*r));

	if (r == NULL) {
		refuse(resp, CW_STATUS_INTERNAL, "out of memory");
		return;
	}
	memset(&opt, 0, sizeof(opt));
	opt.dir = cfg->audit.directory;
	opt.key_dir = cfg->audit.key_dir;
	(void)cw_audit_verify_dir(&opt, r);
	if (r->files == 0 && r->problem.sys_errno == ENOENT)
		refuse(resp, CW_STATUS_REFUSED, NO_TRAIL);
	else
		resp->data = cw_audit_verify_report_json(r);
	if (resp->status == CW_STATUS_OK && resp->data == NULL)
		refuse(resp, CW_STATUS_INTERNAL, "out of memory");
	free(r);
}

/* "<day>:<line>" -> cursor; "" is the start. */
static int
parse_cursor(const char *s, struct cw_audit_cursor *cur)
{
	char *end;

	memset(cur, 0, sizeof(*cur));
	if (s[0] == '\0')
		return 0;
	errno = 0;
	cur->day = strtoll(s, &end, 10);
	if (errno != 0 || *end != ':' || cur->day < 0)
		return -1;
	cur->line = strtoul(end + 1, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* Builds the filter the request names; -1 for an unknown type. */
static int
filter_of(const struct cw_request *r, struct cw_audit_filter *f)
{
	enum cw_audit_type t;

	f->since_us = r->since > 0 ? r->since * 1000000 : INT64_MIN;
	f->until_us = r->until > 0 ? r->until * 1000000 : INT64_MAX;
	f->user = r->user[0] != '\0' ? r->user : NULL;
	f->host = r->host[0] != '\0' ? r->host : NULL;
	f->type = -1;
	if (r->audit_type[0] == '\0')
		return 0;
	if (cw_audit_type_parse(r->audit_type, &t) < 0)
		return -1;
	f->type = (int)t;
	return 0;
}

static void
export_page(const struct cw_config *cfg, const struct cw_request *r,
    struct cw_response *resp)
{
	struct cw_audit_export_result res;
	struct cw_audit_filter f;
	struct cw_audit_cursor cur;
	char err[256], next[48];
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	json_t *o;
	int rc, why;

	if (parse_cursor(r->after, &cur) < 0 || filter_of(r, &f) < 0) {
		refuse(resp, CW_STATUS_BAD_REQUEST, "bad page cursor or "
		    "unknown record type");
		return;
	}
	if ((mem = open_memstream(&text, &len)) == NULL) {
		refuse(resp, CW_STATUS_INTERNAL, "out of memory");
		return;
	}
	rc = cw_audit_export_page(cfg->audit.directory, &f, r->csv ?
	    CW_AUDIT_FORMAT_CSV : CW_AUDIT_FORMAT_JSONL, mem, &cur,
	    CW_AUDIT_PAGE_BYTES, &res, err, sizeof(err));
	why = errno;            /* before fclose() may change it */
	fclose(mem);
	if (rc < 0) {
		refuse(resp, CW_STATUS_REFUSED, why == ENOENT ? NO_TRAIL : err);
		goto out;
	}
	o = json_pack("{s:s%, s:I, s:I}", "text", text, len, "records",
	    (json_int_t)res.records, "skipped", (json_int_t)res.skipped);
	if (o != NULL && !cur.done) {
		snprintf(next, sizeof(next), "%" PRId64 ":%lu", cur.day,
		    cur.line);
		json_object_set_new(o, "next", json_string(next));
	}
	resp->data = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (resp->data == NULL)
		refuse(resp, CW_STATUS_INTERNAL, "out of memory");
out:
	free(text);
}

void
cw_audit_query(const struct cw_config *cfg, const struct cw_control_job *j,
    struct cw_response *resp)
{
	if (j->req.op == CW_OP_AUDIT_VERIFY)
		verify(cfg, resp);
	else
		export_page(cfg, &j->req, resp);
}
