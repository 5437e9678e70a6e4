/*
 * clearwayctl - the operator's command line.  It holds no credentials: it
 * talks only to the local clearwayd, which identifies the caller by its
 * peer credentials.
 *
 * Global options (-c FILE, --json, --help) may stand anywhere before "--";
 * they are taken out first, and the rest goes to the command.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "client.h"
#include "paths.h"

/* Defined in cmd_calendar.c. */
extern const struct cli_command cmd_calendar;
/* Defined in cmd_audit.c. */
extern const struct cli_command cmd_audit;

static const struct cli_command *const commands[] = {
	&cmd_check,
	&cmd_status,
	&cmd_calendar,
	&cmd_audit,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: clearwayctl [-c FILE] [--json] COMMAND [ARGS]\n\n"
	    "commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-50s %s\n", commands[i]->synopsis,
		    commands[i]->help);
	fprintf(f, "\n  -c, --config FILE  configuration (default %s)\n"
	    "  --json             machine-readable output\n"
	    "  -h, --help         this text, or a command's with COMMAND "
	    "--help\n\nexit codes: 0 ok/allow, 1 deny/no, 2 usage, "
	    "3 service unreachable, 4 not permitted\n", CW_DEFAULT_CONFIG);
}

int
cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("clearwayctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd != NULL)
		fprintf(stderr, "usage: clearwayctl %s\n", cmd->synopsis);
	return CW_EXIT_USAGE;
}

/* Reports a failure in the chosen output form and returns code. */
static int
fail(const struct cli *cli, int code, const char *msg)
{
	if (cli->json) {
		json_t *o = json_pack("{s:s, s:i}", "error", msg, "exit", code);
		char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

		if (s != NULL)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	}
	fprintf(stderr, "clearwayctl: %s\n", msg);
	return code;
}

int
cli_call(struct cli *cli, const struct cw_request *req,
    struct cw_response *resp)
{
	char err[512], msg[600];

	if (cw_config_load(cli->config_path, &cli->cfg, err, sizeof(err)) < 0)
		return fail(cli, CW_EXIT_UNREACHABLE, err);
	if (cw_client_call(cli->cfg.daemon.socket,
	    cli->cfg.daemon.client_timeout_ms, req, resp, err,
	    sizeof(err)) < 0) {
		snprintf(msg, sizeof(msg), "clearwayd is not reachable: %s",
		    err);
		return fail(cli, CW_EXIT_UNREACHABLE, msg);
	}
	switch (resp->status) {
	case CW_STATUS_OK:
		return CW_EXIT_OK;
	case CW_STATUS_FORBIDDEN:
		snprintf(msg, sizeof(msg), "not permitted: %s", resp->message);
		return fail(cli, CW_EXIT_FORBIDDEN, msg);
	case CW_STATUS_UNAVAILABLE:
		snprintf(msg, sizeof(msg), "service unavailable: %s",
		    resp->message);
		return fail(cli, CW_EXIT_UNREACHABLE, msg);
	case CW_STATUS_BAD_REQUEST:
		snprintf(msg, sizeof(msg), "refused: %s", resp->message);
		return fail(cli, CW_EXIT_USAGE, msg);
	default:
		snprintf(msg, sizeof(msg), "daemon error: %s", resp->message);
		return fail(cli, CW_EXIT_UNREACHABLE, msg);
	}
}

/*
 * Removes the global options from argv (in place), wherever they stand
 * before "--".  Returns the new argc, or -1 on a usage error.
 */
static int
take_global_options(struct cli *cli, int argc, char **argv, bool *help)
{
	int i, out = 1;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (++i == argc)
				return -1;
			cli->config_path = argv[i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			cli->config_path = a + 9;
		} else if (strcmp(a, "--json") == 0) {
			cli->json = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			*help = true;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	return out;
}

static const struct cli_command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct cli_command *cmd;
	struct cli cli;
	bool help = false;
	int rc;

	memset(&cli, 0, sizeof(cli));
	cli.config_path = CW_DEFAULT_CONFIG;
	if ((argc = take_global_options(&cli, argc, argv, &help)) < 0)
		return cli_usage_error(NULL, "-c needs a file name");
	if (argc < 2) {
		usage(help ? stdout : stderr);
		return help ? CW_EXIT_OK : CW_EXIT_USAGE;
	}
	if ((cmd = find_command(argv[1])) == NULL) {
		usage(stderr);
		return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
	}
	if (help) {
		printf("usage: clearwayctl %s\n\n%s\n", cmd->synopsis, cmd->help);
		return CW_EXIT_OK;
	}
	rc = cmd->run(&cli, argc - 1, argv + 1);
	cw_config_free(&cli.cfg);
	return rc;
}
