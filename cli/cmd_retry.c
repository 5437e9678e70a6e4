/* SPDX-License-Identifier: MIT */
/*
 * cmd_retry.c - clearwayctl retry ID
 *
 * Queues a dead-lettered revocation again: one whose step kept failing
 * until the queue gave up on it (it is still owed, and still denies the
 * person).  The daemon audits the retry (revocation_retried).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* A revocation id as the queue makes them: [A-Za-z0-9._:-], 1..64. */
static bool
id_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= CW_REVID_MAX && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	    "._:-") == n;
}

static int
run_retry(struct cli *cli, int argc, char **argv)
{
	struct cw_request req;
	json_t *data = NULL;
	int rc;

	if (argc != 2)
		return cli_usage_error(&cmd_retry, "exactly one revocation ID "
		    "is needed");
	if (!id_valid(argv[1]))
		return cli_usage_error(&cmd_retry, "'%s' is not a revocation "
		    "id", argv[1]);
	memset(&req, 0, sizeof(req));
	req.op = CW_OP_RETRY;
	snprintf(req.id, sizeof(req.id), "%s", argv[1]);
	if ((rc = cli_call_data(cli, &req, &data)) != CW_EXIT_OK)
		return rc;
	if (cli->json)
		rc = cli_print_json(cli, data);
	else
		printf("revocation %s of %s queued again\n",
		    cli_json_string(data, "id"), cli_json_string(data, "user"));
	json_decref(data);
	return rc;
}

const struct cli_command cmd_retry = {
	.name = "retry",
	.synopsis = "retry ID",
	.summary = "queue a dead-lettered revocation again",
	.help =
	    "Queues revocation ID again after it was dead-lettered (a step kept\n"
	    "failing: 'dead' in clearwayctl queue).  Fix the cause first (LDAP\n"
	    "down, a group the schema will not empty); the steps already done are\n"
	    "not repeated.  The retry is audited (revocation_retried).\n"
	    "\n"
	    "Who may: an approver; root on this host.\n"
	    "\n"
	    "Example: clearwayctl retry r20261123T090000Z-0123456789ab\n"
	    "\n"
	    "Exit: 0 queued, 1 not dead-lettered or no such revocation, 2 usage,\n"
	    "3 clearwayd unreachable or the outcome unknown, 4 not permitted.\n",
	.run = run_retry,
};
