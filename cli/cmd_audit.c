/* SPDX-License-Identifier: MIT */
/*
 * cmd_audit.c - clearwayctl audit verify | audit export
 *
 *   audit verify [--dir DIR] [--keys DIR]
 *   audit export [--since T] [--until T] [--format jsonl|csv] [--dir DIR]
 *
 * For now both read the audit files directly, so they need read access to
 * them (root: the files are root-only); asking the daemon, for a caller
 * with the auditor role, comes with the daemon's audit writer.  Defaults
 * for the directories come from [audit] directory and key_dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config_file.h"
#include "audit.h"
#include "cli.h"

/*
 * T as the contract writes it in UTC: exactly YYYY-MM-DDTHH:MM:SSZ, in
 * seconds.  A minimal strict parser private to this file until
 * core/isotime.c (all of ISO 8601, local time included) is in use here.
 */
static int
parse_utc_time(const char *s, int64_t *us)
{
	char stamp[CW_AUDIT_TIME_LEN + 1];

	if (strlen(s) != 20 || s[19] != 'Z')
		return -1;
	/* The record's own strict parser, with a zero fraction. */
	snprintf(stamp, sizeof(stamp), "%.19s.000000Z", s);
	return cw_audit_time_parse(stamp, strlen(stamp), us);
}

/* Fills in the directories not given on the command line. */
static int
default_dirs(struct cli *cli, const char **dir, const char **keys)
{
	char err[512];

	if (*dir != NULL && (keys == NULL || *keys != NULL))
		return CW_EXIT_OK;
	if (cw_config_load(cli->config_path, &cli->cfg, err, sizeof(err)) < 0)
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "%s", err);
	if (*dir == NULL)
		*dir = cli->cfg.audit.directory;
	if (keys != NULL && *keys == NULL)
		*keys = cli->cfg.audit.key_dir;
	return CW_EXIT_OK;
}

/*
 * The trail (or a key) could not be read for lack of permission: that
 * says nothing about the chain, so it is not reported as "NOT intact".
 */
static bool
permission_problem(const struct cw_audit_verify_report *r)
{
	return r->problem.kind != CW_AUDIT_INTACT &&
	    (r->problem.sys_errno == EACCES || r->problem.sys_errno == EPERM);
}

static int
verify_exit_code(const struct cw_audit_verify_report *r)
{
	if (r->problem.kind == CW_AUDIT_INTACT)
		return CW_EXIT_OK;
	if (permission_problem(r))
		return CW_EXIT_FORBIDDEN;
	return CW_EXIT_NO;
}

static json_t *
report_json(const struct cw_audit_verify_report *r)
{
	bool intact = r->problem.kind == CW_AUDIT_INTACT;
	json_t *o;

	o = json_pack("{s:b, s:I, s:I, s:I, s:I, s:s, s:I, s:I, s:I}",
	    "intact", intact, "files", (json_int_t)r->files,
	    "records", (json_int_t)r->records,
	    "first_seq", (json_int_t)r->first_seq,
	    "last_seq", (json_int_t)r->last_seq, "last_mac", r->last_mac,
	    "key_rotations", (json_int_t)r->key_rotations,
	    "retention_removals", (json_int_t)r->retention_removals,
	    "days_without_file", (json_int_t)r->days_without_file);
	if (o != NULL && !intact && json_object_set_new(o, "problem",
	    json_pack("{s:s, s:s, s:I, s:I, s:s}",
	    "kind", cw_audit_problem_name(r->problem.kind),
	    "file", r->problem.file, "line", (json_int_t)r->problem.line,
	    "seq", (json_int_t)r->problem.seq,
	    "what", r->problem.what)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void
print_report_text(const struct cw_audit_verify_report *r)
{
	if (r->problem.kind == CW_AUDIT_INTACT) {
		printf("audit trail intact: %zu files, %" PRIu64 " records "
		    "(seq %" PRIu64 "..%" PRIu64 "), %zu key rotations, %zu "
		    "retention removals, %zu days without a file\n"
		    "last MAC %s\n", r->files, r->records, r->first_seq,
		    r->last_seq, r->key_rotations, r->retention_removals,
		    r->days_without_file, r->last_mac);
		return;
	}
	printf("audit trail NOT intact: %s", cw_audit_problem_name(
	    r->problem.kind));
	if (r->problem.file[0] != '\0')
		printf(" in %s", r->problem.file);
	if (r->problem.line > 0)
		printf(" line %lu", r->problem.line);
	if (r->problem.seq > 0)
		printf(" (seq %" PRIu64 ")", r->problem.seq);
	printf(": %s\n", r->problem.what);
}

static int
print_report(const struct cli *cli, const struct cw_audit_verify_report *r)
{
	char what[sizeof(r->problem.what)];
	json_t *o;
	char *s;

	if (permission_problem(r)) {
		cli_clean_text(r->problem.what, what, sizeof(what));
		return cli_fail(cli, CW_EXIT_FORBIDDEN, "cannot verify the "
		    "audit trail: permission denied (%s); run it as root or as "
		    "a user who may read the trail and its keys", what);
	}
	if (!cli->json) {
		print_report_text(r);
		return verify_exit_code(r);
	}
	o = report_json(r);
	s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (s == NULL)
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "out of memory");
	printf("%s\n", s);
	free(s);
	return verify_exit_code(r);
}

static int
run_verify(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "keys", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct cw_audit_verify_options opt;
	struct cw_audit_verify_report *rep;
	const char *dir = NULL, *keys = NULL;
	int ch, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "d:k:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'k': keys = optarg; break;
		default:
			return cli_usage_error(&cmd_audit, "unknown or "
			    "incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(&cmd_audit, "audit verify takes no "
		    "arguments");
	if ((rc = default_dirs(cli, &dir, &keys)) != CW_EXIT_OK)
		return rc;
	if ((rep = malloc(sizeof(*rep))) == NULL)
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "out of memory");
	memset(&opt, 0, sizeof(opt));
	opt.dir = dir;
	opt.key_dir = keys;
	(void)cw_audit_verify_dir(&opt, rep);
	rc = print_report(cli, rep);
	free(rep);
	return rc;
}

static int
parse_export_options(int argc, char **argv, int64_t *since, int64_t *until,
    enum cw_audit_format *format, const char **dir)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'f' },
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "s:u:f:d:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'u':
			if (parse_utc_time(optarg, ch == 's' ? since : until) < 0)
				return cli_usage_error(&cmd_audit, "--%s: "
				    "'%s' is not YYYY-MM-DDTHH:MM:SSZ",
				    ch == 's' ? "since" : "until", optarg);
			break;
		case 'f':
			if (strcmp(optarg, "jsonl") == 0)
				*format = CW_AUDIT_FORMAT_JSONL;
			else if (strcmp(optarg, "csv") == 0)
				*format = CW_AUDIT_FORMAT_CSV;
			else
				return cli_usage_error(&cmd_audit, "--format "
				    "is jsonl or csv, not '%s'", optarg);
			break;
		case 'd': *dir = optarg; break;
		default:
			return cli_usage_error(&cmd_audit, "unknown or "
			    "incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(&cmd_audit, "audit export takes no "
		    "arguments");
	if (*since >= *until)
		return cli_usage_error(&cmd_audit, "--since must be before "
		    "--until");
	return CW_EXIT_OK;
}

static int
run_export(struct cli *cli, int argc, char **argv)
{
	struct cw_audit_export_result res;
	enum cw_audit_format format = CW_AUDIT_FORMAT_JSONL;
	int64_t since = 0, until = INT64_MAX;
	const char *dir = NULL;
	char err[512], msg[600];
	int rc, fd;

	if ((rc = parse_export_options(argc, argv, &since, &until, &format,
	    &dir)) != CW_EXIT_OK || (rc = default_dirs(cli, &dir, NULL)) !=
	    CW_EXIT_OK)
		return rc;
	/* Tell "not permitted" from a broken trail before writing anything. */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(msg, sizeof(msg), "%s: %s", dir, strerror(errno));
		return cli_fail(cli, errno == EACCES || errno == EPERM ?
		    CW_EXIT_FORBIDDEN : CW_EXIT_NO, "%s", msg);
	}
	close(fd);
	if (cw_audit_export(dir, since, until, format, stdout, &res, err,
	    sizeof(err)) < 0)
		return cli_fail(cli, CW_EXIT_NO, "%s", err);
	if (res.skipped > 0) {
		snprintf(msg, sizeof(msg), "%" PRIu64 " lines are not records "
		    "and were left out (first at %s): run clearwayctl audit "
		    "verify", res.skipped, res.first_skipped);
		fprintf(stderr, "clearwayctl: %s\n", msg);
		return CW_EXIT_NO;
	}
	return CW_EXIT_OK;
}

static int
run_audit(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(&cmd_audit, "audit needs verify or "
		    "export");
	if (strcmp(argv[1], "verify") == 0)
		return run_verify(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "export") == 0)
		return run_export(cli, argc - 1, argv + 1);
	return cli_usage_error(&cmd_audit, "unknown audit command '%s'",
	    argv[1]);
}

const struct cli_command cmd_audit = {
	.name = "audit",
	.synopsis = "audit verify [--dir DIR] [--keys DIR] | audit export "
	    "[--since T] [--until T] [--format jsonl|csv] [--dir DIR]",
	.summary = "verify the audit trail's chain, or export its records",
	.help =
	    "'verify' checks the HMAC chain of the whole trail and says where it\n"
	    "breaks (exit 1).  'export' prints the records in [since, until) as\n"
	    "JSON lines or CSV; T is YYYY-MM-DDTHH:MM:SSZ.  Both read the files\n"
	    "directly ([audit] directory and key_dir), so they need read access\n"
	    "to them, until the daemon serves auditors.\n"
	    "\n"
	    "Who may: an auditor; for now, whoever can read the files (root).\n"
	    "\n"
	    "Example: clearwayctl audit export --since 2026-11-01T00:00:00Z "
	    "--format csv\n"
	    "\n"
	    "Exit: 0 ok (intact), 1 broken chain or unreadable record, 2 usage,\n"
	    "3 configuration unusable, 4 no read access.\n",
	.run = run_audit,
};
