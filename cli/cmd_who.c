/* SPDX-License-Identifier: MIT */
/*
 * cmd_who.c - clearwayctl who --host-class H [--mode login|admin]
 *
 * Who may log on to a host class now, and for everyone refused, the reason:
 * the decision of clearwayctl check for every person with a record (a
 * project extension of the contract's CLI, issue 17).  Any number of them:
 * fetched and printed page by page.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct who_out {
	const struct cli *cli;
	bool json;              /* cli->json when it began (cli_pages) */
	bool started;
	long long generation;   /* of the first page */
	bool changed;           /* a later page came from other data */
	size_t rows, allowed;
};

static int
who_page(const json_t *data, void *arg)
{
	struct who_out *w = arg;
	json_t *list = json_object_get(data, "people"), *r;
	long long gen = (long long)cli_json_integer(data, "generation");
	size_t i;
	char *s;

	if (!w->started) {
		w->generation = gen;
		if (w->json)
			printf("{\"host_class\":\"%s\",\"mode\":\"%s\","
			    "\"now\":%lld,\"people\":[",
			    cli_json_string(data, "host_class"),
			    cli_json_string(data, "mode"),
			    (long long)cli_json_integer(data, "now"));
		else
			printf("%-32s %-11s %s\n", "USER", "DECISION",
			    "REASON");
	}
	w->started = true;
	w->changed |= gen != w->generation;
	json_array_foreach(list, i, r) {
		const char *verdict = cli_json_string(r, "verdict");

		w->allowed += strcmp(verdict, "allow") == 0;
		if (!w->json) {
			printf("%-32s %-11s %s\n", cli_json_string(r, "user"),
			    verdict, cli_json_string(r, "reason"));
		} else if ((s = json_dumps(r, JSON_COMPACT)) != NULL) {
			printf("%s%s", w->rows > 0 ? "," : "", s);
			free(s);
		} else {
			return cli_fail(w->cli, CW_EXIT_UNREACHABLE, "out of "
			    "memory");
		}
		w->rows++;
	}
	return CW_EXIT_OK;
}

static int
run_who(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host-class", required_argument, NULL, 'H' },
		{ "mode", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	struct who_out w = { cli, cli->json, false, 0, false, 0, 0 };
	const char *host_class = NULL, *mode = "login";
	struct cw_request req;
	int ch, rc;

	memset(&req, 0, sizeof(req));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch == 'H')
			host_class = optarg;
		else if (ch == 'm')
			mode = optarg;
		else
			return cli_option_error(&cmd_who, ch, argv);
	}
	if (optind != argc)
		return cli_usage_error(&cmd_who, "unexpected argument '%s'",
		    argv[optind]);
	if (host_class == NULL)
		return cli_usage_error(&cmd_who, "--host-class is required");
	if (!cw_object_name_valid(host_class, strlen(host_class)))
		return cli_usage_error(&cmd_who, "'%s' is not a valid host "
		    "class name", host_class);
	if (cw_mode_parse(mode, &req.mode) < 0)
		return cli_usage_error(&cmd_who, "--mode is login or admin, "
		    "not '%s'", mode);
	req.op = CW_OP_WHO;
	snprintf(req.host_class, sizeof(req.host_class), "%s", host_class);
	rc = cli_pages(cli, &req, who_page, &w);
	if (w.json && w.started)
		printf("]%s}\n", rc == CW_EXIT_OK && !w.changed ? "" :
		    ",\"complete\":false");
	else if (rc == CW_EXIT_OK && !w.json)
		printf("\n%zu people: %zu may log on, %zu refused\n", w.rows,
		    w.allowed, w.rows - w.allowed);
	/* To stderr only: with --json the document, already out, says
	 * "complete": false. */
	if (rc == CW_EXIT_OK && w.changed) {
		fprintf(stderr, "clearwayctl: the policy data changed while "
		    "listing: someone may be missing or listed twice; run it "
		    "again\n");
		rc = CW_EXIT_NO;
	}
	if (fflush(stdout) != 0 && rc == CW_EXIT_OK)
		rc = cli_fail(cli, CW_EXIT_UNREACHABLE, "cannot write the "
		    "output");
	return rc;
}

const struct cli_command cmd_who = {
	.name = "who",
	.synopsis = "who --host-class H [--mode login|admin]",
	.summary = "everyone's decision on a host class now, with the reason",
	.help =
	    "Lists every person with a record and the decision a logon by them\n"
	    "on host class H would get now (the same as 'check' for each), with\n"
	    "the reason for everyone refused.  Any number of people: fetched and\n"
	    "printed page by page (--json: still one document).\n"
	    "\n"
	    "Who may: an approver or an auditor; root on this host.\n"
	    "\n"
	    "Example: clearwayctl who --host-class payments-db --mode admin\n"
	    "\n"
	    "Exit: 0, 1 the data changed while listing (run it again), 2 usage,\n"
	    "3 clearwayd unreachable or without policy data, 4 not permitted.\n",
	.run = run_who,
};
