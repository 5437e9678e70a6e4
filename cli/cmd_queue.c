/*
 * cmd_queue.c - clearwayctl queue
 *
 * Every revocation not yet done: who, why, its deadline and the time left,
 * flagged when past the warning point or the deadline itself.
 */
#include <stdio.h>
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

static int
run_queue(struct cli *cli, int argc, char **argv)
{
	struct cw_response resp;
	struct cw_request req;
	json_t *data = NULL, *list;
	size_t i;
	int rc;

	(void)argv;
	if (argc != 1)
		return cli_usage_error(&cmd_queue, "queue takes no arguments");
	memset(&req, 0, sizeof(req));
	req.op = CW_OP_QUEUE;
	if ((rc = cli_call(cli, &req, &resp)) != CW_EXIT_OK ||
	    (rc = cli_response_data(cli, &resp, &data)) != CW_EXIT_OK)
		return rc;
	if (cli->json) {
		rc = cli_print_json(cli, data);
		json_decref(data);
		return rc;
	}
	list = json_object_get(data, "pending");
	if (json_array_size(list) == 0)
		printf("no pending revocations\n");
	else
		printf("%-34s %-12s %-9s %-9s %-20s %-9s %s\n", "ID", "USER",
		    "KIND", "STATE", "DEADLINE (UTC)", "LEFT", "");
	for (i = 0; i < json_array_size(list); i++)
		print_row(json_array_get(list, i),
		    cli_json_integer(data, "now"));
	json_decref(data);
	return CW_EXIT_OK;
}

const struct cli_command cmd_queue = {
	.name = "queue",
	.synopsis = "queue",
	.summary = "pending revocations with their deadlines and time left",
	.help =
	    "Lists every revocation not yet completed (scheduled, queued, or\n"
	    "dead-lettered after repeated failures), with its deadline and the\n"
	    "time left; 'warning' past the configured warning point of its\n"
	    "window, 'missed' past the deadline.\n"
	    "\n"
	    "Who may: an approver, HR or an auditor; root on this host.\n"
	    "\n"
	    "Exit: 0, 3 clearwayd unreachable, 4 not permitted.\n",
	.run = run_queue,
};
