/*
 * cli.h - what every clearwayctl command shares: global options, the
 * contract's exit codes, and the way to ask the daemon.
 */
#ifndef CW_CLI_H
#define CW_CLI_H

#include <stdbool.h>

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
	struct cw_config cfg;
};

struct cli_command {
	const char *name;
	const char *synopsis;
	const char *help;
	int (*run)(struct cli *cli, int argc, char **argv);
};

extern const struct cli_command cmd_check;
extern const struct cli_command cmd_status;

/*
 * Sends req to the daemon named by the configuration.  Returns CW_EXIT_OK
 * with resp filled when the daemon answered OK; otherwise prints why (to
 * stderr, or as JSON on stdout with --json) and returns the exit code.
 */
int cli_call(struct cli *cli, const struct cw_request *req,
    struct cw_response *resp);

/* Prints "clearwayctl: " + message to stderr; returns CW_EXIT_USAGE. */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
