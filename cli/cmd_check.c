/* SPDX-License-Identifier: MIT */
/*
 * cmd_check.c - clearwayctl check USER --host-class H [--mode admin]
 *     [--at TIME]
 *
 * Asks the daemon for the decision a logon would get now (or at TIME, a
 * project extension: what happens at 9 am tomorrow), through the same
 * policy core the PAM path uses, without logging on and without an access
 * record.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "isotime.h"

static int
print_decision(const struct cli *cli, const struct cw_request *req,
    const struct cw_response *resp)
{
	const char *verdict = cw_verdict_name(resp->decision.verdict);
	const char *reason = cw_reason_name(resp->decision.reason);
	json_t *o;
	char *s;

	char at[CW_ISO8601_BUFSZ] = "";

	if (req->at > 0 && cw_iso8601_format_utc(req->at, at) < 0)
		at[0] = '\0';
	if (cli->json) {
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "user",
		    req->user, "host_class", req->host_class, "mode",
		    cw_mode_name(req->mode), "decision", verdict, "reason",
		    reason, "detail", resp->message);
		if (o != NULL && req->at > 0)
			json_object_set_new(o, "at", json_integer(req->at));
		if (o == NULL || (s = json_dumps(o, JSON_COMPACT)) == NULL) {
			json_decref(o);
			return CW_EXIT_UNREACHABLE;
		}
		printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		char detail[CW_MESSAGE_MAX];

		cli_clean_text(resp->message, detail, sizeof(detail));
		printf("%s on %s (%s)%s%s: %s (%s)%s%s\n", req->user,
		    req->host_class, cw_mode_name(req->mode), at[0] ? " at " :
		    "", at, verdict, reason, detail[0] ? ": " : "", detail);
	}
	/* Exempt users are not denied by Clearway: the rest of the stack
	 * decides.  Unavailable (data too old to allow, issue 14) is exit 3,
	 * as with no data at all. */
	if (resp->decision.verdict == CW_VERDICT_UNAVAILABLE)
		return CW_EXIT_UNREACHABLE;
	return resp->decision.verdict == CW_VERDICT_DENY ? CW_EXIT_NO : CW_EXIT_OK;
}

static int
run_check(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host-class", required_argument, NULL, 'H' },
		{ "mode", required_argument, NULL, 'm' },
		{ "at", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct cw_response resp;
	struct cw_request req;
	const char *host_class = NULL, *mode = "login", *at = NULL;
	int ch, rc;

	memset(&req, 0, sizeof(req));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "H:m:a:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'H': host_class = optarg; break;
		case 'm': mode = optarg; break;
		case 'a': at = optarg; break;
		default:
			return cli_usage_error(&cmd_check, "unknown or "
			    "incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(&cmd_check, "exactly one USER needed");
	if (host_class == NULL)
		return cli_usage_error(&cmd_check, "--host-class is required");
	if (!cw_user_name_valid(argv[optind], strlen(argv[optind])))
		return cli_usage_error(&cmd_check, "'%s' is not a valid user "
		    "name", argv[optind]);
	if (!cw_object_name_valid(host_class, strlen(host_class)))
		return cli_usage_error(&cmd_check, "'%s' is not a valid host "
		    "class name", host_class);
	if (cw_mode_parse(mode, &req.mode) < 0)
		return cli_usage_error(&cmd_check, "--mode is login or admin, "
		    "not '%s'", mode);
	if (at != NULL && (rc = cli_parse_time(&cmd_check, "--at", at,
	    &req.at)) != CW_EXIT_OK)
		return rc;
	req.op = CW_OP_CHECK;
	snprintf(req.user, sizeof(req.user), "%s", argv[optind]);
	snprintf(req.host_class, sizeof(req.host_class), "%s", host_class);
	if ((rc = cli_exchange(cli, &req, &resp)) != CW_EXIT_OK)
		return rc;
	if (resp.status == CW_STATUS_UNAVAILABLE) {
		/*
		 * No policy data: the logon would be denied as
		 * policy_unavailable.  Say that, as a decision, with the
		 * daemon's why; exit 3 as the contract has it.
		 */
		resp.decision.verdict = CW_VERDICT_UNAVAILABLE;
		resp.decision.reason = CW_REASON_POLICY_UNAVAILABLE;
		if (resp.message[0] == '\0')
			snprintf(resp.message, sizeof(resp.message), "no policy "
			    "data loaded yet");
		(void)print_decision(cli, &req, &resp);
		rc = CW_EXIT_UNREACHABLE;
	} else if (resp.status != CW_STATUS_OK) {
		rc = cli_status_fail(cli, &resp);
	} else {
		rc = print_decision(cli, &req, &resp);
	}
	cw_response_free(&resp);
	return rc;
}

const struct cli_command cmd_check = {
	.name = "check",
	.synopsis = "check USER --host-class H [--mode login|admin] [--at TIME]",
	.summary = "the decision and reason a logon would get now, or at TIME",
	.help =
	    "Asks clearwayd for the decision a logon by USER on host class H\n"
	    "would get now, through the same policy the PAM module uses, without\n"
	    "logging on and without an access record.  --mode admin asks about\n"
	    "privileged use (sudo, su), which needs an active elevation.  --at\n"
	    "asks about another instant (ISO 8601): the same records, the clock\n"
	    "at TIME, so dates that lapse and elevations that end by then count.\n"
	    "\n"
	    "Who may: anyone about themself; an approver, HR or an auditor about\n"
	    "anyone; root on this host about anyone.\n"
	    "\n"
	    "Example: clearwayctl check alice --host-class payments-db --mode admin\n"
	    "         clearwayctl check alice --host-class payments-db --at 2026-12-04T09:00:00Z\n"
	    "\n"
	    "Exit: 0 allow (or exempt), 1 deny, 2 usage, 3 clearwayd unreachable\n"
	    "or without policy data, 4 not permitted.\n",
	.run = run_check,
};
