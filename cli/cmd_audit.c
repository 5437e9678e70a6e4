/* SPDX-License-Identifier: MIT */
/*
 * cmd_audit.c - clearwayctl audit verify | audit export
 *
 *   audit verify [--dir DIR] [--keys DIR]
 *   audit export [--since T] [--until T] [--user U] [--type TYPE]
 *                [--host H] [--format jsonl|csv] [--dir DIR]
 *
 * Root, or anyone naming --dir, reads the files directly ([audit]
 * directory and key_dir by default).  Anyone else asks the daemon, which
 * reads them for a caller with the auditor role (control/audit_query.c):
 * the same report and the same records, a page at a time.
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

/* The report's text, from its JSON (cw_audit_verify_report_json). */
static void
print_report_text(const json_t *o)
{
	const json_t *p = json_object_get(o, "problem");

	if (json_is_true(json_object_get(o, "intact"))) {
		printf("audit trail intact: %lld files, %lld records (seq "
		    "%lld..%lld), %lld key rotations, %lld retention removals, "
		    "%lld days without a file\nlast MAC %s\n",
		    (long long)cli_json_integer(o, "files"),
		    (long long)cli_json_integer(o, "records"),
		    (long long)cli_json_integer(o, "first_seq"),
		    (long long)cli_json_integer(o, "last_seq"),
		    (long long)cli_json_integer(o, "key_rotations"),
		    (long long)cli_json_integer(o, "retention_removals"),
		    (long long)cli_json_integer(o, "days_without_file"),
		    cli_json_string(o, "last_mac"));
		return;
	}
	printf("audit trail NOT intact: %s", cli_json_string(p, "kind"));
	if (cli_json_string(p, "file")[0] != '\0')
		printf(" in %s", cli_json_string(p, "file"));
	if (cli_json_integer(p, "line") > 0)
		printf(" line %lld", (long long)cli_json_integer(p, "line"));
	if (cli_json_integer(p, "seq") > 0)
		printf(" (seq %lld)", (long long)cli_json_integer(p, "seq"));
	printf(": %s\n", cli_json_string(p, "what"));
}

/* Prints the report, read here or by the daemon; 0 intact, 1 not. */
static int
print_report(struct cli *cli, const json_t *o)
{
	if (cli->json) {
		if (cli_print_json(cli, o) != CW_EXIT_OK)
			return CW_EXIT_UNREACHABLE;
	} else {
		print_report_text(o);
	}
	return json_is_true(json_object_get(o, "intact")) ? CW_EXIT_OK :
	    CW_EXIT_NO;
}

/* Verifies the files here (root, or --dir). */
static int
verify_here(struct cli *cli, const char *dir, const char *keys)
{
	struct cw_audit_verify_options opt;
	struct cw_audit_verify_report *rep;
	char what[sizeof(rep->problem.what)];
	json_t *o = NULL;
	char *s = NULL;
	int rc;

	if ((rep = malloc(sizeof(*rep))) == NULL)
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "out of memory");
	memset(&opt, 0, sizeof(opt));
	opt.dir = dir;
	opt.key_dir = keys;
	(void)cw_audit_verify_dir(&opt, rep);
	if (permission_problem(rep)) {
		cli_clean_text(rep->problem.what, what, sizeof(what));
		rc = cli_fail(cli, CW_EXIT_FORBIDDEN, "cannot verify the "
		    "audit trail: permission denied (%s); run it as root or as "
		    "a user who may read the trail and its keys", what);
		goto out;
	}
	if ((s = cw_audit_verify_report_json(rep)) == NULL ||
	    (o = json_loads(s, 0, NULL)) == NULL) {
		rc = cli_fail(cli, CW_EXIT_UNREACHABLE, "out of memory");
		goto out;
	}
	rc = print_report(cli, o);
out:
	json_decref(o);
	free(s);
	free(rep);
	return rc;
}

/* Whether to read the files here: root, or a directory was named. */
static bool
read_here(const char *dir)
{
	return dir != NULL || geteuid() == 0;
}

static int
run_verify(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "keys", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = NULL, *keys = NULL;
	struct cw_request req;
	json_t *data = NULL;
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
	if (read_here(dir)) {
		if ((rc = default_dirs(cli, &dir, &keys)) != CW_EXIT_OK)
			return rc;
		return verify_here(cli, dir, keys);
	}
	memset(&req, 0, sizeof(req));
	req.op = CW_OP_AUDIT_VERIFY;
	if ((rc = cli_call_data(cli, &req, &data)) != CW_EXIT_OK)
		return rc;
	rc = print_report(cli, data);
	json_decref(data);
	return rc;
}

struct export_args {
	int64_t since, until;           /* microseconds */
	enum cw_audit_format format;
	const char *dir, *user, *type, *host;
};

/* The value of --since or --until. */
static int
parse_bound(int ch, const char *v, struct export_args *a)
{
	if (parse_utc_time(v, ch == 's' ? &a->since : &a->until) < 0)
		return cli_usage_error(&cmd_audit, "--%s: '%s' is not "
		    "YYYY-MM-DDTHH:MM:SSZ", ch == 's' ? "since" : "until", v);
	return CW_EXIT_OK;
}

static int
parse_export_options(int argc, char **argv, struct export_args *a)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'f' },
		{ "dir", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'U' },
		{ "type", required_argument, NULL, 'T' },
		{ "host", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	enum cw_audit_type t;
	int ch, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "s:u:f:d:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'u':
			if ((rc = parse_bound(ch, optarg, a)) != CW_EXIT_OK)
				return rc;
			break;
		case 'f':
			if (strcmp(optarg, "jsonl") == 0)
				a->format = CW_AUDIT_FORMAT_JSONL;
			else if (strcmp(optarg, "csv") == 0)
				a->format = CW_AUDIT_FORMAT_CSV;
			else
				return cli_usage_error(&cmd_audit, "--format "
				    "is jsonl or csv, not '%s'", optarg);
			break;
		case 'd': a->dir = optarg; break;
		case 'U': a->user = optarg; break;
		case 'T': a->type = optarg; break;
		case 'H': a->host = optarg; break;
		default:
			return cli_usage_error(&cmd_audit, "unknown or "
			    "incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(&cmd_audit, "audit export takes no "
		    "arguments");
	if (a->since >= a->until)
		return cli_usage_error(&cmd_audit, "--since must be before "
		    "--until");
	if (a->user != NULL && !cw_user_name_valid(a->user, strlen(a->user)))
		return cli_usage_error(&cmd_audit, "--user '%s' is not a valid "
		    "user name", a->user);
	if (a->type != NULL && cw_audit_type_parse(a->type, &t) < 0)
		return cli_usage_error(&cmd_audit, "--type '%s' is not a record "
		    "type (docs/audit.md lists them)", a->type);
	if (a->host != NULL && strlen(a->host) > CW_RHOST_MAX)
		return cli_usage_error(&cmd_audit, "--host is too long");
	return CW_EXIT_OK;
}

/* Says how many lines were not records; exit 1 if any. */
static int
report_skipped(uint64_t skipped, const char *first)
{
	if (skipped == 0)
		return CW_EXIT_OK;
	fprintf(stderr, "clearwayctl: %" PRIu64 " lines are not records and "
	    "were left out (first at %s): run clearwayctl audit verify\n",
	    skipped, first);
	return CW_EXIT_NO;
}

/* Exports from the files here (root, or --dir). */
static int
export_here(struct cli *cli, struct export_args *a)
{
	struct cw_audit_filter f = { a->since, a->until, a->user, -1,
	    a->host };
	struct cw_audit_cursor cur = { 0, 0, false };
	struct cw_audit_export_result res;
	enum cw_audit_type t;
	char err[512], msg[600];
	int rc, fd;

	if ((rc = default_dirs(cli, &a->dir, NULL)) != CW_EXIT_OK)
		return rc;
	if (a->type != NULL && cw_audit_type_parse(a->type, &t) == 0)
		f.type = (int)t;
	/* Tell "not permitted" from a broken trail before writing anything. */
	if ((fd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(msg, sizeof(msg), "%s: %s", a->dir, strerror(errno));
		return cli_fail(cli, errno == EACCES || errno == EPERM ?
		    CW_EXIT_FORBIDDEN : CW_EXIT_NO, "%s", msg);
	}
	close(fd);
	if (cw_audit_export_page(a->dir, &f, a->format, stdout, &cur, 0, &res,
	    err, sizeof(err)) < 0)
		return cli_fail(cli, CW_EXIT_NO, "%s", err);
	return report_skipped(res.skipped, res.first_skipped);
}

struct export_out {
	uint64_t skipped;
};

/* One page from the daemon: the records as the files hold them. */
static int
export_page(const json_t *data, void *arg)
{
	struct export_out *x = arg;
	const json_t *text = json_object_get(data, "text");

	x->skipped += (uint64_t)cli_json_integer(data, "skipped");
	if (json_is_string(text) && fwrite(json_string_value(text), 1,
	    json_string_length(text), stdout) != json_string_length(text))
		return CW_EXIT_UNREACHABLE;
	return CW_EXIT_OK;
}

static int
run_export(struct cli *cli, int argc, char **argv)
{
	struct export_args a = { 0, INT64_MAX, CW_AUDIT_FORMAT_JSONL, NULL,
	    NULL, NULL, NULL };
	struct export_out x = { 0 };
	struct cw_request req;
	int rc;

	if ((rc = parse_export_options(argc, argv, &a)) != CW_EXIT_OK)
		return rc;
	if (read_here(a.dir))
		return export_here(cli, &a);
	memset(&req, 0, sizeof(req));
	req.op = CW_OP_AUDIT_EXPORT;
	req.since = a.since > 0 ? a.since / 1000000 : 0;
	req.until = a.until < INT64_MAX ? a.until / 1000000 : 0;
	req.csv = a.format == CW_AUDIT_FORMAT_CSV;
	snprintf(req.user, sizeof(req.user), "%s", a.user ? a.user : "");
	snprintf(req.audit_type, sizeof(req.audit_type), "%s",
	    a.type ? a.type : "");
	snprintf(req.host, sizeof(req.host), "%s", a.host ? a.host : "");
	rc = cli_pages(cli, &req, export_page, &x);
	if (fflush(stdout) != 0 && rc == CW_EXIT_OK)
		rc = cli_fail(cli, CW_EXIT_UNREACHABLE, "cannot write the "
		    "output");
	if (rc == CW_EXIT_OK)
		rc = report_skipped(x.skipped, "the writer host's trail");
	return rc;
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
	    "[--since T] [--until T] [--user U] [--type TYPE] [--host H] "
	    "[--format jsonl|csv] [--dir DIR]",
	.summary = "verify the audit trail's chain, or export its records",
	.help =
	    "'verify' checks the HMAC chain of the whole trail and says where it\n"
	    "breaks (exit 1).  'export' prints the records in [since, until) as\n"
	    "JSON lines (as stored: each MAC can be checked) or CSV, only those\n"
	    "whose actor or subject is --user, of --type, from --host when given;\n"
	    "T is YYYY-MM-DDTHH:MM:SSZ.  Root (or --dir) reads the files here\n"
	    "([audit] directory and key_dir); anyone else asks clearwayd on the\n"
	    "writer host, which reads them for an auditor, page by page.\n"
	    "\n"
	    "Who may: an auditor (through clearwayd); root on the writer host.\n"
	    "\n"
	    "Example: clearwayctl audit export --since 2026-11-01T00:00:00Z "
	    "--format csv\n"
	    "\n"
	    "Exit: 0 ok (intact), 1 broken chain or unreadable record, 2 usage,\n"
	    "3 configuration unusable, 4 no read access.\n",
	.run = run_audit,
};
