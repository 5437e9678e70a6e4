/* SPDX-License-Identifier: MIT */
/*
 * cmd_drop.c - clearwayctl drop USER --role R
 *
 * Ends USER's active elevation to R now (contract section 4), so that the
 * next sudo is refused.  Dropping what is not there is a "no" (exit 1),
 * not an error: the caller may have raced the elevation's own end.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "isotime.h"

static int
parse_args(int argc, char **argv, const char **user, const char **role)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	*user = *role = NULL;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch != 'r')
			return cli_option_error(&cmd_drop, ch, argv);
		if (*role != NULL)
			return cli_usage_error(&cmd_drop, "--role given twice: "
			    "drop one role at a time");
		*role = optarg;
	}
	if (optind == argc)
		return cli_usage_error(&cmd_drop, "whose elevation? USER is "
		    "missing");
	if (optind + 1 != argc)
		return cli_usage_error(&cmd_drop, "unexpected argument '%s': "
		    "drop takes one USER", argv[optind + 1]);
	*user = argv[optind];
	return CW_EXIT_OK;
}

static int
build_request(const char *user, const char *role, struct cw_request *req)
{
	memset(req, 0, sizeof(*req));
	if (!cw_user_name_valid(user, strlen(user)))
		return cli_usage_error(&cmd_drop, "'%s' is not a valid user "
		    "name (letters, digits, '.', '_', '@', '-'; at most %d; "
		    "not starting with '-' or '.')", user, CW_USER_MAX);
	if (role == NULL)
		return cli_usage_error(&cmd_drop, "--role R is required: which "
		    "elevation to end (clearwayctl elevations %s lists them)",
		    user);
	if (!cw_object_name_valid(role, strlen(role)))
		return cli_usage_error(&cmd_drop, "--role '%s' is not a valid "
		    "role name (letters, digits, '.', '_', '-'; at most %d)",
		    role, CW_NAME_MAX);
	req->op = CW_OP_DROP;
	snprintf(req->user, sizeof(req->user), "%s", user);
	snprintf(req->role, sizeof(req->role), "%s", role);
	return CW_EXIT_OK;
}

/* "dropped ops-admin from alice at 2026-11-23T10:31:00Z" */
static void
print_dropped(const json_t *data, const struct cw_request *req)
{
	char ended[CW_ISO8601_BUFSZ];
	int64_t t = cli_json_integer(data, "ended");

	printf("dropped %s from %s", req->role, req->user);
	if (t > 0 && cw_iso8601_format_utc(t, ended) == 0)
		printf(" at %s", ended);
	printf("\n");
}

static int
run_drop(struct cli *cli, int argc, char **argv)
{
	const char *user = NULL, *role = NULL;
	struct cw_request req;
	json_t *data = NULL;
	bool dropped;
	int rc;

	if ((rc = parse_args(argc, argv, &user, &role)) != CW_EXIT_OK ||
	    (rc = build_request(user, role, &req)) != CW_EXIT_OK ||
	    (rc = cli_call_data(cli, &req, &data)) != CW_EXIT_OK)
		return rc;
	/* Only an explicit "dropped": false means there was nothing to end. */
	dropped = !json_is_false(json_object_get(data, "dropped"));
	if (cli->json)
		rc = cli_print_json(cli, data);
	else if (dropped)
		print_dropped(data, &req);
	else
		fprintf(stderr, "clearwayctl: %s has no active elevation to %s: "
		    "nothing to drop (clearwayctl elevations %s lists what "
		    "there is)\n", req.user, req.role, req.user);
	json_decref(data);
	if (rc == CW_EXIT_OK && !dropped)
		rc = CW_EXIT_NO;
	return rc;
}

const struct cli_command cmd_drop = {
	.name = "drop",
	.synopsis = "drop USER --role R",
	.summary = "end USER's elevation to role R now",
	.help =
	    "Ends USER's active elevation to role R at once: the next privileged\n"
	    "logon (sudo, su) that needed it is refused.  The elevation stays in\n"
	    "the history, ended early, with who ended it.\n"
	    "\n"
	    "Who may: an approver, or USER themself; root on this host.\n"
	    "\n"
	    "Example: clearwayctl drop alice --role ops-admin\n"
	    "\n"
	    "Exit: 0 dropped, 1 no such active elevation, 2 usage, 3 clearwayd\n"
	    "unreachable, 4 not permitted.\n",
	.run = run_drop,
};
