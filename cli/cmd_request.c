/* SPDX-License-Identifier: MIT */
/*
 * cmd_request.c - access requests (issue 17; Annex 1, 6.5: privileges
 * only while needed):
 *
 *   request --role R --for DURATION --reason TEXT [--ticket ID]
 *   requests [ID] [--state S] [--user U]
 *   approve ID
 *   reject ID --reason TEXT
 *
 * The person who needs a role asks; another approver answers.  An
 * approval grants exactly what elevate would (the daemon checks the role,
 * its cwMaxElevation, the requester's gates and clearance, and the
 * approver's clearance); requests nobody answers expire after [policy]
 * request_expiry_hours.  approve and reject first read the request, then
 * name its user, role and duration to the daemon, which refuses unless
 * they are the stored request's: what was checked is what is granted.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "duration.h"
#include "isotime.h"

/* Our own login name, which the daemon checks against SO_PEERCRED. */
static int
own_name(const struct cli_command *cmd, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw == NULL || !cw_user_name_valid(pw->pw_name,
	    strlen(pw->pw_name)))
		return cli_usage_error(cmd, "uid %u has no valid login name",
		    (unsigned)getuid());
	snprintf(buf, len, "%s", pw->pw_name);
	return CW_EXIT_OK;
}

/* --reason / --ticket: what the daemon accepts, said before asking. */
static int
check_text(const struct cli_command *cmd, const char *opt, const char *s,
    size_t max, char lo)
{
	size_t i, len = strlen(s);

	if (strspn(s, " ") == len)
		return cli_usage_error(cmd, "%s is empty", opt);
	if (len > max)
		return cli_usage_error(cmd, "%s is %zu characters; at most %zu",
		    opt, len, max);
	for (i = 0; i < len; i++)
		if (s[i] < lo || s[i] > 0x7e)
			return cli_usage_error(cmd, "%s may hold only printable "
			    "ASCII%s; character %zu is not", opt, lo > 0x20 ?
			    ", no spaces" : "", i + 1);
	return CW_EXIT_OK;
}

static const char *
when(int64_t t, char buf[CW_ISO8601_BUFSZ])
{
	if (t <= 0 || cw_iso8601_format_utc(t, buf) < 0)
		return "-";
	return buf;
}

static const char *
length(int64_t s, char buf[CW_DURATION_BUFSZ])
{
	if (s <= 0 || cw_duration_format(s, buf, CW_DURATION_BUFSZ) < 0)
		return "?";
	return buf;
}

/* A string member of the daemon's answer, cleaned for the terminal. */
static const char *
member(const json_t *o, const char *key, char *buf, size_t len)
{
	cli_clean_text(cli_json_string(o, key), buf, len);
	return buf[0] != '\0' ? buf : "-";
}

struct request_args {
	const char *role, *duration, *reason, *ticket;
};

static int
request_options(int argc, char **argv, struct request_args *a)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "for", required_argument, NULL, 'f' },
		{ "reason", required_argument, NULL, 'R' },
		{ "ticket", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': a->role = optarg; break;
		case 'f': a->duration = optarg; break;
		case 'R': a->reason = optarg; break;
		case 't': a->ticket = optarg; break;
		default: return cli_option_error(&cmd_request, ch, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(&cmd_request, "unexpected argument '%s': "
		    "a request is for yourself (quote a --reason with spaces)",
		    argv[optind]);
	if (a->role == NULL || a->duration == NULL || a->reason == NULL)
		return cli_usage_error(&cmd_request, "--role, --for and "
		    "--reason are required");
	return CW_EXIT_OK;
}

static int
build_request(const struct request_args *a, struct cw_request *req)
{
	int rc, status;

	memset(req, 0, sizeof(*req));
	req->op = CW_OP_REQUEST;
	if ((rc = own_name(&cmd_request, req->user, sizeof(req->user))) != 0)
		return rc;
	if (!cw_object_name_valid(a->role, strlen(a->role)))
		return cli_usage_error(&cmd_request, "--role '%s' is not a valid "
		    "role name", a->role);
	status = cw_duration_parse(a->duration, strlen(a->duration),
	    &req->duration);
	if (status != CW_DURATION_OK)
		return cli_usage_error(&cmd_request, "--for '%s': %s; DURATION "
		    "is %s", a->duration, cw_duration_strerror(status),
		    CW_DURATION_FORMS);
	if ((rc = check_text(&cmd_request, "--reason", a->reason,
	    CW_REASON_TEXT_MAX, 0x20)) != CW_EXIT_OK ||
	    (a->ticket != NULL && (rc = check_text(&cmd_request, "--ticket",
	    a->ticket, CW_TICKET_MAX, 0x21)) != CW_EXIT_OK))
		return rc;
	snprintf(req->role, sizeof(req->role), "%s", a->role);
	snprintf(req->reason, sizeof(req->reason), "%s", a->reason);
	if (a->ticket != NULL)
		snprintf(req->ticket, sizeof(req->ticket), "%s", a->ticket);
	return CW_EXIT_OK;
}

static int
run_request(struct cli *cli, int argc, char **argv)
{
	char id[CW_REVID_MAX + 1], role[CW_NAME_MAX + 1];
	char exp[CW_ISO8601_BUFSZ], len[CW_DURATION_BUFSZ];
	struct request_args a;
	struct cw_request req;
	json_t *data = NULL;
	int rc;

	if ((rc = request_options(argc, argv, &a)) != CW_EXIT_OK ||
	    (rc = build_request(&a, &req)) != CW_EXIT_OK ||
	    (rc = cli_call_data(cli, &req, &data)) != CW_EXIT_OK)
		return rc;
	if (cli->json)
		rc = cli_print_json(cli, data);
	else
		printf("request %s filed: %s for %s; approvers are notified; it "
		    "expires unanswered at %s\n", member(data, "id", id,
		    sizeof(id)), member(data, "role", role, sizeof(role)),
		    length(cli_json_integer(data, "duration"), len),
		    when(cli_json_integer(data, "expires"), exp));
	json_decref(data);
	return rc;
}

const struct cli_command cmd_request = {
	.name = "request",
	.synopsis = "request --role R --for DURATION --reason TEXT [--ticket ID]",
	.summary = "ask an approver for a time-bound elevation to role R",
	.help =
	    "Files a request for yourself to hold role R for DURATION, from\n"
	    "when an approver approves it (clearwayctl approve).  Refused at once\n"
	    "when R cannot be granted by elevation, DURATION exceeds its\n"
	    "cwMaxElevation, or you do not pass its clearance or any other gate.\n"
	    "Approvers are notified; the request expires unanswered after\n"
	    "[policy] request_expiry_hours (default 24).  At most 5 pending\n"
	    "requests a person, one per role.\n"
	    "\n"
	    "Who may: anyone with a staff record, for themself only.\n"
	    "\n"
	    "Example: clearwayctl request --role ops-admin --for 2h \\\n"
	    "           --reason 'kernel upgrade' --ticket CHG-1234\n"
	    "\n"
	    "Exit: 0 filed (prints its id), 1 refused, 2 usage, 3 clearwayd\n"
	    "unreachable, 4 not permitted.\n",
	.run = run_request,
};

/* ---- requests ------------------------------------------------------- */

static void
print_row(const json_t *r)
{
	char id[CW_REVID_MAX + 1], state[CW_STATE_MAX + 1];
	char user[CW_USER_MAX + 1], role[CW_NAME_MAX + 1];
	char by[CW_USER_MAX + 1], reason[CW_REASON_TEXT_MAX + 1];
	char note[CW_REASON_TEXT_MAX + 1], ticket[CW_TICKET_MAX + 1];
	char t1[CW_ISO8601_BUFSZ], t2[CW_ISO8601_BUFSZ];
	char len[CW_DURATION_BUFSZ];
	bool pending;

	member(r, "state", state, sizeof(state));
	pending = strcmp(state, "pending") == 0;
	printf("%-6s %-9s %-12s %-14s %-7s %s %s%s %s\n", member(r, "id", id,
	    sizeof(id)), state, member(r, "user", user, sizeof(user)),
	    member(r, "role", role, sizeof(role)),
	    length(cli_json_integer(r, "duration"), len),
	    when(cli_json_integer(r, "created"), t1), pending ? "expires " :
	    "", when(cli_json_integer(r, pending ? "expires" : "answered"),
	    t2), pending ? (json_is_true(json_object_get(r, "may_approve")) ?
	    "(you may approve)" : "") : member(r, "by", by, sizeof(by)));
	printf("       reason: %s", member(r, "reason", reason,
	    sizeof(reason)));
	if (cli_json_string(r, "ticket") != NULL &&
	    cli_json_string(r, "ticket")[0] != '\0')
		printf("; ticket %s", member(r, "ticket", ticket,
		    sizeof(ticket)));
	if (cli_json_string(r, "note") != NULL &&
	    cli_json_string(r, "note")[0] != '\0')
		printf("; answer: %s", member(r, "note", note, sizeof(note)));
	printf("\n");
}

struct list_out {
	const struct cli *cli;
	size_t rows;
	bool json;
};

static int
list_page(const json_t *data, void *arg)
{
	struct list_out *o = arg;
	json_t *rows = json_object_get(data, "requests"), *r;
	size_t i;
	char *s;

	json_array_foreach(rows, i, r) {
		if (o->json) {
			if ((s = json_dumps(r, JSON_COMPACT)) == NULL)
				return CW_EXIT_UNREACHABLE;
			printf("%s%s", o->rows > 0 ? "," : "", s);
			free(s);
		} else {
			if (o->rows == 0)
				printf("%-6s %-9s %-12s %-14s %-7s %-20s "
				    "%s\n", "ID", "STATE", "USER", "ROLE",
				    "FOR", "ASKED (UTC)", "EXPIRES / ANSWERED, "
				    "BY");
			print_row(r);
		}
		o->rows++;
	}
	return CW_EXIT_OK;
}

/*
 * Without --user, an approver or auditor sees everyone's; anyone else is
 * refused that, so ask again for their own (a user sees their own).
 */
static int
own_unless_allowed(struct cli *cli, struct cw_request *req)
{
	struct cw_response resp;
	int rc;

	if (req->user[0] != '\0')
		return CW_EXIT_OK;
	if ((rc = cli_exchange(cli, req, &resp)) != CW_EXIT_OK)
		return rc;
	if (resp.status == CW_STATUS_FORBIDDEN)
		rc = own_name(&cmd_requests, req->user, sizeof(req->user));
	cw_response_free(&resp);
	return rc;
}

static int
requests_options(int argc, char **argv, struct cw_request *req)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	const char *state = NULL, *user = NULL;
	int ch;

	memset(req, 0, sizeof(*req));
	req->op = CW_OP_REQUESTS;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch == 's')
			state = optarg;
		else if (ch == 'u')
			user = optarg;
		else
			return cli_option_error(&cmd_requests, ch, argv);
	}
	if (state != NULL && strcmp(state, "pending") != 0 &&
	    strcmp(state, "approved") != 0 && strcmp(state, "rejected") != 0 &&
	    strcmp(state, "expired") != 0 && strcmp(state, "any") != 0)
		return cli_usage_error(&cmd_requests, "--state is pending, "
		    "approved, rejected, expired or any, not '%s'", state);
	if (user != NULL && !cw_user_name_valid(user, strlen(user)))
		return cli_usage_error(&cmd_requests, "'%s' is not a valid user "
		    "name", user);
	if (argc - optind > 1)
		return cli_usage_error(&cmd_requests, "at most one ID");
	if (optind < argc && (strlen(argv[optind]) == 0 ||
	    strlen(argv[optind]) > 20 ||
	    strspn(argv[optind], "0123456789") != strlen(argv[optind])))
		return cli_usage_error(&cmd_requests, "'%s' is not a request id "
		    "(a number)", argv[optind]);
	if (optind < argc)
		snprintf(req->id, sizeof(req->id), "%s", argv[optind]);
	if (state != NULL)
		snprintf(req->state, sizeof(req->state), "%s", state);
	if (user != NULL)
		snprintf(req->user, sizeof(req->user), "%s", user);
	return CW_EXIT_OK;
}

static int
run_requests(struct cli *cli, int argc, char **argv)
{
	struct list_out o = { cli, 0, cli->json };
	struct cw_request req;
	int rc;

	if ((rc = requests_options(argc, argv, &req)) != CW_EXIT_OK ||
	    (rc = own_unless_allowed(cli, &req)) != CW_EXIT_OK)
		return rc;
	if (o.json)
		printf("{\"requests\":[");
	rc = cli_pages(cli, &req, list_page, &o);
	if (o.json)
		printf("]%s}\n", rc == CW_EXIT_OK ? "" : ",\"complete\":false");
	else if (rc == CW_EXIT_OK && o.rows == 0)
		printf("no %s requests%s%s\n", req.state[0] ? req.state :
		    "pending", req.user[0] ? " of " : "", req.user);
	return rc;
}

const struct cli_command cmd_requests = {
	.name = "requests",
	.synopsis = "requests [ID] [--state pending|approved|rejected|expired|any] "
	    "[--user U]",
	.summary = "access requests: those you may answer, or your own",
	.help =
	    "Lists access requests, oldest first, with their state, user, role,\n"
	    "duration, when asked, when they expire (pending) or who answered\n"
	    "and when, the reason, the ticket and a rejection's reason.  By\n"
	    "default the pending ones: an approver sees those they may approve\n"
	    "(not their own, and only roles whose clearance they hold); an\n"
	    "auditor sees all; anyone else sees their own.  ID shows one.\n"
	    "The daemon keeps the last 10,000 requests; the audit trail keeps\n"
	    "every step.\n"
	    "\n"
	    "Who may: anyone, about their own; an approver or an auditor, about\n"
	    "everyone; root on this host.\n"
	    "\n"
	    "Example: clearwayctl requests --state any --user alice\n"
	    "\n"
	    "Exit: 0 (also when there are none), 1 no such request, 2 usage,\n"
	    "3 clearwayd unreachable, 4 not permitted.\n",
	.run = run_requests,
};

/* ---- approve, reject -------------------------------------------------- */

/* Reads request id (as the caller may see it) into *rec. */
static int
fetch(struct cli *cli, const char *id, json_t **data, json_t **rec)
{
	struct cw_request req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = CW_OP_REQUESTS;
	snprintf(req.id, sizeof(req.id), "%s", id);
	*rec = NULL;
	if ((rc = cli_call_data(cli, &req, data)) != CW_EXIT_OK)
		return rc;
	*rec = json_array_get(json_object_get(*data, "requests"), 0);
	if (*rec == NULL || cli_json_string(*rec, "user") == NULL ||
	    !cw_user_name_valid(cli_json_string(*rec, "user"),
	    strlen(cli_json_string(*rec, "user")))) {
		json_decref(*data);
		*data = NULL;
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "clearwayd sent no "
		    "request %s", id);
	}
	return CW_EXIT_OK;
}

static int
check_id(const struct cli_command *cmd, const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > 20 || strspn(id, "0123456789") != len)
		return cli_usage_error(cmd, "'%s' is not a request id (a "
		    "number; clearwayctl requests lists them)", id);
	return CW_EXIT_OK;
}

/* approve ID: the request's user, role and duration, as stored. */
static int
approve_request(struct cli *cli, const char *id, struct cw_request *req)
{
	json_t *data = NULL, *rec;
	const char *role;
	int rc;

	if ((rc = fetch(cli, id, &data, &rec)) != CW_EXIT_OK)
		return rc;
	memset(req, 0, sizeof(*req));
	req->op = CW_OP_APPROVE;
	snprintf(req->id, sizeof(req->id), "%s", id);
	snprintf(req->user, sizeof(req->user), "%s",
	    cli_json_string(rec, "user"));
	role = cli_json_string(rec, "role");
	snprintf(req->role, sizeof(req->role), "%s", role ? role : "");
	req->duration = cli_json_integer(rec, "duration");
	json_decref(data);
	return CW_EXIT_OK;
}

static int
run_approve(struct cli *cli, int argc, char **argv)
{
	char user[CW_USER_MAX + 1], role[CW_NAME_MAX + 1];
	char until[CW_ISO8601_BUFSZ], len[CW_DURATION_BUFSZ];
	struct cw_request req;
	json_t *data = NULL, *e;
	int rc;

	if (argc > 1 && argv[1][0] == '-')
		return cli_usage_error(&cmd_approve, "unknown option '%s'",
		    argv[1]);
	if (argc != 2)
		return cli_usage_error(&cmd_approve, "approve takes one ID");
	if ((rc = check_id(&cmd_approve, argv[1])) != CW_EXIT_OK ||
	    (rc = approve_request(cli, argv[1], &req)) != CW_EXIT_OK ||
	    (rc = cli_call_data(cli, &req, &data)) != CW_EXIT_OK)
		return rc;
	e = json_object_get(data, "elevation");
	if (cli->json)
		rc = cli_print_json(cli, data);
	else
		printf("approved request %s: %s elevated to %s until %s (%s)\n",
		    req.id, member(data, "user", user, sizeof(user)),
		    member(data, "role", role, sizeof(role)),
		    when(cli_json_integer(e, "end"), until),
		    length(cli_json_integer(e, "end") -
		    cli_json_integer(e, "start"), len));
	json_decref(data);
	return rc;
}

const struct cli_command cmd_approve = {
	.name = "approve",
	.synopsis = "approve ID",
	.summary = "approve access request ID: the elevation starts now",
	.help =
	    "Approves a pending access request: its user holds the role from\n"
	    "now for the duration asked, exactly as clearwayctl elevate would\n"
	    "grant it, and is notified.  Refused for your own request, when you\n"
	    "do not hold the role's clearance, when the request was already\n"
	    "answered or has expired, or when the user no longer passes the\n"
	    "role's clearance or any other gate.\n"
	    "\n"
	    "Who may: an approver, never for their own request; root on this\n"
	    "host.\n"
	    "\n"
	    "Example: clearwayctl approve 42\n"
	    "\n"
	    "Exit: 0 approved, 1 refused (the message says why), 2 usage,\n"
	    "3 clearwayd unreachable, 4 not permitted.\n",
	.run = run_approve,
};

static int
run_reject(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	const char *reason = NULL;
	struct cw_request req;
	json_t *data = NULL, *rec;
	int ch, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch != 'R')
			return cli_option_error(&cmd_reject, ch, argv);
		reason = optarg;
	}
	if (optind + 1 != argc)
		return cli_usage_error(&cmd_reject, "reject takes one ID (quote "
		    "a --reason with spaces)");
	if (reason == NULL)
		return cli_usage_error(&cmd_reject, "--reason TEXT is required: "
		    "the requester is told it");
	if ((rc = check_id(&cmd_reject, argv[optind])) != CW_EXIT_OK ||
	    (rc = check_text(&cmd_reject, "--reason", reason,
	    CW_REASON_TEXT_MAX, 0x20)) != CW_EXIT_OK ||
	    (rc = fetch(cli, argv[optind], &data, &rec)) != CW_EXIT_OK)
		return rc;
	memset(&req, 0, sizeof(req));
	req.op = CW_OP_REJECT;
	snprintf(req.id, sizeof(req.id), "%s", argv[optind]);
	snprintf(req.user, sizeof(req.user), "%s", cli_json_string(rec,
	    "user"));
	snprintf(req.reason, sizeof(req.reason), "%s", reason);
	json_decref(data);
	if ((rc = cli_call_data(cli, &req, &data)) != CW_EXIT_OK)
		return rc;
	if (cli->json)
		rc = cli_print_json(cli, data);
	else
		printf("rejected request %s of %s\n", req.id, req.user);
	json_decref(data);
	return rc;
}

const struct cli_command cmd_reject = {
	.name = "reject",
	.synopsis = "reject ID --reason TEXT",
	.summary = "reject access request ID, saying why",
	.help =
	    "Rejects a pending access request; the requester is notified with\n"
	    "TEXT.  Refused for your own request, and when it was already\n"
	    "answered or has expired.\n"
	    "\n"
	    "Who may: an approver, never for their own request; root on this\n"
	    "host.\n"
	    "\n"
	    "Example: clearwayctl reject 42 --reason 'use the change window'\n"
	    "\n"
	    "Exit: 0 rejected, 1 refused, 2 usage, 3 clearwayd unreachable,\n"
	    "4 not permitted.\n",
	.run = run_reject,
};
