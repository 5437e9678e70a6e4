/* SPDX-License-Identifier: MIT */
/*
 * cmd_elevate.c - clearwayctl elevate USER --role R --for DURATION
 *                 --reason TEXT [--ticket ID]
 *
 * Asks clearwayd to grant USER the role R for DURATION (contract section
 * 4; issue 5).  Everything the CLI can judge alone is judged here first,
 * so a typo gets an answer that names the field and the accepted form
 * without a round trip; the daemon still checks it all again and decides
 * everything that needs the directory (the role's cwMaxElevation, the
 * subject's gates, no self-approval), and its refusals are printed as it
 * words them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "duration.h"
#include "isotime.h"

struct elevate_args {
	const char *user;
	const char *role;
	const char *duration;
	const char *reason;
	const char *ticket;
};

/* Stores an option's value, refusing a second one: which would win? */
static int
set_once(const char **slot, const char *option, const char *value)
{
	if (*slot != NULL)
		return cli_usage_error(&cmd_elevate, "%s given twice", option);
	*slot = value;
	return CW_EXIT_OK;
}

static int
parse_args(int argc, char **argv, struct elevate_args *a)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "for", required_argument, NULL, 'f' },
		{ "reason", required_argument, NULL, 'R' },
		{ "ticket", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, rc = CW_EXIT_OK;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	while (rc == CW_EXIT_OK &&
	    (ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': rc = set_once(&a->role, "--role", optarg); break;
		case 'f': rc = set_once(&a->duration, "--for", optarg); break;
		case 'R': rc = set_once(&a->reason, "--reason", optarg); break;
		case 't': rc = set_once(&a->ticket, "--ticket", optarg); break;
		default: return cli_option_error(&cmd_elevate, ch, argv);
		}
	}
	if (rc != CW_EXIT_OK)
		return rc;
	if (optind == argc)
		return cli_usage_error(&cmd_elevate, "whom to elevate? USER is "
		    "missing");
	if (optind + 1 != argc)
		return cli_usage_error(&cmd_elevate, "unexpected argument '%s': "
		    "elevate takes one USER (quote a --reason with spaces)",
		    argv[optind + 1]);
	a->user = argv[optind];
	return CW_EXIT_OK;
}

/* Where s has a byte outside [lo, 0x7e], or -1 when it has none. */
static long
first_bad_byte(const char *s, char lo)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < lo || s[i] > 0x7e)
			return (long)i;
	return -1;
}

/* --reason: printable ASCII, not only spaces, at most CW_REASON_TEXT_MAX. */
static int
check_reason(const char *reason)
{
	size_t len = strlen(reason);
	long bad;

	if (strspn(reason, " ") == len)
		return cli_usage_error(&cmd_elevate, "--reason is empty: say why "
		    "the elevation is needed, e.g. --reason 'CHG-1234 database "
		    "upgrade'");
	if (len > CW_REASON_TEXT_MAX)
		return cli_usage_error(&cmd_elevate, "--reason is %zu characters; "
		    "at most %d: put the details in the ticket", len,
		    CW_REASON_TEXT_MAX);
	if ((bad = first_bad_byte(reason, 0x20)) >= 0)
		return cli_usage_error(&cmd_elevate, "--reason may hold only "
		    "printable ASCII (no tabs, newlines or accents); character "
		    "%ld is not", bad + 1);
	return CW_EXIT_OK;
}

/* --ticket: 1..CW_TICKET_MAX visible ASCII characters, no spaces. */
static int
check_ticket(const char *ticket)
{
	size_t len = strlen(ticket);
	long bad;

	if (len == 0)
		return cli_usage_error(&cmd_elevate, "--ticket is empty: leave "
		    "it out, or name the change, e.g. --ticket CHG-1234");
	if (len > CW_TICKET_MAX)
		return cli_usage_error(&cmd_elevate, "--ticket is %zu characters; "
		    "at most %d", len, CW_TICKET_MAX);
	if ((bad = first_bad_byte(ticket, 0x21)) >= 0)
		return cli_usage_error(&cmd_elevate, "--ticket may hold only "
		    "visible ASCII, no spaces; character %ld is not", bad + 1);
	return CW_EXIT_OK;
}

static int
check_duration(const char *text, int64_t *seconds)
{
	int status = cw_duration_parse(text, strlen(text), seconds);

	if (status != CW_DURATION_OK)
		return cli_usage_error(&cmd_elevate, "--for '%s': %s; DURATION "
		    "is %s", text, cw_duration_strerror(status),
		    CW_DURATION_FORMS);
	return CW_EXIT_OK;
}

/* Checks every argument and builds the request from them. */
static int
build_request(const struct elevate_args *a, struct cw_request *req)
{
	int rc;

	memset(req, 0, sizeof(*req));
	if (!cw_user_name_valid(a->user, strlen(a->user)))
		return cli_usage_error(&cmd_elevate, "'%s' is not a valid user "
		    "name (letters, digits, '.', '_', '@', '-'; at most %d; "
		    "not starting with '-' or '.')", a->user, CW_USER_MAX);
	if (a->role == NULL)
		return cli_usage_error(&cmd_elevate, "--role R is required: the "
		    "role to grant, e.g. --role ops-admin");
	if (!cw_object_name_valid(a->role, strlen(a->role)))
		return cli_usage_error(&cmd_elevate, "--role '%s' is not a valid "
		    "role name (letters, digits, '.', '_', '-'; at most %d)",
		    a->role, CW_NAME_MAX);
	if (a->duration == NULL)
		return cli_usage_error(&cmd_elevate, "--for DURATION is "
		    "required: how long, e.g. --for 2h or --for 1h30m");
	if ((rc = check_duration(a->duration, &req->duration)) != CW_EXIT_OK)
		return rc;
	if (a->reason == NULL)
		return cli_usage_error(&cmd_elevate, "--reason TEXT is required: "
		    "say why, e.g. --reason 'CHG-1234 database upgrade'");
	if ((rc = check_reason(a->reason)) != CW_EXIT_OK ||
	    (a->ticket != NULL && (rc = check_ticket(a->ticket)) !=
	    CW_EXIT_OK))
		return rc;
	req->op = CW_OP_ELEVATE;
	snprintf(req->user, sizeof(req->user), "%s", a->user);
	snprintf(req->role, sizeof(req->role), "%s", a->role);
	snprintf(req->reason, sizeof(req->reason), "%s", a->reason);
	if (a->ticket != NULL)
		snprintf(req->ticket, sizeof(req->ticket), "%s", a->ticket);
	return CW_EXIT_OK;
}

/* A member of the daemon's answer, cleaned, or the request's value. */
static void
member_or(const json_t *data, const char *key, const char *fallback,
    char *buf, size_t buflen)
{
	const char *v = cli_json_string(data, key);

	cli_clean_text(v != NULL && v[0] != '\0' ? v : fallback, buf, buflen);
}

/*
 * "elevated alice to ops-admin until 2026-11-23T13:00:00Z (4h); approver
 * bob; ticket CHG-1", from the daemon's record of the grant: its times,
 * not ours, are the ones PAM will honour.
 */
static void
print_granted(const json_t *data, const struct cw_request *req)
{
	char user[CW_USER_MAX + 1], role[CW_NAME_MAX + 1];
	char approver[CW_USER_MAX + 1], ticket[CW_TICKET_MAX + 1];
	char until[CW_ISO8601_BUFSZ], length[CW_DURATION_BUFSZ];
	int64_t start = cli_json_integer(data, "start");
	int64_t end = cli_json_integer(data, "end");

	member_or(data, "user", req->user, user, sizeof(user));
	member_or(data, "role", req->role, role, sizeof(role));
	member_or(data, "approver", "", approver, sizeof(approver));
	member_or(data, "ticket", "", ticket, sizeof(ticket));
	printf("elevated %s to %s", user, role);
	if (end > 0 && cw_iso8601_format_utc(end, until) == 0)
		printf(" until %s", until);
	if (end > start && start > 0 &&
	    cw_duration_format(end - start, length, sizeof(length)) == 0)
		printf(" (%s)", length);
	if (approver[0] != '\0')
		printf("; approver %s", approver);
	if (ticket[0] != '\0')
		printf("; ticket %s", ticket);
	printf("\n");
}

static int
run_elevate(struct cli *cli, int argc, char **argv)
{
	struct elevate_args args;
	struct cw_request req;
	json_t *data = NULL;
	int rc;

	if ((rc = parse_args(argc, argv, &args)) != CW_EXIT_OK ||
	    (rc = build_request(&args, &req)) != CW_EXIT_OK ||
	    (rc = cli_call_data(cli, &req, &data)) != CW_EXIT_OK)
		return rc;
	if (cli->json)
		rc = cli_print_json(cli, data);
	else
		print_granted(data, &req);
	json_decref(data);
	return rc;
}

const struct cli_command cmd_elevate = {
	.name = "elevate",
	.synopsis = "elevate USER --role R --for DURATION --reason TEXT "
	    "[--ticket ID]",
	.summary = "grant USER role R for a limited time (e.g. for sudo)",
	.help =
	    "Grants USER the role R from now for DURATION, after which PAM\n"
	    "refuses it to the second.  Refused when R has no cwMaxElevation or\n"
	    "DURATION exceeds it, when USER does not pass the role's clearance or\n"
	    "any other gate, or when you name yourself.  DURATION is like 30m,\n"
	    "2h, 1h30m, 1d (units d h m s, largest first; 1s to 366d).  TEXT is\n"
	    "printable ASCII, at most 256 characters; ID at most 64 characters\n"
	    "without spaces.  Prints the grant with its end in UTC.\n"
	    "\n"
	    "Who may: an approver, for anyone but themself; root on this host.\n"
	    "\n"
	    "Example: clearwayctl elevate alice --role ops-admin --for 4h \\\n"
	    "           --reason 'kernel upgrade' --ticket CHG-1234\n"
	    "\n"
	    "Exit: 0 granted, 1 refused (the message says why, e.g. longer than\n"
	    "the role allows), 2 usage, 3 clearwayd unreachable, 4 not\n"
	    "permitted.\n",
	.run = run_elevate,
};
