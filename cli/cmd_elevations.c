/* SPDX-License-Identifier: MIT */
/*
 * cmd_elevations.c - clearwayctl elevations [USER]
 *
 * The active elevations, with the time each has left, as a table:
 *
 *   USER   ROLE       ENDS (UTC)            LEFT   APPROVER  TICKET  REASON
 *   alice  ops-admin  2026-11-23T13:00:00Z  1h29m  bob       CHG-1   kernel
 *
 * Time left is measured from the daemon's "now", not this host's clock,
 * so the column agrees with what PAM will decide.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "duration.h"
#include "isotime.h"

/* One elevation, every column cleaned for the terminal. */
struct row {
	char user[CW_USER_MAX + 1];
	char role[CW_NAME_MAX + 1];
	char ends[CW_ISO8601_BUFSZ];
	char left[CW_DURATION_BUFSZ];
	char approver[CW_USER_MAX + 1];
	char ticket[CW_TICKET_MAX + 1];
	char reason[CW_REASON_TEXT_MAX + 1];
};

enum { COL_USER, COL_ROLE, COL_ENDS, COL_LEFT, COL_APPROVER, COL_TICKET,
    COL_REASON, NCOLS };

static const char *const headings[NCOLS] = {
	"USER", "ROLE", "ENDS (UTC)", "LEFT", "APPROVER", "TICKET", "REASON",
};

static const char *
column(const struct row *r, int col)
{
	switch (col) {
	case COL_USER: return r->user;
	case COL_ROLE: return r->role;
	case COL_ENDS: return r->ends;
	case COL_LEFT: return r->left;
	case COL_APPROVER: return r->approver;
	case COL_TICKET: return r->ticket;
	default: return r->reason;
	}
}

/* A string member, cleaned; "-" when absent or empty. */
static void
text_member(const json_t *o, const char *key, char *buf, size_t buflen)
{
	const char *v = cli_json_string(o, key);

	cli_clean_text(v != NULL && v[0] != '\0' ? v : "-", buf, buflen);
}

/*
 * Time left, in whole minutes once there is a minute or more: "1h29m"
 * reads better than "1h29m59s", and rounding down never promises time
 * that is not there.
 */
static void
format_left(int64_t left, char *buf, size_t buflen)
{
	if (left <= 0) {
		snprintf(buf, buflen, "ended");
		return;
	}
	if (left >= 60)
		left -= left % 60;
	if (cw_duration_format(left, buf, buflen) < 0)
		snprintf(buf, buflen, "?");
}

static void
fill_row(const json_t *e, int64_t now, struct row *r)
{
	int64_t end = cli_json_integer(e, "end");

	text_member(e, "user", r->user, sizeof(r->user));
	text_member(e, "role", r->role, sizeof(r->role));
	if (end <= 0 || cw_iso8601_format_utc(end, r->ends) < 0)
		snprintf(r->ends, sizeof(r->ends), "?");
	format_left(end - now, r->left, sizeof(r->left));
	text_member(e, "approver", r->approver, sizeof(r->approver));
	text_member(e, "ticket", r->ticket, sizeof(r->ticket));
	text_member(e, "reason", r->reason, sizeof(r->reason));
}

static void
print_line(const int width[NCOLS], const char *const cells[NCOLS])
{
	int col;

	for (col = 0; col < NCOLS - 1; col++)
		printf("%-*s  ", width[col], cells[col]);
	/* The last column is not padded: no trailing blanks. */
	printf("%s\n", cells[NCOLS - 1]);
}

static void
print_table(const struct row *rows, size_t n)
{
	const char *cells[NCOLS];
	int width[NCOLS], col;
	size_t i, len;

	for (col = 0; col < NCOLS; col++) {
		width[col] = (int)strlen(headings[col]);
		for (i = 0; i < n; i++)
			if ((len = strlen(column(&rows[i], col))) >
			    (size_t)width[col])
				width[col] = (int)len;
	}
	print_line(width, headings);
	for (i = 0; i < n; i++) {
		for (col = 0; col < NCOLS; col++)
			cells[col] = column(&rows[i], col);
		print_line(width, cells);
	}
}

static int
print_elevations(const struct cli *cli, const json_t *data,
    const char *user)
{
	const json_t *list = json_object_get(data, "elevations");
	int64_t now = cli_json_integer(data, "now");
	struct row *rows;
	size_t i, n;

	if (!json_is_array(list))
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "clearwayd sent no "
		    "list of elevations");
	if ((n = json_array_size(list)) == 0) {
		printf("no active elevations%s%s\n", user[0] ? " for " : "",
		    user);
		return CW_EXIT_OK;
	}
	if (now <= 0)
		now = (int64_t)time(NULL);
	if ((rows = calloc(n, sizeof(*rows))) == NULL)
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "out of memory");
	for (i = 0; i < n; i++)
		fill_row(json_array_get(list, i), now, &rows[i]);
	print_table(rows, n);
	free(rows);
	return CW_EXIT_OK;
}

static int
run_elevations(struct cli *cli, int argc, char **argv)
{
	struct cw_request req;
	json_t *data = NULL;
	int rc;

	memset(&req, 0, sizeof(req));
	/* No options of its own; "--" may still guard a USER. */
	if (argc > 1 && strcmp(argv[1], "--") == 0) {
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	if (argc > 1 && argv[1][0] == '-')
		return cli_usage_error(&cmd_elevations, "unknown option '%s'",
		    argv[1]);
	if (argc > 2)
		return cli_usage_error(&cmd_elevations, "at most one USER; "
		    "'%s' is one too many", argv[2]);
	if (argc == 2 && !cw_user_name_valid(argv[1], strlen(argv[1])))
		return cli_usage_error(&cmd_elevations, "'%s' is not a valid "
		    "user name (letters, digits, '.', '_', '@', '-'; at most "
		    "%d; not starting with '-' or '.')", argv[1], CW_USER_MAX);
	req.op = CW_OP_ELEVATIONS;
	if (argc == 2)
		snprintf(req.user, sizeof(req.user), "%s", argv[1]);
	if ((rc = cli_call_data(cli, &req, &data)) != CW_EXIT_OK)
		return rc;
	if (cli->json)
		rc = cli_print_json(cli, data);
	else
		rc = print_elevations(cli, data, req.user);
	json_decref(data);
	return rc;
}

const struct cli_command cmd_elevations = {
	.name = "elevations",
	.synopsis = "elevations [USER]",
	.summary = "active elevations with the time each has left",
	.help =
	    "Lists the active elevations (of USER, or of everyone the daemon\n"
	    "lets you see): user, role, end in UTC, time left, approver, ticket\n"
	    "and reason.  Elevations that have ended or were dropped are not\n"
	    "listed.\n"
	    "\n"
	    "Who may: anyone, about themself; an approver or an auditor, about\n"
	    "everyone; root on this host.\n"
	    "\n"
	    "Example: clearwayctl elevations alice\n"
	    "\n"
	    "Exit: 0 ok (also when there are none), 2 usage, 3 clearwayd\n"
	    "unreachable, 4 not permitted.\n",
	.run = run_elevations,
};
