/* SPDX-License-Identifier: MIT */
/*
 * cmd_revoke.c - the requests that deny a user everywhere, or undo that:
 *
 *   leaver USER --reason TEXT [--effective TIME]   (HR)
 *   revoke USER --reason TEXT                      (approver)
 *   reinstate USER --reason TEXT                   (approver, not HR alone)
 *   suspend USER --until TIME --reason TEXT        (approver, not oneself)
 *   unsuspend USER --reason TEXT                   (approver, not oneself)
 *
 * They share one shape, so one parser serves all five.  The daemon
 * answers only once the request is durable in Redis and this host denies
 * the user (contract: "returns only once the revocation is durable").
 * A suspension (a project extension, issue 17) denies with reason
 * "suspended" until TIME and ends by itself; it runs no revocation steps.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "isotime.h"

static int
parse_args(const struct cli_command *cmd, int argc, char **argv,
    struct cw_request *req)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "effective", required_argument, NULL, 'e' },
		{ "until", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	const char *reason = NULL, *effective = NULL, *until = NULL;
	int64_t now;
	int rc;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch == 'r')
			reason = optarg;
		else if (ch == 'e' && req->op == CW_OP_LEAVER)
			effective = optarg;
		else if (ch == 'u' && req->op == CW_OP_SUSPEND)
			until = optarg;
		else
			return cli_option_error(cmd, ch, argv);
	}
	if (optind + 1 != argc)
		return cli_usage_error(cmd, "exactly one USER is needed");
	if (!cw_user_name_valid(argv[optind], strlen(argv[optind])))
		return cli_usage_error(cmd, "'%s' is not a valid user name",
		    argv[optind]);
	if (reason == NULL || strspn(reason, " ") == strlen(reason))
		return cli_usage_error(cmd, "--reason TEXT is required: say why "
		    "(it goes into the audit trail and the report)");
	if (strlen(reason) > CW_REASON_TEXT_MAX)
		return cli_usage_error(cmd, "--reason is longer than %d "
		    "characters", CW_REASON_TEXT_MAX);
	if (req->op == CW_OP_SUSPEND && until == NULL)
		return cli_usage_error(cmd, "--until TIME is required");
	if (until != NULL && (rc = cli_parse_time(cmd, "--until", until,
	    &req->until)) != CW_EXIT_OK)
		return rc;
	if (effective != NULL && (rc = cli_parse_time(cmd, "--effective",
	    effective, &req->effective)) != CW_EXIT_OK)
		return rc;
	now = (int64_t)time(NULL);
	if (effective != NULL && (req->effective < now - CW_EFFECTIVE_PAST_MAX ||
	    req->effective > now + CW_EFFECTIVE_AHEAD_MAX))
		return cli_usage_error(cmd, "--effective '%s' is out of range: "
		    "it must be within %lld days before and %lld days after now",
		    effective, CW_EFFECTIVE_PAST_MAX / 86400,
		    CW_EFFECTIVE_AHEAD_MAX / 86400);
	snprintf(req->user, sizeof(req->user), "%s", argv[optind]);
	snprintf(req->reason, sizeof(req->reason), "%s", reason);
	return CW_EXIT_OK;
}

static void
print_time(const char *label, int64_t t)
{
	char utc[CW_ISO8601_BUFSZ], local[CW_ISO8601_BUFSZ];

	if (t <= 0 || cw_iso8601_format_utc(t, utc) < 0 ||
	    cw_iso8601_format_local(t, local) < 0)
		return;
	printf("  %-10s %s (%s Europe/London)\n", label, utc, local);
}

static void
print_revocation(const json_t *d)
{
	const char *state = cli_json_string(d, "state");
	char actor[CW_USER_MAX + 1];

	if (json_is_true(json_object_get(d, "existing"))) {
		/* A re-run (or a second filer): nothing new was filed. */
		cli_clean_text(cli_json_string(d, "actor"), actor,
		    sizeof(actor));
		printf("already open: revocation %s (filed by %s); %s\n",
		    cli_json_string(d, "id"), actor, json_is_true(
		    json_object_get(d, "brought_forward")) ? "brought forward "
		    "to the time asked now" : "nothing new filed");
	}
	printf("revocation %s: %s %s (%s)\n", cli_json_string(d, "id"),
	    cli_json_string(d, "kind"), cli_json_string(d, "user"),
	    state != NULL ? state : "?");
	print_time("requested", cli_json_integer(d, "requested_at"));
	print_time("effective", cli_json_integer(d, "effective_at"));
	print_time("deadline", cli_json_integer(d, "deadline"));
}

static void
print_suspension(enum cw_op op, const struct cw_request *req)
{
	char until[CW_ISO8601_BUFSZ];

	if (op == CW_OP_UNSUSPEND)
		printf("unsuspended %s\n", req->user);
	else if (cw_iso8601_format_utc(req->until, until) == 0)
		printf("suspended %s until %s: denied everywhere until then\n",
		    req->user, until);
}

static int
run_request(const struct cli_command *cmd, enum cw_op op, struct cli *cli,
    int argc, char **argv)
{
	struct cw_request req;
	json_t *data = NULL;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = op;
	if ((rc = parse_args(cmd, argc, argv, &req)) != CW_EXIT_OK ||
	    (rc = cli_call_data(cli, &req, &data)) != CW_EXIT_OK)
		return rc;
	if (cli->json)
		rc = cli_print_json(cli, data);
	else if (op == CW_OP_REINSTATE)
		printf("reinstated %s: %lld open revocation(s) cancelled\n",
		    req.user, (long long)cli_json_integer(data, "cancelled"));
	else if (op == CW_OP_SUSPEND || op == CW_OP_UNSUSPEND)
		print_suspension(op, &req);
	else
		print_revocation(data);
	json_decref(data);
	return rc;
}

static int
run_leaver(struct cli *cli, int argc, char **argv)
{
	return run_request(&cmd_leaver, CW_OP_LEAVER, cli, argc, argv);
}

static int
run_revoke(struct cli *cli, int argc, char **argv)
{
	return run_request(&cmd_revoke, CW_OP_REVOKE, cli, argc, argv);
}

static int
run_reinstate(struct cli *cli, int argc, char **argv)
{
	return run_request(&cmd_reinstate, CW_OP_REINSTATE, cli, argc, argv);
}

const struct cli_command cmd_leaver = {
	.name = "leaver",
	.synopsis = "leaver USER --reason TEXT [--effective TIME]",
	.summary = "file a leaver: revoke USER now or at TIME",
	.help =
	    "Files a leaver event.  Without --effective, USER is denied on every\n"
	    "host at once and the revocation steps (lock the LDAP account,\n"
	    "remove standing roles, end elevations and sessions) are queued;\n"
	    "with --effective TIME they wait until then.  Prints the revocation\n"
	    "id and its deadline: one working day (contract section 5).\n"
	    "Returns only once the revocation is durable.  Safe to re-run: while\n"
	    "USER has an open leaver revocation, that one is returned (\"already\n"
	    "open\") and nothing new is filed.  TIME must lie within a year\n"
	    "before and ten years after now.\n"
	    "\n"
	    "Who may: HR; root on this host.\n"
	    "\n"
	    "Example: clearwayctl leaver alice --reason \"resigned\" "
	    "--effective 2026-11-30T17:00\n"
	    "\n"
	    "Exit: 0 filed (or already open), 2 usage, 3 clearwayd unreachable\n"
	    "or the outcome unknown (it says so: re-run to confirm), 4 not\n"
	    "permitted.\n",
	.run = run_leaver,
};

const struct cli_command cmd_revoke = {
	.name = "revoke",
	.synopsis = "revoke USER --reason TEXT",
	.summary = "revoke USER's access now (e.g. clearance withdrawn)",
	.help =
	    "Revokes USER at once, as for a leaver: denied on every host from now\n"
	    "on, and the revocation steps queued with a one-working-day deadline.\n"
	    "Safe to re-run: while USER has an open revoke revocation, that one is\n"
	    "returned (\"already open\") and nothing new is filed.\n"
	    "\n"
	    "Who may: an approver; root on this host.\n"
	    "\n"
	    "Example: clearwayctl revoke bob --reason \"clearance withdrawn\"\n"
	    "\n"
	    "Exit: 0 revoked (or already open), 2 usage, 3 clearwayd unreachable\n"
	    "or the outcome unknown (it says so: re-run to confirm), 4 not\n"
	    "permitted.\n",
	.run = run_revoke,
};

const struct cli_command cmd_reinstate = {
	.name = "reinstate",
	.synopsis = "reinstate USER --reason TEXT",
	.summary = "undo a mistaken revocation of USER",
	.help =
	    "Lifts USER's revocation: cancels the open revocations (recorded with\n"
	    "who and why) and removes USER from the deny list everywhere.  It\n"
	    "does not unlock the LDAP account or restore removed roles: that is\n"
	    "the directory administrator's decision.\n"
	    "\n"
	    "Who may: an approver (HR alone may not); root on this host.\n"
	    "\n"
	    "Example: clearwayctl reinstate bob --reason \"filed in error\"\n"
	    "\n"
	    "Exit: 0 reinstated, 2 usage, 3 clearwayd unreachable, 4 not "
	    "permitted.\n",
	.run = run_reinstate,
};

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
