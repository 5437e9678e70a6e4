/* SPDX-License-Identifier: MIT */
/*
 * cmd_calendar.c - clearwayctl calendar holidays --year Y [--division D]
 *                  clearwayctl calendar deadline --from TIME [--division D]
 *
 * The working-day clock of contract section 5, for anyone to check: the
 * bank holidays of a year, and the deadline a revocation at TIME would get
 * and why.  Computed here from core/calendar.c, the same code the daemon
 * uses; no daemon is asked.  The division and holidays file come from the
 * configuration when there is one (--division overrides the division);
 * with no configuration file at all, the defaults apply (England and Wales,
 * holidays by rule), and the output says so.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config_file.h"
#include "calendar.h"
#include "cli.h"
#include "gentime.h"
#include "isotime.h"

/* The one-line reasoning; long enough for any run of holidays by rule. */
#define REASON_MAX 2048

struct calendar_args {
	const char *year;
	const char *from;
	const char *division;
};

/* What the calendar was built from, for the output. */
struct calendar_source {
	const char *config;             /* NULL: no configuration file */
	const char *holidays_file;      /* NULL: rules only */
};

/* Prints o as one line of JSON and drops it. */
static int
print_json(json_t *o)
{
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	int rc = CW_EXIT_OK;

	if (s == NULL) {
		fprintf(stderr, "clearwayctl: out of memory\n");
		rc = CW_EXIT_UNREACHABLE;
	} else {
		printf("%s\n", s);
	}
	free(s);
	json_decref(o);
	return rc;
}

/*
 * The configuration, or the defaults when the file does not exist: anyone
 * may ask the calendar, on any host.  A file that exists but cannot be
 * used is an error, not a reason to guess the division.
 */
static int
load_config(struct cli *cli, struct calendar_source *src)
{
	char err[512];

	src->config = NULL;
	if (access(cli->config_path, F_OK) < 0 && errno == ENOENT) {
		if (cw_config_defaults(&cli->cfg) < 0)
			return cli_fail(cli, CW_EXIT_UNREACHABLE,
			    "out of memory");
		return CW_EXIT_OK;
	}
	if (cw_config_load(cli->config_path, &cli->cfg, err, sizeof(err)) < 0)
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "%s", err);
	src->config = cli->config_path;
	return CW_EXIT_OK;
}

/* The calendar for --division (or the configured one). */
static int
load_calendar(struct cli *cli, const char *division_arg,
    struct cw_calendar *cal, struct calendar_source *src)
{
	enum cw_division division = CW_DIVISION_ENGLAND_AND_WALES;
	char err[600];
	int rc;

	cw_calendar_init(cal, CW_DIVISION_ENGLAND_AND_WALES);
	if (division_arg != NULL &&
	    cw_division_parse(division_arg, &division) < 0)
		return cli_usage_error(&cmd_calendar, "--division must be one "
		    "of %s, not '%s'", CW_DIVISION_NAMES, division_arg);
	if ((rc = load_config(cli, src)) != CW_EXIT_OK)
		return rc;
	if (division_arg == NULL)
		division = cli->cfg.policy.division;
	src->holidays_file = cli->cfg.policy.bank_holidays_file;
	if (cw_calendar_load(src->holidays_file, division, cal, err,
	    sizeof(err)) < 0)
		return cli_fail(cli, CW_EXIT_UNREACHABLE, "%s", err);
	return CW_EXIT_OK;
}

static int
parse_args(int argc, char **argv, struct calendar_args *a)
{
	static const struct option longopts[] = {
		{ "year", required_argument, NULL, 'y' },
		{ "from", required_argument, NULL, 'f' },
		{ "division", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'y': a->year = optarg; break;
		case 'f': a->from = optarg; break;
		case 'd': a->division = optarg; break;
		default:
			return cli_usage_error(&cmd_calendar, "unknown or "
			    "incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(&cmd_calendar, "unexpected argument "
		    "'%s'", argv[optind]);
	return CW_EXIT_OK;
}

/* --year: 4 digits within the calendar's years.  Returns 0 or -1. */
static int
parse_year(const char *s, int *year)
{
	int v = 0;
	size_t i;

	if (strlen(s) != 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < CW_CALENDAR_YEAR_MIN || v > CW_CALENDAR_YEAR_MAX)
		return -1;
	*year = v;
	return 0;
}

static void
format_date(char buf[11], int y, unsigned m, unsigned d)
{
	snprintf(buf, 11, "%04d-%02u-%02u", y, m, d);
}

static json_t *
source_json(const struct cw_calendar *cal, const struct calendar_source *src)
{
	return json_pack("{s:s, s:s?, s:s?}", "division",
	    cw_division_name(cal->division), "config", src->config,
	    "holidays_file", src->holidays_file);
}

/* --- calendar holidays --------------------------------------------------- */

static const char *
holiday_note(const struct cw_holiday *h)
{
	if (h->substitute && h->from_file)
		return "substitute day, from the holidays file";
	if (h->substitute)
		return "substitute day";
	if (h->from_file)
		return "from the holidays file";
	return NULL;
}

static int
print_holidays_json(const struct cw_calendar *cal,
    const struct calendar_source *src, int year,
    const struct cw_holiday_list *list)
{
	json_t *o = source_json(cal, src), *days = json_array();
	char date[11];
	size_t i;

	if (o == NULL || days == NULL)
		goto fail;
	for (i = 0; i < list->count; i++) {
		const struct cw_holiday *h = &list->days[i];

		format_date(date, h->year, h->month, h->day);
		if (json_array_append_new(days, json_pack("{s:s, s:s, s:s, "
		    "s:b, s:b}", "date", date, "weekday", cw_weekday_name(
		    cw_weekday(h->year, h->month, h->day)), "title", h->title,
		    "substitute", h->substitute, "from_file",
		    h->from_file)) < 0)
			goto fail;
	}
	if (json_object_set_new(o, "year", json_integer(year)) < 0 ||
	    json_object_set_new(o, "source", json_string(list->count > 0 &&
	    list->days[0].from_file ? "file" : "rules")) < 0 ||
	    json_object_set_new(o, "holidays", days) < 0) {
		days = NULL;
		goto fail;
	}
	return print_json(o);
fail:
	json_decref(days);
	json_decref(o);
	fprintf(stderr, "clearwayctl: out of memory\n");
	return CW_EXIT_UNREACHABLE;
}

static void
print_holidays_text(const struct cw_calendar *cal,
    const struct calendar_source *src, int year,
    const struct cw_holiday_list *list)
{
	bool from_file = list->count > 0 && list->days[0].from_file;
	char date[11];
	size_t i;

	printf("Bank holidays in %s, %d (%s%s%s)\n",
	    cw_division_name(cal->division), year,
	    from_file ? "from " : "by rule",
	    from_file ? src->holidays_file : "",
	    src->config == NULL ? "; no configuration file, defaults" : "");
	for (i = 0; i < list->count; i++) {
		const struct cw_holiday *h = &list->days[i];
		const char *note = holiday_note(h);

		format_date(date, h->year, h->month, h->day);
		printf("%s  %-9s  %s%s%s%s\n", date, cw_weekday_name(
		    cw_weekday(h->year, h->month, h->day)), h->title,
		    note != NULL ? " (" : "", note != NULL ? note : "",
		    note != NULL ? ")" : "");
	}
}

static int
run_holidays(struct cli *cli, int argc, char **argv)
{
	struct calendar_source src = { NULL, NULL };
	struct cw_holiday_list list;
	struct calendar_args a;
	struct cw_calendar cal;
	int rc, year;

	cw_calendar_init(&cal, CW_DIVISION_ENGLAND_AND_WALES);
	if ((rc = parse_args(argc, argv, &a)) != CW_EXIT_OK)
		goto out;
	if (a.from != NULL) {
		rc = cli_usage_error(&cmd_calendar, "--from belongs to "
		    "'calendar deadline'");
		goto out;
	}
	if (a.year == NULL || parse_year(a.year, &year) < 0) {
		rc = cli_usage_error(&cmd_calendar, "--year must be a year "
		    "from %d to %d, not '%s'", CW_CALENDAR_YEAR_MIN,
		    CW_CALENDAR_YEAR_MAX, a.year != NULL ? a.year : "");
		goto out;
	}
	if ((rc = load_calendar(cli, a.division, &cal, &src)) != CW_EXIT_OK)
		goto out;
	if (cw_calendar_holidays(&cal, year, &list) < 0) {
		rc = cli_fail(cli, CW_EXIT_USAGE, "year out of range");
		goto out;
	}
	if (cli->json)
		rc = print_holidays_json(&cal, &src, year, &list);
	else
		print_holidays_text(&cal, &src, year, &list);
out:
	cw_calendar_free(&cal);
	return rc;
}

/* --- calendar deadline --------------------------------------------------- */

/* Why a day is not a working day, into buf; false if it is one. */
static bool
why_not_working(const struct cw_calendar *cal, int64_t day, char *buf,
    size_t buflen)
{
	struct cw_holiday h;
	int64_t y;
	unsigned m, d;

	cw_civil_from_days(day, &y, &m, &d);
	if (cw_calendar_holiday_on(cal, (int)y, m, d, &h) == 1) {
		snprintf(buf, buflen, "%s%s", h.title,
		    h.substitute ? " (substitute day)" : "");
		return true;
	}
	if (cw_weekday((int)y, m, d) >= 5) {
		snprintf(buf, buflen, "weekend");
		return true;
	}
	return false;
}

/* Appends to a bounded string; a cut is marked by the caller's size. */
static void
append(char *buf, size_t buflen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
append(char *buf, size_t buflen, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= buflen)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, buflen - used, fmt, ap);
	va_end(ap);
}

static int64_t
local_day(const struct cw_local_time *t)
{
	return cw_days_from_civil(t->year, t->month, t->day);
}

static void
describe_day(char buf[40], int64_t day)
{
	int64_t y;
	unsigned m, d;

	cw_civil_from_days(day, &y, &m, &d);
	snprintf(buf, 40, "%s %04d-%02u-%02u",
	    cw_weekday_name(cw_weekday((int)y, m, d)), (int)y, m, d);
}

/*
 * The days skipped between the event and the working day that decides the
 * deadline, as text (into reason) and, when arr is not NULL, as JSON.
 */
static int
skipped_days(const struct cw_calendar *cal, const struct cw_deadline *dl,
    char *reason, size_t reasonlen, json_t *arr)
{
	int64_t day = local_day(&dl->event_local) + 1;
	int64_t end = cw_days_from_civil(dl->working_year, dl->working_month,
	    dl->working_day);
	char why[CW_HOLIDAY_TITLE_MAX + 32], when[40], date[11];
	bool first = true;

	for (; day < end; day++) {
		int64_t y;
		unsigned m, d;

		if (!why_not_working(cal, day, why, sizeof(why)))
			continue;
		describe_day(when, day);
		append(reason, reasonlen, "%s%s %s", first ? " (not working: "
		    : "; ", when, why);
		first = false;
		if (arr == NULL)
			continue;
		cw_civil_from_days(day, &y, &m, &d);
		format_date(date, (int)y, m, d);
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s}",
		    "date", date, "weekday", cw_weekday_name(cw_weekday((int)y,
		    m, d)), "why", why)) < 0)
			return -1;
	}
	if (!first)
		append(reason, reasonlen, ")");
	return 0;
}

/* The one-line reasoning of section 5 for dl. */
static void
explain(const struct cw_calendar *cal, const struct cw_deadline *dl,
    char *reason, size_t reasonlen)
{
	char event_day[40], working[40], why[CW_HOLIDAY_TITLE_MAX + 32];
	int64_t wd = cw_days_from_civil(dl->working_year, dl->working_month,
	    dl->working_day);

	describe_day(event_day, local_day(&dl->event_local));
	describe_day(working, wd);
	reason[0] = '\0';
	if (dl->rule == CW_DEADLINE_SAME_TIME_NEXT_WORKING_DAY) {
		append(reason, reasonlen, "%s is a working day in %s, so the "
		    "deadline is the same local time (%02u:%02u:%02u) on the "
		    "next working day, %s", event_day,
		    cw_division_name(cal->division), dl->event_local.hour,
		    dl->event_local.minute, dl->event_local.second, working);
	} else {
		(void)why_not_working(cal, local_day(&dl->event_local), why,
		    sizeof(why));
		append(reason, reasonlen, "%s is not a working day in %s (%s), "
		    "so the deadline is the end (24:00) of the first working "
		    "day after it, %s", event_day,
		    cw_division_name(cal->division), why, working);
	}
}

static json_t *
instant_json(int64_t t, const struct cw_local_time *lt)
{
	char utc[CW_ISO8601_BUFSZ], local[CW_ISO8601_BUFSZ];

	if (cw_iso8601_format_utc(t, utc) < 0 ||
	    cw_iso8601_format_local(t, local) < 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s}", "utc", utc, "local", local,
	    "zone", cw_london_zone_name(lt->utc_offset), "weekday",
	    cw_weekday_name(lt->weekday));
}

static int
print_deadline_json(const struct cw_calendar *cal,
    const struct calendar_source *src, const struct cw_deadline *dl,
    const char *reason, json_t *skipped)
{
	json_t *o = source_json(cal, src), *ev, *due;
	char working[11];

	ev = instant_json(dl->event_utc, &dl->event_local);
	due = instant_json(dl->deadline_utc, &dl->deadline_local);
	format_date(working, dl->working_year, dl->working_month,
	    dl->working_day);
	if (o == NULL || ev == NULL || due == NULL ||
	    json_object_set_new(ev, "working_day", json_boolean(dl->rule ==
	    CW_DEADLINE_SAME_TIME_NEXT_WORKING_DAY)) < 0 ||
	    json_object_set(o, "event", ev) < 0 ||
	    json_object_set(o, "deadline", due) < 0 ||
	    json_object_set(o, "non_working_days", skipped) < 0 ||
	    json_object_set_new(o, "rule", json_string(dl->rule ==
	    CW_DEADLINE_SAME_TIME_NEXT_WORKING_DAY ?
	    "same_time_next_working_day" : "end_of_first_working_day")) < 0 ||
	    json_object_set_new(o, "working_day", json_string(working)) < 0 ||
	    json_object_set_new(o, "reason", json_string(reason)) < 0) {
		json_decref(ev);
		json_decref(due);
		json_decref(o);
		fprintf(stderr, "clearwayctl: out of memory\n");
		return CW_EXIT_UNREACHABLE;
	}
	json_decref(ev);
	json_decref(due);
	return print_json(o);
}

static void
print_instant_text(const char *label, int64_t t,
    const struct cw_local_time *lt)
{
	char utc[CW_ISO8601_BUFSZ];

	(void)cw_iso8601_format_utc(t, utc);
	printf("%-9s %s  %s %04d-%02u-%02u %02u:%02u:%02u %s\n", label, utc,
	    cw_weekday_name(lt->weekday), lt->year, lt->month, lt->day,
	    lt->hour, lt->minute, lt->second,
	    cw_london_zone_name(lt->utc_offset));
}

static int
print_deadline(const struct cli *cli, const struct cw_calendar *cal,
    const struct calendar_source *src, const struct cw_deadline *dl)
{
	json_t *skipped = cli->json ? json_array() : NULL;
	char reason[REASON_MAX];
	int rc = CW_EXIT_OK;

	explain(cal, dl, reason, sizeof(reason));
	if ((cli->json && skipped == NULL) ||
	    skipped_days(cal, dl, reason, sizeof(reason), skipped) < 0) {
		fprintf(stderr, "clearwayctl: out of memory\n");
		rc = CW_EXIT_UNREACHABLE;
		goto out;
	}
	if (cli->json) {
		rc = print_deadline_json(cal, src, dl, reason, skipped);
		goto out;
	}
	print_instant_text("event", dl->event_utc, &dl->event_local);
	print_instant_text("deadline", dl->deadline_utc, &dl->deadline_local);
	printf("because   %s%s\n", reason, src->config == NULL ?
	    " [no configuration file: defaults]" : "");
out:
	json_decref(skipped);
	return rc;
}

static int
run_deadline(struct cli *cli, int argc, char **argv)
{
	struct calendar_source src = { NULL, NULL };
	struct calendar_args a;
	struct cw_calendar cal;
	struct cw_deadline dl;
	int64_t event;
	int rc, status;

	cw_calendar_init(&cal, CW_DIVISION_ENGLAND_AND_WALES);
	if ((rc = parse_args(argc, argv, &a)) != CW_EXIT_OK)
		goto out;
	if (a.year != NULL) {
		rc = cli_usage_error(&cmd_calendar, "--year belongs to "
		    "'calendar holidays'");
		goto out;
	}
	if (a.from == NULL) {
		rc = cli_usage_error(&cmd_calendar, "--from TIME is required "
		    "(%s)", CW_ISO8601_FORMS);
		goto out;
	}
	if ((status = cw_iso8601_parse(a.from, strlen(a.from), &event)) !=
	    CW_ISO8601_OK) {
		rc = cli_usage_error(&cmd_calendar, "--from '%s': %s; TIME is "
		    "%s", a.from, cw_iso8601_strerror(status), CW_ISO8601_FORMS);
		goto out;
	}
	if ((rc = load_calendar(cli, a.division, &cal, &src)) != CW_EXIT_OK)
		goto out;
	if (cw_deadline_compute(&cal, event, &dl) < 0) {
		rc = cli_usage_error(&cmd_calendar, "--from '%s': the event "
		    "and its deadline must fall within the years %d..%d",
		    a.from, CW_CALENDAR_YEAR_MIN, CW_CALENDAR_YEAR_MAX);
		goto out;
	}
	rc = print_deadline(cli, &cal, &src, &dl);
out:
	cw_calendar_free(&cal);
	return rc;
}

static int
run_calendar(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(&cmd_calendar, "which calendar: "
		    "holidays or deadline?");
	if (strcmp(argv[1], "holidays") == 0)
		return run_holidays(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "deadline") == 0)
		return run_deadline(cli, argc - 1, argv + 1);
	return cli_usage_error(&cmd_calendar, "unknown calendar command '%s' "
	    "(holidays or deadline)", argv[1]);
}

const struct cli_command cmd_calendar = {
	.name = "calendar",
	.synopsis = "calendar holidays --year Y | deadline --from TIME "
	    "[--division D]",
	.summary = "bank holidays of a year, or the working-day deadline of "
	    "a revocation at TIME",
	.help =
	    "The working-day clock: 'holidays' lists a year's bank holidays in\n"
	    "the division; 'deadline' shows when a revocation at TIME is due (one\n"
	    "working day later, Europe/London) and why.  Computed here, with the\n"
	    "division and holidays file from the configuration if there is one;\n"
	    "no daemon is asked.  D is england-and-wales, scotland or\n"
	    "northern-ireland.  TIME is 2026-11-23T09:00:00Z, or local\n"
	    "Europe/London time without a zone.\n"
	    "\n"
	    "Who may: anyone.\n"
	    "\n"
	    "Example: clearwayctl calendar deadline --from 2026-12-24T16:00:00\n"
	    "\n"
	    "Exit: 0 ok, 2 usage, 3 configuration or holidays file unusable.\n",
	.run = run_calendar,
};
