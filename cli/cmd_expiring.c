/* SPDX-License-Identifier: MIT */
/*
 * cmd_expiring.c - clearwayctl expiring --within DURATION
 *     [--format text|json|csv]
 *
 * The forecast (a project extension of the contract's CLI, issue 17): each
 * clearance expiry, training lapse, right-to-work expiry, leaving date and
 * elevation end within the window, and the host classes whose access it
 * ends (core/forecast.h), earliest first.  The PAM training notice warns
 * the person; this tells their manager.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "duration.h"
#include "isotime.h"

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV };

/* Gathers every page's rows: sorted by time once all are in. */
static int
gather(const json_t *data, void *arg)
{
	json_t *all = arg;

	if (json_array_extend(all, json_object_get(data, "lapses")) < 0)
		return CW_EXIT_UNREACHABLE;
	return CW_EXIT_OK;
}

static int
by_time(const void *a, const void *b)
{
	json_int_t x = cli_json_integer(*(json_t *const *)a, "at");
	json_int_t y = cli_json_integer(*(json_t *const *)b, "at");
	int c = (x > y) - (x < y);

	return c != 0 ? c : strcmp(cli_json_string(*(json_t *const *)a,
	    "user"), cli_json_string(*(json_t *const *)b, "user"));
}

/* "payments-db (clearance_expired); web (clearance_expired)" */
static void
losses_text(const json_t *r, const char *sep, char *buf, size_t len)
{
	json_t *l = json_object_get(r, "loses"), *x;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach(l, i, x) {
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s (%s)",
		    i ? sep : "", cli_json_string(x, "host_class"),
		    cli_json_string(x, "reason"));
		if (n >= len)
			return;
	}
	if (cli_json_integer(r, "loses_more") > 0)
		snprintf(buf + n, n < len ? len - n : 0, "%s%lld more", sep,
		    (long long)cli_json_integer(r, "loses_more"));
}

static void
print_rows(json_t **rows, size_t n, enum format format)
{
	char at[CW_ISO8601_BUFSZ], lost[4096];
	size_t i;
	char *s;

	if (format == FORMAT_CSV)
		printf("at,user,lapse,role,loses\n");
	for (i = 0; i < n; i++) {
		if (format == FORMAT_JSON) {
			s = json_dumps(rows[i], JSON_COMPACT);
			printf("%s%s", i ? "," : "", s != NULL ? s : "null");
			free(s);
			continue;
		}
		if (cw_iso8601_format_utc(cli_json_integer(rows[i], "at"),
		    at) < 0)
			snprintf(at, sizeof(at), "?");
		losses_text(rows[i], format == FORMAT_CSV ? ";" : ", ", lost,
		    sizeof(lost));
		if (format == FORMAT_CSV) {
			cli_csv_field(at, false);
			cli_csv_field(cli_json_string(rows[i], "user"), false);
			cli_csv_field(cli_json_string(rows[i], "lapse"), false);
			cli_csv_field(cli_json_string(rows[i], "role"), false);
			cli_csv_field(lost, true);
		} else {
			printf("%s  %-20s %-21s loses %s\n", at,
			    cli_json_string(rows[i], "user"),
			    cli_json_string(rows[i], "lapse"),
			    lost[0] ? lost : "no access (none held here, or "
			    "lost earlier)");
		}
	}
}

static int
parse_args(int argc, char **argv, int64_t *within, enum format *format)
{
	static const struct option longopts[] = {
		{ "within", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char *w = NULL, *f = NULL;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch == 'w')
			w = optarg;
		else if (ch == 'f')
			f = optarg;
		else
			return cli_option_error(&cmd_expiring, ch, argv);
	}
	if (optind != argc)
		return cli_usage_error(&cmd_expiring, "unexpected argument "
		    "'%s'", argv[optind]);
	if (w == NULL)
		return cli_usage_error(&cmd_expiring, "--within DURATION is "
		    "required (e.g. 30d)");
	if (cw_duration_parse(w, strlen(w), within) != CW_DURATION_OK)
		return cli_usage_error(&cmd_expiring, "--within '%s' is not a "
		    "duration: %s", w, CW_DURATION_FORMS);
	if (f == NULL || strcmp(f, "text") == 0)
		return CW_EXIT_OK;
	if (strcmp(f, "json") == 0)
		*format = FORMAT_JSON;
	else if (strcmp(f, "csv") == 0)
		*format = FORMAT_CSV;
	else
		return cli_usage_error(&cmd_expiring, "--format is text, json "
		    "or csv, not '%s'", f);
	return CW_EXIT_OK;
}

static int
run_expiring(struct cli *cli, int argc, char **argv)
{
	enum format format = cli->json ? FORMAT_JSON : FORMAT_TEXT;
	json_t *all = json_array(), **rows = NULL, *r;
	struct cw_request req;
	size_t i, n;
	int rc;

	memset(&req, 0, sizeof(req));
	if (all == NULL)
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "out of memory");
	if ((rc = parse_args(argc, argv, &req.within, &format)) != CW_EXIT_OK)
		goto out;
	req.op = CW_OP_EXPIRING;
	if ((rc = cli_pages(cli, &req, gather, all)) != CW_EXIT_OK)
		goto out;
	n = json_array_size(all);
	if (n > 0 && (rows = calloc(n, sizeof(*rows))) == NULL) {
		rc = cli_fail(cli, CW_EXIT_UNREACHABLE, "out of memory");
		goto out;
	}
	json_array_foreach(all, i, r)
		rows[i] = r;
	if (n > 0)
		qsort(rows, n, sizeof(*rows), by_time);
	if (format == FORMAT_JSON)
		printf("{\"within\":%lld,\"lapses\":[", (long long)req.within);
	print_rows(rows, n, format);
	if (format == FORMAT_JSON)
		printf("]}\n");
	else if (format == FORMAT_TEXT && n == 0)
		printf("nothing lapses within the window\n");
	if (fflush(stdout) != 0)
		rc = cli_fail(cli, CW_EXIT_UNREACHABLE, "cannot write the "
		    "output");
out:
	free(rows);
	json_decref(all);
	return rc;
}

const struct cli_command cmd_expiring = {
	.name = "expiring",
	.synopsis = "expiring --within DURATION [--format text|json|csv]",
	.summary = "whose clearance, training, right to work or role lapses soon",
	.help =
	    "Lists each clearance expiry, training lapse (cwTrainingCompleted\n"
	    "plus training_validity_days), right-to-work expiry, leaving date and\n"
	    "elevation end within DURATION from now, earliest first, with the\n"
	    "host classes whose login access it ends and the reason they will\n"
	    "give: the same answer 'check --at' gives at that instant.\n"
	    "\n"
	    "Who may: HR, an approver or an auditor; root on this host.\n"
	    "\n"
	    "Example: clearwayctl expiring --within 30d --format csv\n"
	    "\n"
	    "Exit: 0, 2 usage, 3 clearwayd unreachable or without policy data,\n"
	    "4 not permitted.\n",
	.run = run_expiring,
};
