/* SPDX-License-Identifier: MIT */
/*
 * cmd_queue.c - clearwayctl queue
 *
 * Every revocation not yet done: who, why, its deadline and the time left,
 * flagged when past the warning point or the deadline itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "duration.h"
#include "isotime.h"

static void
print_row(const json_t *r, int64_t now)
{
	char deadline[CW_ISO8601_BUFSZ] = "?", left[32] = "-";
	int64_t d = cli_json_integer(r, "deadline");
	const char *level = cli_json_string(r, "level");

	(void)cw_iso8601_format_utc(d, deadline);
	if (d > now)
		cw_duration_format(d - now, left, sizeof(left));
	else
		snprintf(left, sizeof(left), "OVERDUE");
	printf("%-34s %-12s %-9s %-9s %-20s %-9s %s\n",
	    cli_json_string(r, "id"), cli_json_string(r, "user"),
	    cli_json_string(r, "kind"), cli_json_string(r, "state"), deadline,
	    left, level != NULL ? level : "");
}

/* What the pages have printed so far. */
struct queue_out {
	const struct cli *cli;
	bool json;              /* cli->json when it began (cli_pages) */
	bool started;           /* a page came (with --json: the head is out) */
	size_t rows;
};

/* Prints one page's rows as they come: text, or members of one JSON array. */
static int
queue_page(const json_t *data, void *arg)
{
	struct queue_out *q = arg;
	json_t *list = json_object_get(data, "pending"), *r;
	int64_t now = cli_json_integer(data, "now");
	size_t i;
	char *s;

	if (!q->started && q->json)
		printf("{\"now\":%lld,\"pending\":[", (long long)now);
	q->started = true;
	json_array_foreach(list, i, r) {
		if (!q->json && q->rows == 0)
			printf("%-34s %-12s %-9s %-9s %-20s %-9s %s\n", "ID",
			    "USER", "KIND", "STATE", "DEADLINE (UTC)", "LEFT", "");
		if (!q->json) {
			print_row(r, now);
		} else if ((s = json_dumps(r, JSON_COMPACT)) != NULL) {
			printf("%s%s", q->rows > 0 ? "," : "", s);
			free(s);
		} else {
			return cli_fail(q->cli, CW_EXIT_UNREACHABLE, "out of "
			    "memory");
		}
		q->rows++;
	}
	return CW_EXIT_OK;
}

static int
run_queue(struct cli *cli, int argc, char **argv)
{
	struct queue_out q = { cli, cli->json, false, 0 };
	struct cw_request req;
	int rc;

	(void)argv;
	if (argc != 1)
		return cli_usage_error(&cmd_queue, "queue takes no arguments");
	memset(&req, 0, sizeof(req));
	req.op = CW_OP_QUEUE;
	rc = cli_pages(cli, &req, queue_page, &q);
	if (cli->json && q.started)
		/* One document even when a later page failed: it says so. */
		printf("]%s}\n", rc == CW_EXIT_OK ? "" : ",\"complete\":false");
	else if (rc == CW_EXIT_OK && q.rows == 0)
		printf("no pending revocations\n");
	if (fflush(stdout) != 0 && rc == CW_EXIT_OK)
		rc = cli_fail(cli, CW_EXIT_UNREACHABLE, "cannot write the "
		    "output");
	return rc;
}

const struct cli_command cmd_queue = {
	.name = "queue",
	.synopsis = "queue",
	.summary = "pending revocations with their deadlines and time left",
	.help =
	    "Lists every revocation not yet completed (scheduled, queued, or\n"
	    "dead-lettered after repeated failures), with its deadline and the\n"
	    "time left; 'warning' past the configured warning point of its\n"
	    "window, 'missed' past the deadline.  Any number of them: the list\n"
	    "is fetched and printed page by page (--json: still one document).\n"
	    "\n"
	    "Who may: an approver, HR or an auditor; root on this host.\n"
	    "\n"
	    "Exit: 0, 3 clearwayd unreachable, 4 not permitted.\n",
	.run = run_queue,
};
