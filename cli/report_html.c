/* SPDX-License-Identifier: MIT */
/*
 * report_html.c - the evidence pack (see report_html.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "isotime.h"
#include "report_html.h"

#define CHART_W 760
#define CHART_H 260
#define CHART_LEFT 56
#define CHART_BOTTOM 36
#define CHART_TOP 16

struct point {
	double taken_h;         /* hours from effect to done (or to now) */
	double window_h;        /* hours from effect to the deadline */
	char state;             /* 'm' met, 'x' missed, 'o' open */
};

struct report_html {
	char month[8];
	int64_t now;
	struct point *pts;
	size_t n, cap;
	size_t met, missed, open;
	bool requests;          /* the request log's table is the open one */
	size_t nrequests;
};

/* Writes s with the five HTML-special characters escaped. */
static void
esc(const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", stdout); break;
		case '<': fputs("&lt;", stdout); break;
		case '>': fputs("&gt;", stdout); break;
		case '"': fputs("&quot;", stdout); break;
		case '\'': fputs("&#39;", stdout); break;
		default: putchar(*s);
		}
	}
}

static const char *
when(int64_t t, char buf[CW_ISO8601_BUFSZ])
{
	if (t <= 0 || cw_iso8601_format_utc(t, buf) < 0)
		return "-";
	return buf;
}

static const char style[] =
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}"
    "table{border-collapse:collapse;font-size:.8em;max-width:100%}"
    "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left}"
    "th{background:#eee}.met{color:#2e7d32}.missed{color:#c62828;"
    "font-weight:bold}.open{color:#666}.ok{color:#2e7d32}"
    ".bad{color:#c62828;font-weight:bold}";

struct report_html *
report_html_begin(const char *month, int64_t now)
{
	struct report_html *h = calloc(1, sizeof(*h));
	char at[CW_ISO8601_BUFSZ];

	if (h == NULL)
		return NULL;
	snprintf(h->month, sizeof(h->month), "%s", month);
	h->now = now;
	printf("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>Clearway evidence pack %s</title><style>%s</style></head>"
	    "<body>\n<h1>Clearway evidence pack: revocations requested in %s"
	    "</h1>\n<p>Produced %s UTC by <code>clearwayctl report --month "
	    "%s --format html</code>. Contract Annex 1, 6.5: leavers' and "
	    "unneeded elevated rights revoked within one working day.</p>\n"
	    "<p><a href=\"#totals\">Totals</a> &middot; <a href=\"#chart\">"
	    "Time to revoke</a> &middot; <a href=\"#requests\">Access "
	    "requests</a> &middot; <a href=\"#trail\">Audit trail</a>"
	    "</p>\n<h2 id=\"revocations\">Every revocation</h2>\n<table>"
	    "<tr><th>id</th><th>user</th><th>kind</th><th>filed by</th>"
	    "<th>reason</th><th>requested</th><th>due</th><th>done</th>"
	    "<th>deadline</th><th>state</th></tr>\n", h->month, style,
	    h->month, when(now, at), h->month);
	return h;
}

/* Keeps the chart's point for r. */
static int
keep_point(struct report_html *h, const json_t *r, char state)
{
	int64_t eff = cli_json_integer(r, "effective_at");
	int64_t due = cli_json_integer(r, "deadline");
	int64_t done = cli_json_integer(r, "completed_at");
	struct point *p;

	if (eff <= 0)
		eff = cli_json_integer(r, "requested_at");
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;

		if ((p = realloc(h->pts, cap * sizeof(*p))) == NULL)
			return -1;
		h->pts = p;
		h->cap = cap;
	}
	p = &h->pts[h->n++];
	p->taken_h = (double)((done > 0 ? done : h->now) - eff) / 3600.0;
	p->window_h = (double)(due - eff) / 3600.0;
	if (p->taken_h < 0)
		p->taken_h = 0;
	if (p->window_h < 0)
		p->window_h = 0;
	p->state = state;
	return 0;
}

int
report_html_rows(struct report_html *h, const json_t *list)
{
	char req[CW_ISO8601_BUFSZ], due[CW_ISO8601_BUFSZ];
	char done[CW_ISO8601_BUFSZ];
	const json_t *met;
	const char *cls, *label;
	char state;
	json_t *r;
	size_t i;

	json_array_foreach(list, i, r) {
		met = json_object_get(r, "met");
		state = json_is_true(met) ? 'm' : json_is_false(met) ? 'x' : 'o';
		cls = state == 'm' ? "met" : state == 'x' ? "missed" : "open";
		label = state == 'm' ? "met" : state == 'x' ? "MISSED" : "open";
		printf("<tr><td>");
		esc(cli_json_string(r, "id"));
		printf("</td><td>");
		esc(cli_json_string(r, "user"));
		printf("</td><td>");
		esc(cli_json_string(r, "kind"));
		printf("</td><td>");
		esc(cli_json_string(r, "actor"));
		printf("</td><td>");
		esc(cli_json_string(r, "reason"));
		printf("</td><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">"
		    "%s</td><td>", when(cli_json_integer(r, "requested_at"), req),
		    when(cli_json_integer(r, "deadline"), due),
		    when(cli_json_integer(r, "completed_at"), done), cls, label);
		esc(cli_json_string(r, "state"));
		printf("</td></tr>\n");
		if (keep_point(h, r, state) < 0)
			return -1;
		if (state == 'm')
			h->met++;
		else if (state == 'x')
			h->missed++;
		else
			h->open++;
	}
	return 0;
}

static const char *
state_colour(char state)
{
	return state == 'm' ? "#2e7d32" : state == 'x' ? "#c62828" : "#9e9e9e";
}

/* The chart: a bar per revocation (time from effect to done, or to now
 * while open) and a black tick at its deadline, on one hour scale. */
static void
chart(const struct report_html *h)
{
	double top = 1, plot_w = CHART_W - CHART_LEFT - 8;
	double plot_h = CHART_H - CHART_TOP - CHART_BOTTOM, slot, bw;
	size_t i;
	int g;

	for (i = 0; i < h->n; i++) {
		if (h->pts[i].taken_h > top)
			top = h->pts[i].taken_h;
		if (h->pts[i].window_h > top)
			top = h->pts[i].window_h;
	}
	top *= 1.1;
	slot = h->n > 0 ? plot_w / (double)h->n : plot_w;
	bw = slot > 3 ? slot * 0.7 : slot;
	printf("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"time to revoke against the deadline\">\n",
	    CHART_W, CHART_H, CHART_W, CHART_H);
	for (g = 0; g <= 4; g++) {
		double y = CHART_TOP + plot_h - plot_h * g / 4.0;

		printf("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
		    "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
		    "font-size=\"11\" text-anchor=\"end\">%.1f h</text>\n",
		    CHART_LEFT, y, CHART_W - 8, y, CHART_LEFT - 4, y + 4,
		    top * g / 4.0);
	}
	for (i = 0; i < h->n; i++) {
		const struct point *p = &h->pts[i];
		double x = CHART_LEFT + slot * (double)i + (slot - bw) / 2;
		/* At least 2 px: a revocation done in seconds still shows. */
		double bh = plot_h * p->taken_h / top < 2 ? 2 :
		    plot_h * p->taken_h / top;
		double ty = CHART_TOP + plot_h - plot_h * p->window_h / top;

		printf("<rect class=\"bar-%c\" x=\"%.2f\" y=\"%.2f\" "
		    "width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>"
		    "<line class=\"due\" x1=\"%.2f\" y1=\"%.2f\" "
		    "x2=\"%.2f\" y2=\"%.2f\" stroke=\"#000\" "
		    "stroke-width=\"2\"/>\n", p->state, x,
		    CHART_TOP + plot_h - bh, bw, bh, state_colour(p->state),
		    x, ty, x + bw, ty);
	}
	printf("<text x=\"%d\" y=\"%d\" font-size=\"11\">each bar: one "
	    "revocation, effect to done (grey: still open, to now); black "
	    "tick: its deadline; green met, red missed</text>\n</svg>\n",
	    CHART_LEFT, CHART_H - 8);
}

/* The whole trail's chain, as clearwayctl audit verify checks it. */
static void
trail(struct cli *cli)
{
	struct cw_audit_verify_options opt;
	struct cw_audit_verify_report *r = malloc(sizeof(*r));

	printf("<h2 id=\"trail\">Audit trail</h2>\n");
	if (r == NULL || !cli->cfg_loaded) {
		printf("<p class=\"bad\">Not verified: %s.</p>\n", r == NULL ?
		    "out of memory" : "the configuration was not read");
		free(r);
		return;
	}
	memset(&opt, 0, sizeof(opt));
	opt.dir = cli->cfg.audit.directory;
	opt.key_dir = cli->cfg.audit.key_dir;
	(void)cw_audit_verify_dir(&opt, r);
	if (r->problem.kind == CW_AUDIT_INTACT) {
		printf("<p class=\"ok\">The HMAC chain is intact: %zu daily "
		    "files, %" PRIu64 " records (seq %" PRIu64 " to %" PRIu64
		    "), %zu key rotations, %zu retention removals. Last MAC "
		    "<code>%s</code>.</p>\n", r->files, r->records,
		    r->first_seq, r->last_seq, r->key_rotations,
		    r->retention_removals, r->last_mac);
	} else if (r->files == 0 && r->problem.sys_errno == ENOENT) {
		printf("<p class=\"bad\">Not verified: this host keeps no "
		    "audit trail (");
		esc(opt.dir);
		printf("); produce the pack on the writer host.</p>\n");
	} else if (r->problem.sys_errno == EACCES ||
	    r->problem.sys_errno == EPERM) {
		printf("<p class=\"bad\">Not verified: this user may not read "
		    "the trail or its keys; produce the pack as root on the "
		    "writer host.</p>\n");
	} else {
		printf("<p class=\"bad\">The chain is NOT intact: %s",
		    cw_audit_problem_name(r->problem.kind));
		if (r->problem.file[0] != '\0') {
			printf(" in ");
			esc(r->problem.file);
		}
		if (r->problem.line > 0)
			printf(" line %lu", r->problem.line);
		printf(": ");
		esc(r->problem.what);
		printf(".</p>\n");
	}
	free(r);
}

void
report_html_requests_begin(struct report_html *h)
{
	printf("</table>\n<h2 id=\"requests\">Access requests</h2>\n<p>Every "
	    "access request filed in %s (clearwayctl request): who asked for "
	    "which role and how long, and who approved or rejected it, or "
	    "that it expired unanswered.</p>\n<table><tr><th>id</th><th>user"
	    "</th><th>role</th><th>for</th><th>asked</th><th>state</th><th>"
	    "answered by</th><th>answered</th><th>reason; answer</th></tr>\n",
	    h->month);
	h->requests = true;
}

/* One cell of text, escaped. */
static void
cell(const char *s)
{
	printf("<td>");
	esc(s != NULL ? s : "");
	printf("</td>");
}

int
report_html_requests(struct report_html *h, const json_t *list)
{
	char asked[CW_ISO8601_BUFSZ], answered[CW_ISO8601_BUFSZ];
	char len[32];
	const char *note;
	json_t *r;
	size_t i;

	json_array_foreach(list, i, r) {
		snprintf(len, sizeof(len), "%llds",
		    (long long)cli_json_integer(r, "duration"));
		note = cli_json_string(r, "note");
		printf("<tr>");
		cell(cli_json_string(r, "id"));
		cell(cli_json_string(r, "user"));
		cell(cli_json_string(r, "role"));
		cell(len);
		cell(when(cli_json_integer(r, "created"), asked));
		cell(cli_json_string(r, "state"));
		cell(cli_json_string(r, "by"));
		cell(when(cli_json_integer(r, "answered"), answered));
		printf("<td>");
		esc(cli_json_string(r, "reason") ? cli_json_string(r,
		    "reason") : "");
		if (note != NULL && note[0] != '\0') {
			printf("; ");
			esc(note);
		}
		printf("</td></tr>\n");
		h->nrequests++;
	}
	return 0;
}

void
report_html_end(struct report_html *h, struct cli *cli, bool complete)
{
	size_t total = h->met + h->missed + h->open;

	printf("</table>\n");
	if (h->requests && !complete)
		printf("<p class=\"bad\">Incomplete: the daemon stopped "
		    "answering after %zu access requests.</p>\n", h->nrequests);
	if (!h->requests)
		printf("%s<h2 id=\"requests\">Access requests</h2>\n<p class="
		    "\"bad\">Not listed: the revocations could not all be "
		    "read.</p>\n", complete ? "" : "<p class=\"bad\">"
		    "Incomplete: the daemon stopped answering after the "
		    "revocations listed.</p>\n");
	printf("<h2 id=\"totals\">Totals</h2>\n<table><tr><th>revocations"
	    "</th><th>met</th><th>missed</th><th>open</th></tr><tr><td>%zu"
	    "</td><td class=\"met\">%zu</td><td class=\"missed\">%zu</td>"
	    "<td class=\"open\">%zu</td></tr></table>\n", total, h->met,
	    h->missed, h->open);
	printf("<h2 id=\"chart\">Time to revoke against the deadline</h2>\n");
	chart(h);
	trail(cli);
	printf("</body></html>\n");
	free(h->pts);
	free(h);
}
