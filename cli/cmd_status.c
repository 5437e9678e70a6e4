/* SPDX-License-Identifier: MIT */
/*
 * cmd_status.c - clearwayctl status [USER]
 *
 * With USER: the record as this host's daemon holds it (synced from LDAP),
 * when it last changed, and the user's elevations and revocation.  Without:
 * the daemon's own state (directory sync, Redis, generation, counts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

/* Prints one "key: value" line for a scalar JSON member. */
static void
print_member(const char *indent, const char *key, json_t *v)
{
	if (json_is_string(v))
		printf("%s%-22s %s\n", indent, key, json_string_value(v));
	else if (json_is_integer(v))
		printf("%s%-22s %lld\n", indent, key,
		    (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		printf("%s%-22s %s\n", indent, key, json_is_true(v) ? "yes" :
		    "no");
	else if (json_is_null(v))
		printf("%s%-22s -\n", indent, key);
}

static void
print_object(const char *indent, json_t *o)
{
	char deeper[16];
	const char *key;
	json_t *v;
	size_t i;

	snprintf(deeper, sizeof(deeper), "%s  ", indent);
	json_object_foreach(o, key, v) {
		if (json_is_object(v)) {
			printf("%s%s:\n", indent, key);
			print_object(deeper, v);
		} else if (json_is_array(v)) {
			printf("%s%-22s", indent, key);
			if (json_array_size(v) == 0)
				printf(" -");
			for (i = 0; i < json_array_size(v); i++) {
				json_t *x = json_array_get(v, i);
				char *s = json_dumps(x, JSON_ENCODE_ANY |
				    JSON_COMPACT);

				printf(" %s", json_is_string(x) ?
				    json_string_value(x) : s ? s : "?");
				free(s);
			}
			printf("\n");
		} else {
			print_member(indent, key, v);
		}
	}
}

static int
run_status(struct cli *cli, int argc, char **argv)
{
	struct cw_response resp;
	struct cw_request req;
	json_t *data;
	int rc;

	memset(&req, 0, sizeof(req));
	if (argc > 2)
		return cli_usage_error(&cmd_status, "at most one USER");
	if (argc == 2 && !cw_user_name_valid(argv[1], strlen(argv[1])))
		return cli_usage_error(&cmd_status, "'%s' is not a valid user "
		    "name", argv[1]);
	req.op = CW_OP_STATUS;
	if (argc == 2)
		snprintf(req.user, sizeof(req.user), "%s", argv[1]);
	if ((rc = cli_call(cli, &req, &resp)) != CW_EXIT_OK)
		return rc;
	if (resp.data == NULL ||
	    (data = json_loads(resp.data, 0, NULL)) == NULL) {
		cw_response_free(&resp);
		fprintf(stderr, "clearwayctl: the daemon sent no status\n");
		return CW_EXIT_UNREACHABLE;
	}
	if (cli->json)
		printf("%s\n", resp.data);
	else
		print_object("", data);
	rc = json_is_false(json_object_get(data, "known")) ? CW_EXIT_NO :
	    CW_EXIT_OK;
	json_decref(data);
	cw_response_free(&resp);
	return rc;
}

const struct cli_command cmd_status = {
	.name = "status",
	.synopsis = "status [USER]",
	.summary = "a user's synced record and elevations, or the daemon's "
	    "sync state",
	.help =
	    "With USER: the record as this host's clearwayd holds it (synced from\n"
	    "LDAP), when it last changed, the user's elevations and revocation.\n"
	    "Without: the daemon's own state (directory sync, Redis, counts).\n"
	    "\n"
	    "Who may: anyone about themself; an approver or HR about anyone; the\n"
	    "daemon's state, root on this host only.\n"
	    "\n"
	    "Example: clearwayctl status alice\n"
	    "\n"
	    "Exit: 0 ok, 1 no such user, 2 usage, 3 clearwayd unreachable,\n"
	    "4 not permitted.\n",
	.run = run_status,
};
