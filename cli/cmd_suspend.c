/* SPDX-License-Identifier: MIT */
/*
 * cmd_suspend.c - clearwayctl suspend USER --until TIME --reason TEXT
 *                 clearwayctl unsuspend USER --reason TEXT
 *
 * A suspension (a project extension of the contract's CLI, issue 17)
 * denies USER everywhere, with reason code "suspended", until TIME, and
 * ends by itself at that instant.  Unlike a leaver it runs no revocation
 * steps: the LDAP account, roles and elevations are left as they are.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "isotime.h"

static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
    struct cw_request *req)
{
	static const struct option longopts[] = {
		{ "until", required_argument, NULL, 'u' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char *until = NULL, *reason = NULL;
	int ch, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch == 'u' && req->op == CW_OP_SUSPEND)
			until = optarg;
		else if (ch == 'r')
			reason = optarg;
		else
			return cli_option_error(cmd, ch, argv);
	}
	if (optind + 1 != argc)
		return cli_usage_error(cmd, "exactly one USER needed");
	if (!cw_user_name_valid(argv[optind], strlen(argv[optind])))
		return cli_usage_error(cmd, "'%s' is not a valid user name",
		    argv[optind]);
	if (reason == NULL || strspn(reason, " ") == strlen(reason))
		return cli_usage_error(cmd, "--reason TEXT is required: say why "
		    "(it goes into the audit trail)");
	if (strlen(reason) > CW_REASON_TEXT_MAX)
		return cli_usage_error(cmd, "--reason is longer than %d "
		    "characters", CW_REASON_TEXT_MAX);
	if (req->op == CW_OP_SUSPEND && until == NULL)
		return cli_usage_error(cmd, "--until TIME is required");
	if (until != NULL && (rc = cli_parse_time(cmd, "--until", until,
	    &req->until)) != CW_EXIT_OK)
		return rc;
	snprintf(req->user, sizeof(req->user), "%s", argv[optind]);
	snprintf(req->reason, sizeof(req->reason), "%s", reason);
	return CW_EXIT_OK;
}

static int
run_request(const struct cli_command *cmd, enum cw_op op, struct cli *cli,
    int argc, char **argv)
{
	char until[CW_ISO8601_BUFSZ];
	struct cw_request req;
	json_t *data = NULL;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = op;
	if ((rc = parse_args(cmd, argc, argv, &req)) != CW_EXIT_OK ||
	    (rc = cli_call_data(cli, &req, &data)) != CW_EXIT_OK)
		return rc;
	if (cli->json && data != NULL)
		rc = cli_print_json(cli, data);
	else if (op == CW_OP_UNSUSPEND)
		printf("unsuspended %s\n", req.user);
	else if (cw_iso8601_format_utc(req.until, until) == 0)
		printf("suspended %s until %s: denied everywhere until then\n",
		    req.user, until);
	json_decref(data);
	return rc;
}

static int
run_suspend(struct cli *cli, int argc, char **argv)
{
	return run_request(&cmd_suspend, CW_OP_SUSPEND, cli, argc, argv);
}

static int
run_unsuspend(struct cli *cli, int argc, char **argv)
{
	return run_request(&cmd_unsuspend, CW_OP_UNSUSPEND, cli, argc, argv);
}

const struct cli_command cmd_suspend = {
	.name = "suspend",
	.synopsis = "suspend USER --until TIME --reason TEXT",
	.summary = "deny USER everywhere until TIME, without the leaver steps",
	.help =
	    "Suspends USER: denied on every host, with reason 'suspended', from\n"
	    "now until TIME, when the suspension ends by itself.  Unlike leaver\n"
	    "or revoke it runs no revocation steps: the LDAP account, roles and\n"
	    "elevations stay as they are.  A new suspend replaces the old one.\n"
	    "TIME must lie within 366 days.\n"
	    "\n"
	    "Who may: an approver, never about themself; root on this host.\n"
	    "\n"
	    "Example: clearwayctl suspend bob --until 2026-12-10T09:00 "
	    "--reason \"investigation\"\n"
	    "\n"
	    "Exit: 0 suspended, 1 refused (TIME out of range), 2 usage,\n"
	    "3 clearwayd unreachable, 4 not permitted.\n",
	.run = run_suspend,
};

const struct cli_command cmd_unsuspend = {
	.name = "unsuspend",
	.synopsis = "unsuspend USER --reason TEXT",
	.summary = "end USER's suspension now",
	.help =
	    "Ends USER's suspension before its time.\n"
	    "\n"
	    "Who may: an approver, never about themself; root on this host.\n"
	    "\n"
	    "Example: clearwayctl unsuspend bob --reason \"cleared\"\n"
	    "\n"
	    "Exit: 0 unsuspended, 1 USER was not suspended, 2 usage,\n"
	    "3 clearwayd unreachable, 4 not permitted.\n",
	.run = run_unsuspend,
};
