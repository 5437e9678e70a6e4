/* SPDX-License-Identifier: MIT */
/*
 * cmd_report.c - clearwayctl report --month YYYY-MM
 *     [--format text|json|csv|html]
 *
 * The evidence for contract Annex 1, 6.5: every revocation requested in
 * the month with when it was requested, due and done, how long it took,
 * each step's outcome, and whether the deadline was met; then (text,
 * json, html) the month's access requests: who asked for which role,
 * who approved or rejected them, when.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "duration.h"
#include "isotime.h"
#include "report_html.h"

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV, FORMAT_HTML };

static const char *
time_text(int64_t t, char buf[CW_ISO8601_BUFSZ])
{
	if (t <= 0 || cw_iso8601_format_utc(t, buf) < 0)
		return "";
	return buf;
}

static const char *
met_text(const json_t *r)
{
	json_t *m = json_object_get(r, "met");

	return json_is_true(m) ? "met" : json_is_false(m) ? "MISSED" : "open";
}

/* Steps as "lock_ldap=done;end_sessions@h1=failed:..." */
static void
steps_text(const json_t *r, char *buf, size_t len)
{
	json_t *steps = json_object_get(r, "steps"), *s;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach(steps, i, s) {
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s=%s",
		    i ? ";" : "", cli_json_string(s, "name"),
		    cli_json_string(s, "outcome"));
		if (n >= len)
			break;
	}
}

static void
print_csv(const json_t *list)
{
	char req[CW_ISO8601_BUFSZ], due[CW_ISO8601_BUFSZ];
	char done[CW_ISO8601_BUFSZ], eff[CW_ISO8601_BUFSZ];
	char elapsed[32], steps[1024];
	json_t *r;
	size_t i;

	json_array_foreach(list, i, r) {
		snprintf(elapsed, sizeof(elapsed), "%lld",
		    (long long)cli_json_integer(r, "elapsed_s"));
		steps_text(r, steps, sizeof(steps));
		cli_csv_field(cli_json_string(r, "id"), false);
		cli_csv_field(cli_json_string(r, "user"), false);
		cli_csv_field(cli_json_string(r, "kind"), false);
		cli_csv_field(cli_json_string(r, "actor"), false);
		cli_csv_field(cli_json_string(r, "reason"), false);
		cli_csv_field(time_text(cli_json_integer(r, "requested_at"), req),
		    false);
		cli_csv_field(time_text(cli_json_integer(r, "effective_at"), eff),
		    false);
		cli_csv_field(time_text(cli_json_integer(r, "deadline"), due), false);
		cli_csv_field(time_text(cli_json_integer(r, "completed_at"), done),
		    false);
		cli_csv_field(cli_json_integer(r, "completed_at") > 0 ? elapsed : "",
		    false);
		cli_csv_field(met_text(r), false);
		cli_csv_field(cli_json_string(r, "state"), false);
		cli_csv_field(steps, true);
	}
}

/* What the pages have printed so far. */
struct report_out {
	const struct cli *cli;
	enum format format;
	const char *month;
	bool started;           /* the heading, header or document head */
	size_t rows, met, missed, open;
	size_t requests;                /* access requests listed */
	bool revocations_done;          /* every page of them came */
	struct report_html *html;       /* FORMAT_HTML */
};

static void
print_text(struct report_out *o, const json_t *list)
{
	char req[CW_ISO8601_BUFSZ], due[CW_ISO8601_BUFSZ];
	char done[CW_ISO8601_BUFSZ], took[32], steps[1024];
	size_t i;
	json_t *r;

	json_array_foreach(list, i, r) {
		int64_t elapsed = cli_json_integer(r, "elapsed_s");

		took[0] = '\0';
		if (cli_json_integer(r, "completed_at") > 0)
			cw_duration_format(elapsed > 0 ? elapsed : 1, took,
			    sizeof(took));
		steps_text(r, steps, sizeof(steps));
		printf("%s  %s %s by %s: %s\n", cli_json_string(r, "id"),
		    cli_json_string(r, "kind"), cli_json_string(r, "user"),
		    cli_json_string(r, "actor"), cli_json_string(r, "reason"));
		printf("    requested %s  due %s  done %s%s%s  [%s]\n",
		    time_text(cli_json_integer(r, "requested_at"), req),
		    time_text(cli_json_integer(r, "deadline"), due),
		    *time_text(cli_json_integer(r, "completed_at"), done) ?
		    done : "-", took[0] ? " after " : "", took, met_text(r));
		if (steps[0] != '\0')
			printf("    steps: %s\n", steps);
		if (strcmp(met_text(r), "met") == 0)
			o->met++;
		else if (strcmp(met_text(r), "MISSED") == 0)
			o->missed++;
		else
			o->open++;
	}
}

/* One page's rows, printed as they come, in the chosen format. */
static int
report_page(const json_t *data, void *arg)
{
	struct report_out *o = arg;
	json_t *list = json_object_get(data, "revocations"), *r;
	size_t i;
	char *s;

	if (!o->started) {
		o->started = true;
		if (o->format == FORMAT_JSON)
			printf("{\"month\":\"%s\",\"now\":%lld,"
			    "\"revocations\":[", o->month,
			    (long long)cli_json_integer(data, "now"));
		else if (o->format == FORMAT_CSV)
			printf("id,user,kind,actor,reason,requested,effective,"
			    "deadline,completed,elapsed_s,met,state,steps\n");
		else if (o->format == FORMAT_HTML &&
		    (o->html = report_html_begin(o->month,
		    cli_json_integer(data, "now"))) == NULL)
			return cli_fail(o->cli, CW_EXIT_UNREACHABLE,
			    "out of memory");
		else if (o->format == FORMAT_TEXT)
			printf("Revocations requested in %s (times UTC)\n\n",
			    o->month);
	}
	if (o->format == FORMAT_CSV)
		print_csv(list);
	else if (o->format == FORMAT_HTML) {
		if (report_html_rows(o->html, list) < 0)
			return cli_fail(o->cli, CW_EXIT_UNREACHABLE,
			    "out of memory");
	} else if (o->format == FORMAT_TEXT)
		print_text(o, list);
	else {
		json_array_foreach(list, i, r) {
			if ((s = json_dumps(r, JSON_COMPACT)) == NULL)
				return cli_fail(o->cli, CW_EXIT_UNREACHABLE,
				    "out of memory");
			printf("%s%s", o->rows + i > 0 ? "," : "", s);
			free(s);
		}
	}
	o->rows += json_array_size(list);
	return CW_EXIT_OK;
}

/* One access request, as text: who asked, for what, and the answer. */
static void
print_request_text(const json_t *r)
{
	char asked[CW_ISO8601_BUFSZ], answered[CW_ISO8601_BUFSZ];
	char len[32], buf[CW_REASON_TEXT_MAX + 1];
	const char *state = cli_json_string(r, "state");

	if (cw_duration_format(cli_json_integer(r, "duration"), len,
	    sizeof(len)) < 0)
		snprintf(len, sizeof(len), "?");
	cli_clean_text(cli_json_string(r, "reason"), buf, sizeof(buf));
	printf("request %s  %s asked for %s for %s at %s: %s\n",
	    cli_json_string(r, "id"), cli_json_string(r, "user"),
	    cli_json_string(r, "role"), len,
	    time_text(cli_json_integer(r, "created"), asked), buf);
	cli_clean_text(cli_json_string(r, "note"), buf, sizeof(buf));
	if (state != NULL && strcmp(state, "pending") == 0)
		printf("    pending\n");
	else
		printf("    %s by %s at %s%s%s\n", state ? state : "?",
		    cli_json_string(r, "by"),
		    time_text(cli_json_integer(r, "answered"), answered),
		    buf[0] ? ": " : "", buf);
}

/* One page of the month's access requests, in the chosen format. */
static int
request_page(const json_t *data, void *arg)
{
	struct report_out *o = arg;
	json_t *list = json_object_get(data, "requests"), *r;
	size_t i;
	char *s;

	if (o->format == FORMAT_HTML)
		return report_html_requests(o->html, list) < 0 ?
		    CW_EXIT_UNREACHABLE : CW_EXIT_OK;
	json_array_foreach(list, i, r) {
		if (o->format == FORMAT_TEXT) {
			print_request_text(r);
		} else {
			if ((s = json_dumps(r, JSON_COMPACT)) == NULL)
				return CW_EXIT_UNREACHABLE;
			printf("%s%s", o->requests > 0 ? "," : "", s);
			free(s);
		}
		o->requests++;
	}
	return CW_EXIT_OK;
}

/*
 * The month's access-request log, after the revocations (text, json,
 * html; csv stays one table of revocations).  An exit code.
 */
static int
request_log(struct cli *cli, struct report_out *o)
{
	struct cw_request req;
	bool json = cli->json;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = CW_OP_REQUESTS;
	snprintf(req.month, sizeof(req.month), "%s", o->month);
	snprintf(req.state, sizeof(req.state), "any");
	if (o->format == FORMAT_TEXT)
		printf("\nAccess requests filed in %s (times UTC)\n\n",
		    o->month);
	else if (o->format == FORMAT_JSON)
		printf(",\"access_requests\":[");
	else if (o->format == FORMAT_HTML)
		report_html_requests_begin(o->html);
	/* stdout holds the document: a failure goes to stderr only. */
	cli->json = false;
	rc = cli_pages(cli, &req, request_page, o);
	cli->json = json;
	if (o->format == FORMAT_JSON)
		printf("]");
	else if (o->format == FORMAT_TEXT)
		printf("\n%zu access requests%s\n", o->requests,
		    rc == CW_EXIT_OK ? "" : " (incomplete)");
	return rc;
}

static int
run_report(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "month", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char *month = NULL, *fmt = NULL;
	enum format format = cli->json ? FORMAT_JSON : FORMAT_TEXT;
	struct report_out o;
	struct cw_request req;
	int ch, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch == 'm')
			month = optarg;
		else if (ch == 'f')
			fmt = optarg;
		else
			return cli_option_error(&cmd_report, ch, argv);
	}
	if (optind != argc)
		return cli_usage_error(&cmd_report, "unexpected argument '%s'",
		    argv[optind]);
	if (month == NULL)
		return cli_usage_error(&cmd_report, "--month YYYY-MM is "
		    "required");
	if (fmt != NULL) {
		if (strcmp(fmt, "text") == 0)
			format = FORMAT_TEXT;
		else if (strcmp(fmt, "json") == 0)
			format = FORMAT_JSON;
		else if (strcmp(fmt, "csv") == 0)
			format = FORMAT_CSV;
		else if (strcmp(fmt, "html") == 0)
			format = FORMAT_HTML;
		else
			return cli_usage_error(&cmd_report, "--format is text, "
			    "json, csv or html, not '%s'", fmt);
	}
	memset(&req, 0, sizeof(req));
	req.op = CW_OP_REPORT;
	snprintf(req.month, sizeof(req.month), "%.7s", month);
	if (strlen(month) != 7)
		return cli_usage_error(&cmd_report, "--month '%s' is not "
		    "YYYY-MM", month);
	memset(&o, 0, sizeof(o));
	o.cli = cli;
	o.format = format;
	o.month = req.month;
	rc = cli_pages(cli, &req, report_page, &o);
	o.revocations_done = rc == CW_EXIT_OK;
	if (o.started && format == FORMAT_JSON)
		printf("]");
	else if (o.started && format == FORMAT_TEXT && rc != CW_EXIT_OK)
		printf("\n(incomplete: %zu revocations listed)\n", o.rows);
	if (rc == CW_EXIT_OK && o.started && format != FORMAT_CSV)
		rc = request_log(cli, &o);
	/* The revocations' summary stays the text's last line, also when
	 * the request log after them failed (the exit code says so). */
	if (o.started && format == FORMAT_TEXT && o.revocations_done)
		printf("%zu revocations: %zu met, %zu missed, %zu open\n",
		    o.rows, o.met, o.missed, o.open);
	if (o.html != NULL)
		report_html_end(o.html, cli, rc == CW_EXIT_OK);
	else if (o.started && format == FORMAT_JSON)
		/* One document even when a later page failed: it says so. */
		printf("%s}\n", rc == CW_EXIT_OK ? "" : ",\"complete\":false");
	if (fflush(stdout) != 0 && rc == CW_EXIT_OK)
		rc = cli_fail(cli, CW_EXIT_UNREACHABLE, "cannot write the "
		    "output");
	return rc;
}

const struct cli_command cmd_report = {
	.name = "report",
	.synopsis = "report --month YYYY-MM [--format text|json|csv|html]",
	.summary = "every revocation of a month: requested, due, done, met",
	.help =
	    "Lists every revocation requested in the month (Europe/London) with\n"
	    "when it was requested, its deadline, when it was completed, how long\n"
	    "it took, each step's outcome, and whether the deadline was met: the\n"
	    "evidence for Annex 1, 6.5.  Any number of them: fetched and printed\n"
	    "page by page (json: still one document; csv: one header).\n"
	    "html is the evidence pack: one self-contained file with totals, a\n"
	    "chart of each revocation's time to complete against its deadline,\n"
	    "every revocation, the month's access requests, and the audit\n"
	    "chain's verification (when this user may read the trail: root on\n"
	    "the writer host).  text, json and html also list the month's access\n"
	    "requests (clearwayctl request): who asked for what, who approved\n"
	    "or rejected it and when, or that it expired.\n"
	    "\n"
	    "Who may: an approver or an auditor; root on this host.\n"
	    "\n"
	    "Example: clearwayctl report --month 2026-11 --format csv\n"
	    "         clearwayctl report --month 2026-11 --format html > 2026-11.html\n"
	    "\n"
	    "Exit: 0, 2 usage, 3 clearwayd unreachable, 4 not permitted.\n",
	.run = run_report,
};
