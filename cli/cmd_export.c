/* SPDX-License-Identifier: MIT */
/*
 * cmd_export.c - clearwayctl export [USER] and erase USER
 *
 * export USER prints everything Clearway holds about one person as one
 * JSON object; export with no USER prints everything as JSON lines
 * ({"type": ..., "data": ...}), fetched page by page so that a large
 * directory streams in constant memory.  erase USER removes the person's
 * cached data once the directory no longer has them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int
one_user_arg(const struct cli_command *cmd, int argc, char **argv,
    bool required, struct cw_request *req)
{
	if (argc > 2 || (required && argc != 2))
		return cli_usage_error(cmd, required ? "exactly one USER is "
		    "needed" : "at most one USER");
	if (argc == 2) {
		if (!cw_user_name_valid(argv[1], strlen(argv[1])))
			return cli_usage_error(cmd, "'%s' is not a valid user "
			    "name", argv[1]);
		snprintf(req->user, sizeof(req->user), "%s", argv[1]);
	}
	return CW_EXIT_OK;
}

/* Writes one page's items as JSON lines; returns the next cursor. */
static const char *
print_page(const json_t *data)
{
	const char *section = cli_json_string(data, "section");
	json_t *items = json_object_get(data, "items"), *it, *line;
	size_t i;
	char *s;

	json_array_foreach(items, i, it) {
		line = json_pack("{s:s, s:O}", "type", section ? section : "?",
		    "data", it);
		if (line != NULL && (s = json_dumps(line, JSON_COMPACT)) !=
		    NULL) {
			puts(s);
			free(s);
		}
		json_decref(line);
	}
	return cli_json_string(data, "cursor");
}

static int
export_all(struct cli *cli, struct cw_request *req)
{
	const char *next;
	json_t *data = NULL;
	int rc;

	req->cursor[0] = '\0';
	do {
		if ((rc = cli_call_data(cli, req, &data)) != CW_EXIT_OK)
			return rc;
		next = print_page(data);
		snprintf(req->cursor, sizeof(req->cursor), "%s",
		    next != NULL ? next : "");
		json_decref(data);
	} while (req->cursor[0] != '\0');
	return fflush(stdout) == 0 ? CW_EXIT_OK : CW_EXIT_UNREACHABLE;
}

static int
run_single(struct cli *cli, struct cw_request *req)
{
	json_t *data = NULL;
	int rc;

	if ((rc = cli_call_data(cli, req, &data)) != CW_EXIT_OK)
		return rc;
	rc = cli_print_json(cli, data);
	json_decref(data);
	return rc;
}

static int
run_export(struct cli *cli, int argc, char **argv)
{
	struct cw_request req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = CW_OP_EXPORT;
	if ((rc = one_user_arg(&cmd_export, argc, argv, false, &req)) !=
	    CW_EXIT_OK)
		return rc;
	return req.user[0] ? run_single(cli, &req) : export_all(cli, &req);
}

static int
run_erase(struct cli *cli, int argc, char **argv)
{
	struct cw_request req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = CW_OP_ERASE;
	if ((rc = one_user_arg(&cmd_erase, argc, argv, true, &req)) !=
	    CW_EXIT_OK)
		return rc;
	return run_single(cli, &req);
}

const struct cli_command cmd_export = {
	.name = "export",
	.synopsis = "export [USER]",
	.summary = "all of Clearway's data, or one person's, in JSON",
	.help =
	    "With USER: everything Clearway holds about that person (the cached\n"
	    "directory entry, elevations and their history, revocations, the\n"
	    "leaver event) as one JSON object.  Without: everything, as JSON\n"
	    "lines {\"type\": ..., \"data\": ...}, streamed page by page.\n"
	    "(Annex 1, 3.3.1: data on demand in an open format.)\n"
	    "\n"
	    "Who may: an approver; root on this host.\n"
	    "\n"
	    "Exit: 0, 2 usage, 3 clearwayd unreachable, 4 not permitted.\n",
	.run = run_export,
};

const struct cli_command cmd_erase = {
	.name = "erase",
	.synopsis = "erase USER",
	.summary = "erase one person's cached data",
	.help =
	    "Removes USER's cached data: elevations, elevation history, the\n"
	    "leaver event.  Refused while the directory still has USER (the\n"
	    "next sync would bring it back).  Revocation records and the audit\n"
	    "trail are kept: they are the evidence the contract requires for\n"
	    "the retention period.  (Annex 1, 3.3.4.)\n"
	    "\n"
	    "Who may: an approver; root on this host.\n"
	    "\n"
	    "Exit: 0 erased, 1 refused, 2 usage, 3 clearwayd unreachable,\n"
	    "4 not permitted.\n",
	.run = run_erase,
};
