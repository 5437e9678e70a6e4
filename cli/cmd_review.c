/* SPDX-License-Identifier: MIT */
/*
 * cmd_review.c - clearwayctl review --host-class H [--unused-days N]
 *
 * An access review of one host class (Annex 1, 7.1: least privilege):
 * each person who may log on there now and through what (standing roles
 * that give access, running elevations), their last logon there from the
 * audit trail, and the standing roles of people who have not logged on
 * through them for N days (default 90): candidates for removal.
 *
 * Two reads through the daemon, both page by page: the people with access
 * (serve/review.c, from the policy data), then the trail's pam_decision
 * records of the last N days (the auditor's audit export), of which only
 * the latest allow per person on the class is kept.  Memory: one entry
 * per person with access.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cli.h"
#include "isotime.h"

#define UNUSED_DAYS_DEFAULT 90
#define UNUSED_DAYS_MAX 3660

struct person {
	char user[CW_USER_MAX + 1];
	json_t *row;                    /* the daemon's row (a reference) */
	int64_t last_logon;             /* any allow on the class (s) */
	int64_t last_standing;          /* an allow through a standing role */
};

struct review {
	const struct cli *cli;
	char host_class[CW_NAME_MAX + 1];
	struct person *people;
	size_t n, cap;
	int64_t now;
	uint64_t records;               /* decisions on the class read */
};

static int
by_user(const void *a, const void *b)
{
	return strcmp(((const struct person *)a)->user,
	    ((const struct person *)b)->user);
}

/* One page of who has access: kept for the join. */
static int
people_page(const json_t *data, void *arg)
{
	struct review *r = arg;
	json_t *rows = json_object_get(data, "people"), *row;
	const char *user;
	struct person *p;
	size_t i;

	if (r->now == 0)
		r->now = cli_json_integer(data, "now");
	json_array_foreach(rows, i, row) {
		user = cli_json_string(row, "user");
		if (user == NULL || strlen(user) > CW_USER_MAX)
			continue;
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 256;

			if ((p = realloc(r->people, cap * sizeof(*p))) == NULL)
				return CW_EXIT_UNREACHABLE;
			r->people = p;
			r->cap = cap;
		}
		p = &r->people[r->n++];
		memset(p, 0, sizeof(*p));
		snprintf(p->user, sizeof(p->user), "%s", user);
		p->row = json_incref(row);
	}
	return CW_EXIT_OK;
}

/* A trail record (one JSON line): a logon allowed on the class? */
static void
take_record(struct review *r, const char *line, size_t len)
{
	json_t *o = json_loadb(line, len, 0, NULL), *d;
	struct person key, *p;
	const char *subject, *hc, *time, *reason;
	int64_t us;

	d = json_object_get(o, "details");
	subject = cli_json_string(o, "subject");
	hc = cli_json_string(d, "host_class");
	time = cli_json_string(o, "time");
	reason = cli_json_string(d, "reason");
	if (subject == NULL || hc == NULL || time == NULL || reason == NULL ||
	    strcmp(hc, r->host_class) != 0 ||
	    strcmp(cli_json_string(d, "decision") ? cli_json_string(d,
	    "decision") : "", "allow") != 0 ||
	    strlen(subject) > CW_USER_MAX ||
	    cw_audit_time_parse(time, strlen(time), &us) < 0)
		goto out;
	r->records++;
	snprintf(key.user, sizeof(key.user), "%s", subject);
	if ((p = bsearch(&key, r->people, r->n, sizeof(*p), by_user)) == NULL)
		goto out;
	if (us / 1000000 > p->last_logon)
		p->last_logon = us / 1000000;
	/* "ok" in login mode: a standing role let them in, not an elevation. */
	if (strcmp(reason, "ok") == 0 && us / 1000000 > p->last_standing)
		p->last_standing = us / 1000000;
out:
	json_decref(o);
}

/* One page of the trail export: JSON lines. */
static int
trail_page(const json_t *data, void *arg)
{
	const json_t *text = json_object_get(data, "text");
	const char *s, *nl;

	if (!json_is_string(text))
		return CW_EXIT_OK;
	for (s = json_string_value(text); *s != '\0'; s = nl + 1) {
		if ((nl = strchr(s, '\n')) == NULL)
			nl = s + strlen(s);
		take_record(arg, s, (size_t)(nl - s));
		if (*nl == '\0')
			break;
	}
	return CW_EXIT_OK;
}

/* The standing roles of p unused in the window: all of them, or none. */
static json_t *
unused_roles(const struct person *p, int64_t since)
{
	json_t *standing = json_object_get(p->row, "standing");

	if (p->last_standing >= since || json_array_size(standing) == 0)
		return json_array();
	return json_deep_copy(standing);
}

static const char *
when(int64_t t, char buf[CW_ISO8601_BUFSZ])
{
	if (t <= 0 || cw_iso8601_format_utc(t, buf) < 0)
		return "none";
	return buf;
}

/* "role ops; elevation ops-admin (admin) until T" */
static void
access_text(const json_t *row, char *buf, size_t len)
{
	char until[CW_ISO8601_BUFSZ], role[CW_NAME_MAX + 1];
	json_t *v;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(row, "standing"), i, v) {
		cli_clean_text(json_string_value(v), role, sizeof(role));
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%srole %s",
		    n ? "; " : "", role);
	}
	json_array_foreach(json_object_get(row, "elevations"), i, v) {
		cli_clean_text(cli_json_string(v, "role"), role, sizeof(role));
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0,
		    "%selevation %s%s until %s", n ? "; " : "", role,
		    json_is_true(json_object_get(v, "admin")) ? " (admin)" : "",
		    when(cli_json_integer(v, "end"), until));
	}
	if (n == 0)
		snprintf(buf, len, "%s", cli_json_string(row, "login") ?
		    cli_json_string(row, "login") : "-");
}

static int
print_json(struct review *r, int64_t since, int days, bool complete)
{
	json_t *people = json_array(), *o, *row;
	char last[CW_ISO8601_BUFSZ];
	size_t i;
	int rc;

	for (i = 0; people != NULL && i < r->n; i++) {
		row = json_deep_copy(r->people[i].row);
		if (row == NULL)
			continue;
		json_object_set_new(row, "last_logon", r->people[i].last_logon >
		    0 ? json_string(when(r->people[i].last_logon, last)) :
		    json_null());
		json_object_set_new(row, "unused_standing",
		    unused_roles(&r->people[i], since));
		json_array_append_new(people, row);
	}
	o = json_pack("{s:s, s:I, s:I, s:i, s:I, s:o, s:b}", "host_class",
	    r->host_class, "now", (json_int_t)r->now, "logons_since",
	    (json_int_t)since, "unused_days", days, "decisions_read",
	    (json_int_t)r->records, "people", people, "complete", complete);
	rc = cli_print_json(r->cli, o);
	json_decref(o);
	return rc;
}

static void
print_text(struct review *r, int64_t since, int days)
{
	char access[512], last[CW_ISO8601_BUFSZ], from[CW_ISO8601_BUFSZ];
	char user[CW_USER_MAX + 1], role[CW_NAME_MAX + 1];
	size_t i, k, flagged = 0;
	json_t *unused, *v;

	printf("Access review of host class %s: %zu people may log on "
	    "(logons since %s; %d days unused = candidate for "
	    "removal)\n\n", r->host_class, r->n, when(since, from), days);
	printf("%-16s %-22s %s\n", "USER", "LAST LOGON (UTC)", "ACCESS THROUGH");
	for (i = 0; i < r->n; i++) {
		const struct person *p = &r->people[i];

		cli_clean_text(p->user, user, sizeof(user));
		access_text(p->row, access, sizeof(access));
		printf("%-16s %-22s %s\n", user, when(p->last_logon, last),
		    access);
		unused = unused_roles(p, since);
		json_array_foreach(unused, k, v) {
			cli_clean_text(json_string_value(v), role,
			    sizeof(role));
			printf("%-16s %-22s ^ standing role %s unused for %d "
			    "days: candidate for removal\n", "", "", role,
			    days);
			flagged++;
		}
		json_decref(unused);
	}
	printf("\n%zu people, %zu standing roles flagged for removal\n",
	    r->n, flagged);
}

static int
review_options(int argc, char **argv, const char **hc, int *days)
{
	static const struct option longopts[] = {
		{ "host-class", required_argument, NULL, 'H' },
		{ "unused-days", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	long v;
	int ch;

	*hc = NULL;
	*days = UNUSED_DAYS_DEFAULT;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch == 'H') {
			*hc = optarg;
		} else if (ch == 'u') {
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > UNUSED_DAYS_MAX)
				return cli_usage_error(&cmd_review, "--unused-"
				    "days is a number of days, 1 to %d",
				    UNUSED_DAYS_MAX);
			*days = (int)v;
		} else {
			return cli_option_error(&cmd_review, ch, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(&cmd_review, "unexpected argument '%s'",
		    argv[optind]);
	if (*hc == NULL || !cw_object_name_valid(*hc, strlen(*hc)))
		return cli_usage_error(&cmd_review, "--host-class H is required "
		    "(a host class name)");
	return CW_EXIT_OK;
}

static int
run_review(struct cli *cli, int argc, char **argv)
{
	struct review r;
	struct cw_request req;
	const char *hc;
	int64_t since;
	int days, rc;
	size_t i;

	if ((rc = review_options(argc, argv, &hc, &days)) != CW_EXIT_OK)
		return rc;
	memset(&r, 0, sizeof(r));
	r.cli = cli;
	snprintf(r.host_class, sizeof(r.host_class), "%s", hc);
	memset(&req, 0, sizeof(req));
	req.op = CW_OP_REVIEW;
	snprintf(req.host_class, sizeof(req.host_class), "%s", hc);
	if ((rc = cli_pages(cli, &req, people_page, &r)) != CW_EXIT_OK)
		goto out;
	qsort(r.people, r.n, sizeof(*r.people), by_user);
	if (r.now <= 0)
		r.now = (int64_t)time(NULL);
	since = r.now - (int64_t)days * 86400;
	memset(&req, 0, sizeof(req));
	req.op = CW_OP_AUDIT_EXPORT;
	req.since = since;
	snprintf(req.audit_type, sizeof(req.audit_type), "pam_decision");
	if ((rc = cli_pages(cli, &req, trail_page, &r)) != CW_EXIT_OK)
		goto out;
	if (cli->json)
		rc = print_json(&r, since, days, true);
	else
		print_text(&r, since, days);
out:
	for (i = 0; i < r.n; i++)
		json_decref(r.people[i].row);
	free(r.people);
	return rc;
}

const struct cli_command cmd_review = {
	.name = "review",
	.synopsis = "review --host-class H [--unused-days N]",
	.summary = "access review: who may log on to H, through what, last logon",
	.help =
	    "Lists each person who may log on to host class H now, through\n"
	    "which standing roles (cwRole in the class's cwLoginRole, with the\n"
	    "role's clearance met) or running elevations, with their last logon\n"
	    "on H's hosts in the last N days (default 90) from the audit trail.\n"
	    "A standing role through which its holder has not logged on for N\n"
	    "days is flagged as a candidate for removal.  The trail is read\n"
	    "through the daemon (as audit export), page by page.\n"
	    "\n"
	    "Who may: an auditor; root on this host.\n"
	    "\n"
	    "Example: clearwayctl review --host-class payments-db --unused-days 60\n"
	    "\n"
	    "Exit: 0, 2 usage, 3 clearwayd unreachable, 4 not permitted.\n",
	.run = run_review,
};
