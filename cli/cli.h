/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what every clearwayctl command shares: global options, the
 * contract's exit codes, the command table's entries, and the way to ask
 * the daemon and report what went wrong.
 */
#ifndef CW_CLI_H
#define CW_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "wire.h"

/* Contract section 4. */
enum cw_exit {
	CW_EXIT_OK = 0,
	CW_EXIT_NO = 1,         /* a deny, or a "no" */
	CW_EXIT_USAGE = 2,
	CW_EXIT_UNREACHABLE = 3,
	CW_EXIT_FORBIDDEN = 4,
};

struct cli {
	const char *config_path;
	bool json;
	bool cfg_loaded;        /* cfg read once, by the first cli_call */
	struct cw_config cfg;
};

/*
 * One command.  clearwayctl --help lists synopsis and summary (one line
 * each); clearwayctl COMMAND --help prints the synopsis and help: what it
 * does, who may run it, an example, its exit codes.
 */
struct cli_command {
	const char *name;
	const char *synopsis;
	const char *summary;
	const char *help;
	int (*run)(struct cli *cli, int argc, char **argv);
};

/* One per cmd_<name>.c, listed in clearwayctl.c's commands[]. */
extern const struct cli_command cmd_check;
extern const struct cli_command cmd_who;
extern const struct cli_command cmd_expiring;
extern const struct cli_command cmd_suspend;
extern const struct cli_command cmd_unsuspend;
extern const struct cli_command cmd_status;
extern const struct cli_command cmd_elevate;
extern const struct cli_command cmd_drop;
extern const struct cli_command cmd_elevations;
extern const struct cli_command cmd_leaver;
extern const struct cli_command cmd_revoke;
extern const struct cli_command cmd_reinstate;
extern const struct cli_command cmd_retry;
extern const struct cli_command cmd_queue;
extern const struct cli_command cmd_report;
extern const struct cli_command cmd_export;
extern const struct cli_command cmd_erase;
extern const struct cli_command cmd_calendar;
extern const struct cli_command cmd_audit;
extern const struct cli_command cmd_request;
extern const struct cli_command cmd_requests;
extern const struct cli_command cmd_approve;
extern const struct cli_command cmd_reject;
extern const struct cli_command cmd_review;

/*
 * The daemon's wait for this host to apply a change (control.c) and a
 * margin: part of how long the CLI waits for an answer (cli_exchange).
 */
#define CLI_APPLY_WAIT_MS 3000
#define CLI_SLACK_MS 2000
/* How long clearwayctl audit waits for the daemon to read the trail. */
#define CLI_TRAIL_WAIT_MS 120000

/*
 * Sends req to the daemon and waits for its answer, longer than the
 * daemon's own Redis timeouts so that the answer is the daemon's verdict.
 * Returns CW_EXIT_OK when any well-formed answer arrived (resp filled,
 * whatever its status; the caller frees it); otherwise says why and
 * returns the exit code: 3 "not reachable" when the request did not get
 * there, 3 "outcome unknown ... re-run" when a change got there but no
 * answer came back.
 */
int cli_exchange(struct cli *cli, const struct cw_request *req,
    struct cw_response *resp);

/* Says why a non-OK answer failed; returns its exit code.  Frees nothing. */
int cli_status_fail(const struct cli *cli, const struct cw_response *resp);

/*
 * Sends req to the daemon named by the configuration.  Returns CW_EXIT_OK
 * with resp filled when the daemon answered OK (the caller then frees it
 * with cw_response_free); otherwise prints why (to stderr, and as JSON on
 * stdout with --json), frees resp and returns the exit code.  A refusal's
 * message is the daemon's, printed as it came.
 */
int cli_call(struct cli *cli, const struct cw_request *req,
    struct cw_response *resp);

/*
 * Asks for a paged answer (queue, report) page by page: req->after is set
 * to each page's "next" cursor until a page has none.  page() is called
 * with each page's data (its rows printed as they come, so any number of
 * rows fits in constant memory) and returns an exit code; non-zero stops.
 * A failure on the first page is reported as cli_call does; on a later
 * one only to stderr, so that the caller can close the document it has
 * started on stdout.  Returns CW_EXIT_OK or the exit code.
 */
int cli_pages(struct cli *cli, struct cw_request *req,
    int (*page)(const json_t *data, void *arg), void *arg);

/*
 * The "data" object of an OK response, parsed.  On failure reports that
 * the daemon sent none (exit 3) and frees resp.  The caller owns *data.
 */
int cli_response_data(const struct cli *cli, struct cw_response *resp,
    json_t **data);

/*
 * cli_call() then cli_response_data(): the answer's data object in *data
 * (the caller json_decref()s it), or the exit code of what went wrong.
 */
int cli_call_data(struct cli *cli, const struct cw_request *req,
    json_t **data);

/*
 * Reports a failure that is not a usage error: "clearwayctl: " + message
 * to stderr and, with --json, {"error": message, "exit": code} on stdout.
 * Returns code.
 */
int cli_fail(const struct cli *cli, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes s as one CSV field (RFC 4180 quoting), then ',' or, if last, a
 * newline. */
void cli_csv_field(const char *s, bool last);

/*
 * Parses s, the value of option opt, as a TIME (contract section 4: ISO
 * 8601) into *out.  CW_EXIT_OK, or CW_EXIT_USAGE after saying what was
 * wrong: "--at 'x' is not a time (why); TIME is <the forms>".
 */
int cli_parse_time(const struct cli_command *cmd, const char *opt,
    const char *s, int64_t *out);

/* Prints "clearwayctl: " + message to stderr; returns CW_EXIT_USAGE. */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The usage error for what getopt_long() returned on a bad option (ch is
 * ':' for a missing value with a leading ':' in the optstring, '?' for an
 * unknown option).  Returns CW_EXIT_USAGE.
 */
int cli_option_error(const struct cli_command *cmd, int ch, char **argv);

/* Prints a JSON value on one line; exit 3 if it cannot be encoded. */
int cli_print_json(const struct cli *cli, const json_t *o);

/* A string member of o, or NULL; an integer member, or 0. */
const char *cli_json_string(const json_t *o, const char *key);
int64_t cli_json_integer(const json_t *o, const char *key);

/*
 * Copies untrusted text (a reason, a ticket, a name from the daemon) for
 * the terminal: every byte outside printable ASCII becomes '?', so no
 * control sequence reaches the operator's screen.
 */
void cli_clean_text(const char *src, char *dst, size_t dstsz);

#endif
