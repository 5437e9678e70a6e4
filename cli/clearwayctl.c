/* SPDX-License-Identifier: MIT */
/*
 * clearwayctl - the operator's command line.  It holds no credentials: it
 * talks only to the local clearwayd, which identifies the caller by its
 * peer credentials.
 *
 * Global options (-c FILE, --json, --help) may stand anywhere before "--";
 * they are taken out first, and the rest goes to the command.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config_file.h"
#include "cli.h"
#include "isotime.h"
#include "client.h"
#include "paths.h"

static const struct cli_command *const commands[] = {
	&cmd_check,
	&cmd_who,
	&cmd_expiring,
	&cmd_status,
	&cmd_elevate,
	&cmd_drop,
	&cmd_elevations,
	&cmd_request,
	&cmd_requests,
	&cmd_approve,
	&cmd_reject,
	&cmd_leaver,
	&cmd_revoke,
	&cmd_reinstate,
	&cmd_suspend,
	&cmd_unsuspend,
	&cmd_retry,
	&cmd_queue,
	&cmd_report,
	&cmd_review,
	&cmd_export,
	&cmd_erase,
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
		fprintf(f, "  %s\n      %s\n", commands[i]->synopsis,
		    commands[i]->summary);
	fprintf(f, "\n  -c, --config FILE  configuration (default %s)\n"
	    "  --json             machine-readable output\n"
	    "  -h, --help         this text, or a command's with COMMAND "
	    "--help\n\nexit codes: 0 ok/allow, 1 deny/no, 2 usage, "
	    "3 service unreachable or outcome unknown, 4 not permitted\n"
	    "See clearwayctl(8).\n", CW_DEFAULT_CONFIG);
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
		fprintf(stderr, "usage: clearwayctl %s\n"
		    "(clearwayctl %s --help says more)\n", cmd->synopsis,
		    cmd->name);
	return CW_EXIT_USAGE;
}

/* RFC 4180: quote a field that has a comma, quote or line break. */
void
cli_csv_field(const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
	} else {
		putchar('"');
		for (; *s != '\0'; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	}
	putchar(last ? '\n' : ',');
}

int
cli_parse_time(const struct cli_command *cmd, const char *opt,
    const char *s, int64_t *out)
{
	int status = cw_iso8601_parse(s, strlen(s), out);

	if (status == CW_ISO8601_OK)
		return CW_EXIT_OK;
	return cli_usage_error(cmd, "%s '%s' is not a time (%s); TIME is %s",
	    opt, s, cw_iso8601_strerror(status), CW_ISO8601_FORMS);
}

int
cli_option_error(const struct cli_command *cmd, int ch, char **argv)
{
	/* getopt_long() has stepped past the option it complains about. */
	const char *opt = optind > 0 ? argv[optind - 1] : "?";

	if (ch == ':')
		return cli_usage_error(cmd, "option '%s' needs a value", opt);
	return cli_usage_error(cmd, "unknown option '%s'", opt);
}

int
cli_fail(const struct cli *cli, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
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
cli_print_json(const struct cli *cli, const json_t *o)
{
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	if (s == NULL)
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "out of memory");
	printf("%s\n", s);
	free(s);
	return CW_EXIT_OK;
}

const char *
cli_json_string(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int64_t
cli_json_integer(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

void
cli_clean_text(const char *src, char *dst, size_t dstsz)
{
	size_t i = 0;

	if (dstsz == 0)
		return;
	for (; src != NULL && src[i] != '\0' && i + 1 < dstsz; i++)
		dst[i] = src[i] >= 0x20 && src[i] <= 0x7e ? src[i] : '?';
	dst[i] = '\0';
}

/*
 * A refusal in the daemon's own words: it names what was wrong and what to
 * do ("role 'dba-admin' allows at most 4h; asked 8h"), so it is printed as
 * it came, with a generic line only when the daemon said nothing.
 */
static int
refusal(const struct cli *cli, int code, const char *message,
    const char *generic)
{
	char clean[CW_MESSAGE_MAX];

	cli_clean_text(message, clean, sizeof(clean));
	return cli_fail(cli, code, "%s", clean[0] != '\0' ? clean : generic);
}

/* Everything but an OK answer: the exit code for it, after saying why. */
int
cli_status_fail(const struct cli *cli, const struct cw_response *resp)
{
	char clean[CW_MESSAGE_MAX];

	switch (resp->status) {
	case CW_STATUS_FORBIDDEN:
		return refusal(cli, CW_EXIT_FORBIDDEN, resp->message,
		    "not permitted");
	case CW_STATUS_REFUSED:
		/* Allowed to ask; the answer is no (contract: exit 1). */
		return refusal(cli, CW_EXIT_NO, resp->message, "refused");
	case CW_STATUS_BAD_REQUEST:
		return refusal(cli, CW_EXIT_USAGE, resp->message,
		    "clearwayd refused the request");
	case CW_STATUS_UNAVAILABLE:
		cli_clean_text(resp->message, clean, sizeof(clean));
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "service unavailable: "
		    "%s", clean);
	case CW_STATUS_BUSY:
		/* Still busy after retrying for the whole wait: nothing done. */
		cli_clean_text(resp->message, clean, sizeof(clean));
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "clearwayd is busy, "
		    "nothing was done: %s", clean);
	case CW_STATUS_UNKNOWN:
		/* "outcome unknown: ... re-run to confirm": the daemon's words. */
		return refusal(cli, CW_EXIT_UNREACHABLE, resp->message,
		    "outcome unknown: it may have been recorded; re-run to "
		    "confirm; re-running is safe");
	default:
		cli_clean_text(resp->message, clean, sizeof(clean));
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "daemon error: %s",
		    clean);
	}
}

/* Requests that change something: their outcome can be unknown. */
static bool
op_writes(enum cw_op op)
{
	switch (op) {
	case CW_OP_ELEVATE:
	case CW_OP_DROP:
	case CW_OP_LEAVER:
	case CW_OP_REVOKE:
	case CW_OP_REINSTATE:
	case CW_OP_ERASE:
	case CW_OP_RETRY:
	case CW_OP_SUSPEND:
	case CW_OP_UNSUSPEND:
	case CW_OP_REQUEST:
	case CW_OP_APPROVE:
	case CW_OP_REJECT:
		return true;
	default:
		return false;
	}
}

/* Requests the control worker answers from Redis (the rest: memory). */
static bool
op_uses_redis(enum cw_op op)
{
	return op_writes(op) || op == CW_OP_QUEUE || op == CW_OP_REPORT ||
	    op == CW_OP_EXPORT || op == CW_OP_REQUESTS;
}

/*
 * How long to wait for clearwayd's answer.  A request the control worker
 * carries out is answered after at most a few Redis calls, each bounded
 * by [redis] timeout_ms, and a wait for this host to apply a change:
 * waiting longer than that gets the daemon's own verdict ("not recorded",
 * "outcome unknown") instead of guessing.  client_timeout_ms is the PAM
 * module's budget (logons must not hang), enough for what the daemon
 * answers from memory; an operator's change may wait longer.
 */
static int
answer_wait_ms(const struct cw_config *cfg, enum cw_op op)
{
	long long ms = 3LL * cfg->redis.timeout_ms + CLI_APPLY_WAIT_MS +
	    CLI_SLACK_MS;

	/* The daemon reads the trail's files: a verify reads them all. */
	if (op == CW_OP_AUDIT_VERIFY || op == CW_OP_AUDIT_EXPORT)
		return CLI_TRAIL_WAIT_MS;
	if (!op_uses_redis(op) || ms < cfg->daemon.client_timeout_ms)
		ms = cfg->daemon.client_timeout_ms;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

int
cli_exchange(struct cli *cli, const struct cw_request *req,
    struct cw_response *resp)
{
	char err[512];
	int rc, wait;

	memset(resp, 0, sizeof(*resp));
	if (!cli->cfg_loaded) {
		if (cw_config_load(cli->config_path, &cli->cfg, err,
		    sizeof(err)) < 0)
			return cli_fail(cli, CW_EXIT_UNREACHABLE, "%s", err);
		cli->cfg_loaded = true;
	}
	wait = answer_wait_ms(&cli->cfg, req->op);
	rc = cw_client_call(cli->cfg.daemon.socket, wait, req, resp, err,
	    sizeof(err));
	if (rc == -2 && op_writes(req->op))
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "outcome unknown: "
		    "clearwayd took the request but did not answer within "
		    "%d ms (%s); it may have been recorded; re-run to confirm; "
		    "re-running is safe", wait, err);
	if (rc < 0)
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "clearwayd is not "
		    "reachable: %s", err);
	return CW_EXIT_OK;
}

int
cli_call(struct cli *cli, const struct cw_request *req,
    struct cw_response *resp)
{
	int rc;

	if ((rc = cli_exchange(cli, req, resp)) != CW_EXIT_OK)
		return rc;
	if (resp->status == CW_STATUS_OK)
		return CW_EXIT_OK;
	rc = cli_status_fail(cli, resp);
	cw_response_free(resp);
	return rc;
}

int
cli_pages(struct cli *cli, struct cw_request *req,
    int (*page)(const json_t *data, void *arg), void *arg)
{
	const char *next;
	json_t *data = NULL;
	bool json = cli->json, more = false;
	int rc = CW_EXIT_OK;

	req->after[0] = '\0';
	do {
		if ((rc = cli_call_data(cli, req, &data)) != CW_EXIT_OK)
			break;
		rc = page(data, arg);
		next = cli_json_string(data, "next");
		if (rc == CW_EXIT_OK && next != NULL &&
		    (strlen(next) > CW_AFTER_MAX || strcmp(next, req->after) ==
		    0)) {
			/* A cursor that does not move would loop forever. */
			rc = cli_fail(cli, CW_EXIT_UNREACHABLE, "clearwayd sent "
			    "a bad page cursor");
		} else if (next != NULL) {
			snprintf(req->after, sizeof(req->after), "%s", next);
		}
		more = next != NULL;
		json_decref(data);
		data = NULL;
		/* Past the first page, stdout holds the caller's document. */
		cli->json = false;
	} while (rc == CW_EXIT_OK && more);
	cli->json = json;
	return rc;
}

int
cli_call_data(struct cli *cli, const struct cw_request *req, json_t **data)
{
	struct cw_response resp;
	int rc;

	*data = NULL;
	if ((rc = cli_call(cli, req, &resp)) != CW_EXIT_OK)
		return rc;
	return cli_response_data(cli, &resp, data);
}

int
cli_response_data(const struct cli *cli, struct cw_response *resp,
    json_t **data)
{
	*data = NULL;
	if (resp->data != NULL)
		*data = json_loads(resp->data, 0, NULL);
	cw_response_free(resp);
	if (!json_is_object(*data)) {
		json_decref(*data);
		*data = NULL;
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "clearwayd sent no "
		    "data: is it older than this clearwayctl?");
	}
	return CW_EXIT_OK;
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
		printf("usage: clearwayctl [-c FILE] [--json] %s\n\n%s\n\n%s",
		    cmd->synopsis, cmd->summary, cmd->help);
		return CW_EXIT_OK;
	}
	rc = cmd->run(&cli, argc - 1, argv + 1);
	cw_config_free(&cli.cfg);
	return rc;
}
